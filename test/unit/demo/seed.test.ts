import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { addDays } from '../../../src/domain/demo/dates.js';
import { DEMO_INCIDENT_IDS, demoIncident, generateDemoDataset } from '../../../src/domain/demo/generate.js';
import {
  DEMO_SOURCE,
  defaultDemoEndDate,
  type SeedDemoResult,
  seedDemoData,
} from '../../../src/domain/demo/seed.js';
import type { SqlParam } from '../../../src/ports/warehouse.js';

const END_DATE = '2025-06-15';
let warehouse: DuckDbWarehouse;
let first: SeedDemoResult;

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open({ path: ':memory:', timeoutMs: 30_000, connections: 2 });
  first = await seedDemoData(warehouse, { endDate: END_DATE, loadedAt: new Date('2025-06-16T05:00:00Z') });
});

afterAll(async () => {
  await warehouse?.close();
});

async function rows<Row extends Record<string, unknown>>(
  sql: string,
  params: SqlParam[] = [],
): Promise<Row[]> {
  return (await warehouse.query<Row>(sql, params)).rows;
}

interface SiteDay {
  date: string;
  product_id: string;
  actual: number;
  planned: number;
}

function siteDays(siteId: string, from: string, to: string): Promise<SiteDay[]> {
  return rows<SiteDay & Record<string, unknown>>(
    `SELECT CAST(p.date AS VARCHAR) AS date, p.product_id, sum(p.actual_volume) AS actual,
            sum(p.planned_volume) AS planned
       FROM analytics.production_daily p JOIN analytics.assets a ON a.asset_id = p.asset_id
      WHERE a.site_id = ? AND p.date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [siteId, from, to],
  );
}

const ratio = (day: SiteDay | undefined): number => (day ? day.actual / day.planned : Number.NaN);
const find = (days: SiteDay[], date: string, product: string): SiteDay | undefined =>
  days.find((day) => day.date === date && day.product_id === product);

describe('seedDemoData', () => {
  it('loads every table and records the load', async () => {
    const generated = generateDemoDataset({ endDate: END_DATE });
    expect(first.seeded).toBe(true);
    expect(first.endDate).toBe(END_DATE);
    expect(first.rows).toEqual({
      sites: 3,
      assets: 20,
      products: 3,
      production_daily: generated.production_daily.length,
      forecast_daily: generated.forecast_daily.length,
      downtime_events: generated.downtime_events.length,
    });
    const [counts] = await rows<{ production: number; forecast: number; events: number; actual: number }>(
      `SELECT (SELECT count(*) FROM analytics.production_daily) AS production,
              (SELECT count(*) FROM analytics.forecast_daily) AS forecast,
              (SELECT count(*) FROM analytics.downtime_events) AS events,
              (SELECT sum(actual_volume) FROM analytics.production_daily) AS actual`,
    );
    expect(counts).toMatchObject({
      production: first.rows.production_daily,
      forecast: first.rows.forecast_daily,
      events: first.rows.downtime_events,
    });
    const generatedActual = generated.production_daily.reduce((sum, row) => sum + row.actual_volume, 0);
    expect(counts?.actual).toBeCloseTo(generatedActual, 3);
    const metadata = await rows<{ table_name: string; row_count: number; loaded_at: string }>(
      'SELECT table_name, row_count, loaded_at FROM analytics.load_metadata WHERE source = ? ORDER BY table_name',
      [DEMO_SOURCE],
    );
    expect(metadata).toHaveLength(6);
    expect(metadata.find((row) => row.table_name === 'production_daily')?.row_count).toBe(
      first.rows.production_daily,
    );
    expect(metadata.every((row) => row.loaded_at === '2025-06-16T05:00:00')).toBe(true);
    const [event] = await rows<{ start_ts: string; lost_volume: number | null }>(
      "SELECT start_ts, lost_volume FROM analytics.downtime_events WHERE event_id = 'EV-20250614-CMP-B1'",
    );
    expect(event).toEqual({ start_ts: '2025-06-14T09:30:00', lost_volume: null });
  });

  it('is idempotent', async () => {
    const again = await seedDemoData(warehouse, { endDate: '2025-07-01' });
    expect(again.seeded).toBe(false);
    expect(again.endDate).toBe(END_DATE);
    expect(Object.values(again.rows).every((count) => count === 0)).toBe(true);
    expect(
      again.incidents.find((incident) => incident.id === DEMO_INCIDENT_IDS.compressorTrip)?.start_date,
    ).toBe('2025-06-14');
    const [counts] = await rows<{ production: number; loads: number }>(
      `SELECT (SELECT count(*) FROM analytics.production_daily) AS production,
              (SELECT count(*) FROM analytics.load_metadata) AS loads`,
    );
    expect(counts).toEqual({ production: first.rows.production_daily, loads: 6 });
  });

  it('replaces an earlier demo seed for a new end date, and never seeds into loaded data', async () => {
    const other = await DuckDbWarehouse.open({ path: ':memory:', timeoutMs: 30_000, connections: 2 });
    try {
      expect((await seedDemoData(other, { endDate: '2025-01-31' })).status).toBe('seeded');
      const replaced = await seedDemoData(other, { endDate: '2025-03-31', replace: true });
      expect(replaced).toMatchObject({ status: 'replaced', seeded: true, endDate: '2025-03-31' });
      const [state] = (
        await other.query<{ last: string; loads: number; production: number }>(
          `SELECT CAST(max(date) AS VARCHAR) AS last, (SELECT count(*) FROM analytics.load_metadata) AS loads,
                  count(*) AS production FROM analytics.production_daily`,
        )
      ).rows;
      expect(state).toEqual({ last: '2025-03-31', loads: 6, production: replaced.rows.production_daily });

      await other.execute(
        "INSERT INTO analytics.load_metadata VALUES ('production_daily', 'wells.csv', TIMESTAMP '2025-04-01 06:00:00', 10)",
      );
      const refused = await seedDemoData(other, { endDate: '2025-04-30', replace: true });
      expect(refused).toMatchObject({ status: 'user_data', seeded: false });
      expect(refused.reason).toMatch(/1 load\(s\) from wells\.csv/);
      const [after] = (
        await other.query<{ last: string }>(
          'SELECT CAST(max(date) AS VARCHAR) AS last FROM analytics.production_daily',
        )
      ).rows;
      expect(after?.last).toBe('2025-03-31');
    } finally {
      await other.close();
    }
  });

  it('defaults the end date to today so the trip falls on yesterday', () => {
    expect(defaultDemoEndDate(new Date('2025-06-15T23:30:00Z'))).toBe('2025-06-15');
  });
});

describe('injected incidents, seen through SQL', () => {
  it('puts Site B 10–15 % under plan on the compressor-trip day, and near plan around it', async () => {
    const trip = demoIncident(END_DATE, DEMO_INCIDENT_IDS.compressorTrip);
    const days = await siteDays('SITE-B', addDays(trip.start_date, -1), END_DATE);
    for (const product of ['oil', 'gas']) {
      const variance = ratio(find(days, trip.start_date, product)) - 1;
      expect(variance, product).toBeLessThanOrEqual(-0.1);
      expect(variance, product).toBeGreaterThanOrEqual(-0.15);
      expect(Math.abs(ratio(find(days, addDays(trip.start_date, -1), product)) - 1), product).toBeLessThan(
        0.05,
      );
      expect(Math.abs(ratio(find(days, END_DATE, product)) - 1), product).toBeLessThan(0.05);
    }
    const causes = await rows<{ cause_code: string; cause_category: string; lost: number; assets: number }>(
      `SELECT e.cause_code, e.cause_category, sum(e.lost_volume) AS lost, count(DISTINCT e.asset_id) AS assets
         FROM analytics.downtime_events e JOIN analytics.assets a ON a.asset_id = e.asset_id
        WHERE a.site_id = 'SITE-B' AND CAST(e.start_ts AS DATE) = CAST(? AS DATE) AND e.product_id = 'oil'
        GROUP BY 1, 2`,
      [trip.start_date],
    );
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ cause_code: 'CMP-TRIP', cause_category: 'unplanned', assets: 4 });
    const oil = find(days, trip.start_date, 'oil');
    expect(causes[0]?.lost).toBeGreaterThan(0.08 * (oil?.planned ?? 0));
    expect(causes[0]?.lost).toBeLessThan(0.2 * (oil?.planned ?? 0));
  });

  it('makes the Site C power-outage day far below its neighbours, with an event on every Site C asset', async () => {
    const outage = demoIncident(END_DATE, DEMO_INCIDENT_IDS.powerOutage);
    const days = (
      await siteDays('SITE-C', addDays(outage.start_date, -7), addDays(outage.start_date, 7))
    ).filter((day) => day.product_id === 'oil');
    const outageDay = days.find((day) => day.date === outage.start_date);
    const neighbours = days.filter((day) => day.date !== outage.start_date);
    expect(neighbours).toHaveLength(14);
    const neighbourMean = neighbours.reduce((sum, day) => sum + day.actual, 0) / neighbours.length;
    expect(outageDay?.actual).toBeLessThan(0.35 * neighbourMean);
    expect(Math.min(...neighbours.map((day) => day.actual))).toBeGreaterThan(0.85 * neighbourMean);
    const [coverage] = await rows<{ covered: number; site_assets: number }>(
      `SELECT count(DISTINCT e.asset_id) AS covered,
              (SELECT count(*) FROM analytics.assets WHERE site_id = 'SITE-C') AS site_assets
         FROM analytics.downtime_events e
        WHERE e.cause_code = 'PWR-OUT' AND e.cause_category = 'unplanned' AND CAST(e.start_ts AS DATE) = CAST(? AS DATE)`,
      [outage.start_date],
    );
    expect(coverage?.covered).toBe(coverage?.site_assets);
  });

  it('shows the Site A turnaround as planned events with a plan cut to a third', async () => {
    const turnaround = demoIncident(END_DATE, DEMO_INCIDENT_IDS.turnaround);
    const before = await siteDays(
      'SITE-A',
      addDays(turnaround.start_date, -10),
      addDays(turnaround.start_date, -1),
    );
    const during = await siteDays('SITE-A', turnaround.start_date, turnaround.end_date);
    const total = (days: SiteDay[], key: 'actual' | 'planned'): number =>
      days.filter((day) => day.product_id === 'oil').reduce((sum, day) => sum + day[key], 0);
    expect(during.filter((day) => day.product_id === 'oil')).toHaveLength(10);
    expect(total(during, 'planned') / total(before, 'planned')).toBeCloseTo(1 / 3, 1);
    expect(Math.abs(total(during, 'actual') / total(during, 'planned') - 1)).toBeLessThan(0.08);
    const events = await rows<{ cause_code: string; cause_category: string; n: number }>(
      `SELECT e.cause_code, e.cause_category, count(*) AS n
         FROM analytics.downtime_events e JOIN analytics.assets a ON a.asset_id = e.asset_id
        WHERE a.site_id = 'SITE-A' AND e.start_ts < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY
          AND e.end_ts > CAST(? AS TIMESTAMP)
        GROUP BY 1, 2`,
      [turnaround.end_date, turnaround.start_date],
    );
    expect(events).toEqual([{ cause_code: 'TAR-PLN', cause_category: 'planned', n: 14 }]);
  });

  it('lets WELL-C03 drift below plan over the last 120 days while its neighbours hold', async () => {
    const decline = demoIncident(END_DATE, DEMO_INCIDENT_IDS.reservoirDecline);
    const wellRatios = await rows<{ asset_id: string; early: number; late: number }>(
      `SELECT asset_id,
              sum(actual_volume) FILTER (WHERE date < CAST(? AS DATE))
                / sum(planned_volume) FILTER (WHERE date < CAST(? AS DATE)) AS early,
              sum(actual_volume) FILTER (WHERE date > CAST(? AS DATE) - INTERVAL 90 DAY)
                / sum(planned_volume) FILTER (WHERE date > CAST(? AS DATE) - INTERVAL 90 DAY) AS late
         FROM analytics.production_daily
        WHERE product_id = 'oil' AND asset_id LIKE 'WELL-C%'
        GROUP BY 1 ORDER BY 1`,
      [decline.start_date, decline.start_date, END_DATE, END_DATE],
    );
    const c03 = wellRatios.find((row) => row.asset_id === 'WELL-C03');
    expect(c03?.late).toBeLessThan((c03?.early ?? 0) - 0.12);
    for (const row of wellRatios.filter((candidate) => candidate.asset_id !== 'WELL-C03')) {
      expect(row.late, row.asset_id).toBeGreaterThan(0.9);
    }
    const [events] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM analytics.downtime_events WHERE cause_code = 'DEC-RES'",
    );
    expect(events?.n).toBe(0);
  });

  it('records the P-101A pump failure and its 5.5 h shut-in of the Site A wells', async () => {
    const pump = demoIncident(END_DATE, DEMO_INCIDENT_IDS.pumpFailure);
    const uptimes = await rows<{ asset_id: string; uptime_hours: number }>(
      `SELECT DISTINCT p.asset_id, p.uptime_hours FROM analytics.production_daily p
         JOIN analytics.assets a ON a.asset_id = p.asset_id
        WHERE a.site_id = 'SITE-A' AND p.date = CAST(? AS DATE) ORDER BY 1`,
      [pump.start_date],
    );
    expect(uptimes).toHaveLength(4);
    expect(uptimes.every((row) => row.uptime_hours === 18.5)).toBe(true);
    const [root] = await rows<{ cause_code: string; start_ts: string; end_ts: string }>(
      "SELECT cause_code, start_ts, end_ts FROM analytics.downtime_events WHERE asset_id = 'P-101A' AND CAST(start_ts AS DATE) = CAST(? AS DATE)",
      [pump.start_date],
    );
    expect(root).toEqual({
      cause_code: 'PMP-FAIL',
      start_ts: `${pump.start_date}T14:20:00`,
      end_ts: `${pump.start_date}T19:50:00`,
    });
  });
});
