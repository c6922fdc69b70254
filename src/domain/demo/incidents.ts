import { assetIdsOfSite, type CauseCategory, type DemoCauseCode, type DemoProductId } from './catalog.js';
import { addDays } from './dates.js';

/** The kinds of injected incident. */
export type DemoIncidentKind =
  | 'compressor_trip'
  | 'power_outage'
  | 'planned_turnaround'
  | 'reservoir_decline'
  | 'pump_failure';

/** What an incident does to the numbers, so tests and features can check it. */
export interface DemoExpectedEffect {
  summary: string;
  products: readonly DemoProductId[];
  /** Site actual vs plan (summed over its wells) on each incident day, as a fraction: -0.12 = 12 % under. */
  site_variance_vs_plan?: number;
  /** Hours each affected well is down on each incident day. */
  down_hours_per_day?: number;
  /** Factor applied to the plan of the affected wells on the incident days (the plan knows). */
  plan_factor?: number;
  /** Target actual/plan ratio of the affected asset on the dataset's last day (for trends). */
  end_actual_to_plan?: number;
}

/** An injected incident, positioned relative to the dataset's end date (offsets are ≤ 0 days). */
export interface DemoIncidentSpec {
  id: string;
  kind: DemoIncidentKind;
  cause_code: DemoCauseCode;
  cause_category: CauseCategory;
  site_id: string;
  /** Equipment that caused the loss (null for a reservoir trend). */
  root_asset_id: string | null;
  /** Every asset involved: facilities first, then the wells whose production it cuts. */
  asset_ids: readonly string[];
  /** First and last production day affected, in days relative to the end date (inclusive). */
  start_offset_days: number;
  end_offset_days: number;
  /** Hour of the first day when the event starts (fractional hours; 9.5 = 09:30). */
  start_hour: number;
  /** Whether the incident appears in `downtime_events` (false for a trend). */
  recorded_as_events: boolean;
  expected_effect: DemoExpectedEffect;
}

/** An incident with calendar dates resolved against a dataset end date. */
export interface DemoIncident extends DemoIncidentSpec {
  start_date: string;
  end_date: string;
}

const SITE_A_WELLS = assetIdsOfSite('SITE-A', 'well');
const SITE_B_WELLS = assetIdsOfSite('SITE-B', 'well');

/** Incident ids, for lookups without string literals. */
export const DEMO_INCIDENT_IDS = {
  compressorTrip: 'INC-CMP-TRIP-B',
  powerOutage: 'INC-PWR-OUT-C',
  turnaround: 'INC-TAR-PLN-A',
  reservoirDecline: 'INC-DEC-RES-C03',
  pumpFailure: 'INC-PMP-FAIL-A',
} as const;

/** The incidents injected into every demo dataset, relative to its end date. */
export const DEMO_INCIDENTS: readonly DemoIncidentSpec[] = [
  {
    id: DEMO_INCIDENT_IDS.compressorTrip,
    kind: 'compressor_trip',
    cause_code: 'CMP-TRIP',
    cause_category: 'unplanned',
    site_id: 'SITE-B',
    root_asset_id: 'CMP-B1',
    asset_ids: ['CMP-B1', ...SITE_B_WELLS],
    start_offset_days: -1,
    end_offset_days: -1,
    start_hour: 9.5,
    recorded_as_events: true,
    expected_effect: {
      summary:
        'Gas-lift compressor CMP-B1 tripped; the four gas-lifted wells of Site B lost lift for a few hours, ' +
        'so Site B oil and gas end the day about 12 % under plan.',
      products: ['oil', 'gas', 'water'],
      site_variance_vs_plan: -0.12,
    },
  },
  {
    id: DEMO_INCIDENT_IDS.powerOutage,
    kind: 'power_outage',
    cause_code: 'PWR-OUT',
    cause_category: 'unplanned',
    site_id: 'SITE-C',
    root_asset_id: null,
    asset_ids: assetIdsOfSite('SITE-C'),
    start_offset_days: -20,
    end_offset_days: -20,
    start_hour: 4.2,
    recorded_as_events: true,
    expected_effect: {
      summary:
        'Utility power loss tripped the whole of Site C (ESD) from 04:12 to 22:48; every well was down 18.6 h, ' +
        'so the site produced under a quarter of a normal day.',
      products: ['oil', 'gas', 'water'],
      down_hours_per_day: 18.6,
    },
  },
  {
    id: DEMO_INCIDENT_IDS.turnaround,
    kind: 'planned_turnaround',
    cause_code: 'TAR-PLN',
    cause_category: 'planned',
    site_id: 'SITE-A',
    root_asset_id: 'SEP-A1',
    asset_ids: ['SEP-A1', 'CMP-A1', ...SITE_A_WELLS],
    start_offset_days: -60,
    end_offset_days: -51,
    start_hour: 0,
    recorded_as_events: true,
    expected_effect: {
      summary:
        'Ten-day planned turnaround of separator train SEP-A1 and compressor CMP-A1; the wells flow 8 h a day ' +
        'in rotation through the test separator. The plan was cut to one third, so Site A stays close to plan.',
      products: ['oil', 'gas', 'water'],
      down_hours_per_day: 16,
      plan_factor: 1 / 3,
    },
  },
  {
    id: DEMO_INCIDENT_IDS.reservoirDecline,
    kind: 'reservoir_decline',
    cause_code: 'DEC-RES',
    cause_category: 'unplanned',
    site_id: 'SITE-C',
    root_asset_id: 'WELL-C03',
    asset_ids: ['WELL-C03'],
    start_offset_days: -120,
    end_offset_days: 0,
    start_hour: 0,
    recorded_as_events: false,
    expected_effect: {
      summary:
        'WELL-C03 declines faster than its type curve over the last 120 days (pressure depletion); no downtime ' +
        'is recorded, actual drifts to about 28 % under a plan that does not know about it.',
      products: ['oil', 'gas', 'water'],
      end_actual_to_plan: 0.72,
    },
  },
  {
    id: DEMO_INCIDENT_IDS.pumpFailure,
    kind: 'pump_failure',
    cause_code: 'PMP-FAIL',
    cause_category: 'unplanned',
    site_id: 'SITE-A',
    root_asset_id: 'P-101A',
    asset_ids: ['P-101A', ...SITE_A_WELLS],
    start_offset_days: -35,
    end_offset_days: -35,
    start_hour: 14 + 1 / 3,
    recorded_as_events: true,
    expected_effect: {
      summary:
        'Oil transfer pump P-101A failed (mechanical seal leak) at 14:20; the wells of Site A were shut in for ' +
        '5.5 h until standby pump P-101B was lined up and started.',
      products: ['oil', 'gas', 'water'],
      down_hours_per_day: 5.5,
    },
  },
];

/** The demo incidents with dates resolved against `endDate` (`YYYY-MM-DD`, the last day of data). */
export function demoIncidents(endDate: string): DemoIncident[] {
  return DEMO_INCIDENTS.map((spec) => ({
    ...spec,
    start_date: addDays(endDate, spec.start_offset_days),
    end_date: addDays(endDate, spec.end_offset_days),
  }));
}

/** The incident with `id` resolved against `endDate`; throws for an unknown id. */
export function demoIncident(endDate: string, id: string): DemoIncident {
  const incident = demoIncidents(endDate).find((candidate) => candidate.id === id);
  if (!incident) throw new Error(`unknown demo incident ${id}`);
  return incident;
}
