import type { BacktestReport, HorizonScores, MethodName } from './backtest.js';
import { METHOD_NAMES } from './backtest.js';

/** Options of `formatBacktestTable`. */
export interface FormatOptions {
  /** Add the per-series table of the selected model (default true). */
  perSeries?: boolean;
}

const METHOD_LABELS: Record<MethodName, string> = {
  selected: 'selected model',
  naive: 'naive',
  seasonal_naive: 'seasonal naive',
  mean_7d: '7-day mean',
};

const number = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const percent = (value: number, signed = false): string =>
  Number.isFinite(value) ? `${signed && value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}` : '–';

function renderTable(
  header: readonly string[],
  rows: readonly string[][],
  leftAligned: readonly number[],
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        leftAligned.includes(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function intervalLabel(interval: number): string {
  const lower = Math.round(((1 - interval) / 2) * 100);
  return `P${lower}–P${100 - lower}`;
}

function methodRow(horizonLabel: string, scores: HorizonScores, method: MethodName): string[] {
  const at = scores.atHorizon[method];
  const window = scores.overWindow[method];
  return [
    horizonLabel,
    METHOD_LABELS[method],
    number(at.mase),
    number(scores.ratioToNaive[method]),
    number(window.mase),
    number(scores.windowRatioToNaive[method]),
    number(window.smape, 1),
    percent(window.bias, true),
    percent(at.coverage),
    percent(window.coverage),
    String(at.origins),
  ];
}

function modelsChosen(selected: Partial<Record<string, number>>): string {
  return Object.entries(selected)
    .sort((left, right) => (right[1] ?? 0) - (left[1] ?? 0))
    .map(([model, count]) => `${model} ${count}`)
    .join(', ');
}

/**
 * Plain-text report of a backtest for the CLI: the aggregate table (every method, every horizon) and,
 * unless disabled, one row per series and horizon for the selected model.
 */
export function formatBacktestTable(report: BacktestReport, options: FormatOptions = {}): string {
  const coverageLabel = intervalLabel(report.interval);
  const header = [
    'h',
    'method',
    'MASE@h',
    '×naive',
    'MASE 1..h',
    '×naive',
    'sMAPE %',
    'bias %',
    `${coverageLabel} @h %`,
    `${coverageLabel} 1..h %`,
    'origins',
  ];
  const rows: string[][] = [];
  for (const scores of report.aggregate) {
    METHOD_NAMES.forEach((method, index) => {
      rows.push(methodRow(index === 0 ? String(scores.horizon) : '', scores, method));
    });
  }
  const parts = [
    `Rolling-origin backtest: ${report.series.length} series, an origin every ${report.originStep} days after ` +
      `${report.minTrainingDays} days of history, ${coverageLabel} interval.`,
    'MASE@h: error on day h ahead; MASE 1..h: mean error over days 1..h. Each is averaged over all',
    "series-origins and scaled by the origin's in-sample one-step naive MAE; ×naive divides by naive's MASE.",
    'sMAPE, bias (Σ(forecast − actual) / Σ actual) and the 1..h coverage pool days 1..h; selected = the model',
    'chosen per series and origin, with shut-in handling; baselines are scored on raw volumes.',
    '',
    renderTable(header, rows, [0, 1]),
  ];
  const familyRows: string[][] = [];
  for (const scores of report.aggregate) {
    for (const [index, [name, family]] of Object.entries(scores.families).entries()) {
      if (!family) continue;
      familyRows.push([
        index === 0 ? String(scores.horizon) : '',
        name,
        number(family.atHorizon.mase),
        number(family.ratioToNaive),
        number(family.overWindow.mase),
        number(family.windowRatioToNaive),
        percent(family.atHorizon.coverage),
        percent(family.overWindow.coverage),
        String(family.atHorizon.origins),
      ]);
    }
  }
  if (familyRows.length > 0) {
    parts.push(
      '',
      'Every built-in model forced at every origin it can forecast (×naive on the same origins):',
      renderTable(
        [
          'h',
          'model',
          'MASE@h',
          '×naive',
          'MASE 1..h',
          '×naive',
          `${coverageLabel} @h %`,
          `${coverageLabel} 1..h %`,
          'origins',
        ],
        familyRows,
        [0, 1],
      ),
    );
  }
  if (options.perSeries ?? true) {
    const seriesRows: string[][] = [];
    for (const series of report.series) {
      series.horizons.forEach((scores, index) => {
        seriesRows.push([
          index === 0 ? series.id : '',
          String(scores.horizon),
          number(scores.atHorizon.selected.mase),
          number(scores.ratioToNaive.selected),
          number(scores.overWindow.selected.mase),
          number(scores.windowRatioToNaive.selected),
          percent(scores.overWindow.selected.coverage),
          String(scores.atHorizon.selected.origins),
          modelsChosen(scores.selectedModels),
        ]);
      });
    }
    parts.push(
      '',
      'Per series (selected model):',
      renderTable(
        [
          'series',
          'h',
          'MASE@h',
          '×naive',
          'MASE 1..h',
          '×naive',
          `${coverageLabel} 1..h %`,
          'origins',
          'models chosen',
        ],
        seriesRows,
        [0, 8],
      ),
    );
  }
  return parts.join('\n');
}
