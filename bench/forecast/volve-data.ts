import { readFileSync } from 'node:fs';
import type { DailyPoint } from '../../src/domain/forecast/index.js';

/** One producing wellbore of the Volve daily file as a forecastable series. */
export interface VolveSeries {
  id: string;
  points: DailyPoint[];
}

/** Default location of the Volve daily production file, relative to the repository root. */
export const VOLVE_DAILY_PATH = '../shared/data/volve/volve_daily_production.csv';

/** Splits one CSV line (RFC 4180 quoting with `"`; no embedded newlines in this file). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

function parseOptionalNumber(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * Reads the Volve daily file and returns one daily-oil series per producing wellbore.
 * Rows kept: `FLOW_KIND = production` with `WELL_TYPE = OP` (the 18 mislabelled rows are dropped).
 * Each series starts at the wellbore's first day with positive oil (pre-production zeros are not history);
 * later zero days stay in as shut-ins, and days with no row stay absent (gaps).
 */
export function loadVolveDailyOil(path: string = VOLVE_DAILY_PATH): VolveSeries[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = splitCsvLine(lines[0] ?? '');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`column ${name} missing in ${path}`);
    return index;
  };
  const dateColumn = column('DATEPRD');
  const wellColumn = column('NPD_WELL_BORE_NAME');
  const hoursColumn = column('ON_STREAM_HRS');
  const oilColumn = column('BORE_OIL_VOL');
  const flowKindColumn = column('FLOW_KIND');
  const wellTypeColumn = column('WELL_TYPE');

  const byWell = new Map<string, DailyPoint[]>();
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    if (fields[flowKindColumn] !== 'production' || fields[wellTypeColumn] !== 'OP') continue;
    const well = fields[wellColumn] ?? '';
    const points = byWell.get(well) ?? [];
    points.push({
      date: fields[dateColumn] ?? '',
      value: Math.max(0, parseOptionalNumber(fields[oilColumn]) ?? 0),
      uptimeHours: parseOptionalNumber(fields[hoursColumn]),
    });
    byWell.set(well, points);
  }

  const series: VolveSeries[] = [];
  for (const [id, points] of byWell) {
    points.sort((left, right) => left.date.localeCompare(right.date));
    const firstOil = points.findIndex((point) => point.value > 0);
    if (firstOil >= 0) series.push({ id, points: points.slice(firstOil) });
  }
  return series.sort((left, right) => left.id.localeCompare(right.id));
}
