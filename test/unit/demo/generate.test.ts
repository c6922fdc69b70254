import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_CAUSE_CODES, DEMO_WELLS } from '../../../src/domain/demo/catalog.js';
import {
  DEMO_FORECAST_HORIZON_DAYS,
  DEMO_INCIDENT_IDS,
  DEMO_INCIDENTS,
  DEMO_MIN_DAYS,
  DEMO_MODEL_VERSION,
  type DemoDataset,
  type DowntimeEventRow,
  demoIncident,
  demoIncidents,
  generateDemoDataset,
  type ProductionDailyRow,
} from '../../../src/domain/demo/generate.js';

const END_DATE = '2025-06-15';
const dataset = generateDemoDataset({ endDate: END_DATE });

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const productionKey = (row: { date: string; asset_id: string; product_id: string }): string =>
  `${row.date}|${row.asset_id}|${row.product_id}`;

function productionIndex(data: DemoDataset): Map<string, ProductionDailyRow> {
  return new Map(data.production_daily.map((row) => [productionKey(row), row]));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('generateDemoDataset determinism', () => {
  it('returns identical rows for the same end date and seed', () => {
    const again = generateDemoDataset({ endDate: END_DATE });
    expect(sha256(again)).toBe(sha256(dataset));
    const short = { endDate: '2024-02-29', days: DEMO_MIN_DAYS, seed: 7 };
    expect(sha256(generateDemoDataset(short))).toBe(sha256(generateDemoDataset(short)));
  });

  it('does not read the clock', () => {
    const short = { endDate: END_DATE, days: DEMO_MIN_DAYS };
    const reference = sha256(generateDemoDataset(short));
    vi.useFakeTimers({ now: new Date('2031-03-09T17:00:00Z') });
    const later = generateDemoDataset(short);
    vi.setSystemTime(new Date('2019-01-01T00:00:00Z'));
    const earlier = generateDemoDataset(short);
    expect(sha256(later)).toBe(reference);
    expect(sha256(earlier)).toBe(reference);
  });

  it('changes the noise with the seed but keeps the catalog and incident dates', () => {
    const other = generateDemoDataset({ endDate: END_DATE, seed: 99 });
    expect(sha256(other.production_daily)).not.toBe(sha256(dataset.production_daily));
    expect(other.assets).toEqual(dataset.assets);
    expect(other.incidents).toEqual(dataset.incidents);
  });
});

describe('generateDemoDataset shape', () => {
  it('has at least 3 sites, 12 assets, 2 products and 730 days', () => {
    expect(dataset.sites.length).toBeGreaterThanOrEqual(3);
    expect(dataset.assets.length).toBeGreaterThanOrEqual(12);
    expect(dataset.products.length).toBeGreaterThanOrEqual(2);
    const dates = new Set(dataset.production_daily.map((row) => row.date));
    expect(dates.size).toBe(760);
    expect(dates.size).toBeGreaterThanOrEqual(730);
    expect(dataset.meta).toMatchObject({ start_date: '2023-05-18', end_date: END_DATE, days: 760 });
    expect([...dates].sort().at(-1)).toBe(END_DATE);
    expect(dataset.production_daily).toHaveLength(760 * DEMO_WELLS.length * dataset.products.length);
  });

  it('writes one production row per date, well and product, with consistent flags', () => {
    expect(productionIndex(dataset).size).toBe(dataset.production_daily.length);
    const assetIds = new Set(dataset.assets.map((asset) => asset.asset_id));
    const invalid = dataset.production_daily.filter(
      (row) =>
        !assetIds.has(row.asset_id) ||
        row.actual_volume < 0 ||
        row.planned_volume <= 0 ||
        row.uptime_hours < 0 ||
        row.uptime_hours > 24 ||
        (row.quality_flags?.includes('downtime') ?? false) !== row.uptime_hours < 24,
    );
    expect(invalid).toEqual([]);
    expect(dataset.production_daily.filter((row) => row.uptime_hours < 24).length).toBeGreaterThan(100);
  });

  it('forecasts every well and product from the first day to 90 days after the end date', () => {
    const dates = [...new Set(dataset.forecast_daily.map((row) => row.date))].sort();
    expect(dates[0]).toBe(dataset.meta.start_date);
    expect(dates.at(-1)).toBe('2025-09-13');
    expect(dates).toHaveLength(760 + DEMO_FORECAST_HORIZON_DAYS);
    expect(dataset.forecast_daily).toHaveLength(dates.length * DEMO_WELLS.length * 3);
    const invalid = dataset.forecast_daily.filter(
      (row) =>
        row.model_version !== DEMO_MODEL_VERSION ||
        row.generated_at !== `${END_DATE}T00:00:00` ||
        !(row.p10 < row.p50 && row.p50 < row.p90),
    );
    expect(invalid).toEqual([]);
  });

  it('records downtime events with unique ids, known assets and catalogued cause codes', () => {
    const ids = dataset.downtime_events.map((event) => event.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    const wells = new Set(DEMO_WELLS.map((well) => well.asset_id));
    const assetIds = new Set(dataset.assets.map((asset) => asset.asset_id));
    for (const event of dataset.downtime_events) {
      expect(assetIds.has(event.asset_id)).toBe(true);
      expect(event.cause_category).toBe(DEMO_CAUSE_CODES[event.cause_code].category);
      expect(event.end_ts > event.start_ts).toBe(true);
      expect(event.description.length).toBeGreaterThan(20);
      if (wells.has(event.asset_id)) {
        expect(event.product_id).not.toBeNull();
        expect(event.lost_volume).toBeGreaterThan(0);
      } else {
        expect(event.product_id).toBeNull();
        expect(event.lost_volume).toBeNull();
      }
    }
    const minorUnplanned = dataset.downtime_events.filter(
      (event) =>
        event.cause_category === 'unplanned' &&
        !['CMP-TRIP', 'PWR-OUT', 'PMP-FAIL'].includes(event.cause_code),
    );
    expect(minorUnplanned.length).toBeGreaterThan(20);
  });

  it('makes each single-day lost volume match the dip implied by the uptime', () => {
    const production = productionIndex(dataset);
    const lostByRow = new Map<string, number>();
    for (const event of dataset.downtime_events) {
      if (event.product_id === null || event.start_ts.slice(0, 10) !== event.end_ts.slice(0, 10)) continue;
      const key = productionKey({
        date: event.start_ts.slice(0, 10),
        asset_id: event.asset_id,
        product_id: event.product_id,
      });
      lostByRow.set(key, (lostByRow.get(key) ?? 0) + (event.lost_volume ?? 0));
    }
    expect(lostByRow.size).toBeGreaterThan(100);
    const mismatched = [...lostByRow].filter(([key, lost]) => {
      const row = production.get(key);
      if (!row) return true;
      const expected = (row.actual_volume * (24 - row.uptime_hours)) / row.uptime_hours;
      return Math.abs(lost - expected) >= 0.5;
    });
    expect(mismatched).toEqual([]);
  });
});

describe('demoIncidents', () => {
  it('dates every incident relative to the end date', () => {
    const byId = new Map(demoIncidents(END_DATE).map((incident) => [incident.id, incident]));
    expect(byId.get(DEMO_INCIDENT_IDS.compressorTrip)).toMatchObject({
      start_date: '2025-06-14',
      end_date: '2025-06-14',
      cause_code: 'CMP-TRIP',
      cause_category: 'unplanned',
      site_id: 'SITE-B',
      root_asset_id: 'CMP-B1',
    });
    expect(byId.get(DEMO_INCIDENT_IDS.powerOutage)).toMatchObject({
      start_date: '2025-05-26',
      site_id: 'SITE-C',
    });
    expect(byId.get(DEMO_INCIDENT_IDS.turnaround)).toMatchObject({
      start_date: '2025-04-16',
      end_date: '2025-04-25',
      cause_category: 'planned',
    });
    expect(byId.get(DEMO_INCIDENT_IDS.reservoirDecline)).toMatchObject({
      start_date: '2025-02-15',
      end_date: END_DATE,
      asset_ids: ['WELL-C03'],
      recorded_as_events: false,
    });
    expect(byId.get(DEMO_INCIDENT_IDS.pumpFailure)).toMatchObject({
      start_date: '2025-05-11',
      root_asset_id: 'P-101A',
    });
    expect(demoIncident('2024-03-01', DEMO_INCIDENT_IDS.compressorTrip).start_date).toBe('2024-02-29');
    expect(DEMO_INCIDENTS).toHaveLength(5);
  });

  it('is visible in the generated rows for the affected assets only', () => {
    const events = (code: string): DowntimeEventRow[] =>
      dataset.downtime_events.filter((event) => event.cause_code === code);
    expect(
      new Set(
        events('CMP-TRIP')
          .filter((e) => e.start_ts.startsWith('2025-06-14'))
          .map((e) => e.asset_id),
      ),
    ).toEqual(new Set(['CMP-B1', 'WELL-B01', 'WELL-B02', 'WELL-B03', 'WELL-B04']));
    expect(new Set(events('PWR-OUT').map((event) => event.asset_id))).toEqual(
      new Set(dataset.assets.filter((asset) => asset.site_id === 'SITE-C').map((asset) => asset.asset_id)),
    );
    expect(events('DEC-RES')).toHaveLength(0);
    const outageRows = dataset.production_daily.filter(
      (row) => row.date === '2025-05-26' && row.asset_id.startsWith('WELL-C'),
    );
    expect(outageRows.every((row) => row.uptime_hours === 24 - 18.6)).toBe(true);
    expect(outageRows.every((row) => row.quality_flags === 'downtime,estimated')).toBe(true);
  });

  it('rejects bad input', () => {
    expect(() => generateDemoDataset({ endDate: '2025-02-30' })).toThrow(RangeError);
    expect(() => generateDemoDataset({ endDate: '15/06/2025' })).toThrow(RangeError);
    expect(() => generateDemoDataset({ endDate: END_DATE, days: 30 })).toThrow(RangeError);
    expect(() => generateDemoDataset({ endDate: END_DATE, seed: 1.5 })).toThrow(RangeError);
  });
});
