import { overlapHoursOnDay } from '../dates.js';

/** A downtime event as read from the warehouse. */
export interface DowntimeEvent {
  event_id: string;
  asset_id: string;
  site_id: string;
  product_id: string | null;
  start_ts: string;
  end_ts: string;
  cause_code: string;
  cause_category: string;
  lost_volume: number | null;
  description: string | null;
}

/** The part of a downtime event that places it in time and sizes its loss. */
export type TimedEvent = Pick<DowntimeEvent, 'start_ts' | 'end_ts' | 'lost_volume'>;

/** Duration of an event in hours (at least a minute, so proration never divides by zero). */
export const eventHours = (event: TimedEvent): number =>
  Math.max(1 / 60, (Date.parse(`${event.end_ts}Z`) - Date.parse(`${event.start_ts}Z`)) / 3_600_000);

/** The part of an event's lost volume that falls on `day`, prorated by overlapping hours. */
export function lostOnDay(event: TimedEvent, day: string): number {
  if (event.lost_volume === null) return 0;
  return (event.lost_volume * overlapHoursOnDay(event.start_ts, event.end_ts, day)) / eventHours(event);
}

/** The part of an event's lost volume that falls within [from, to] (whole days). */
export function lostInRange(event: DowntimeEvent, from: string, to: string): number {
  if (event.lost_volume === null) return 0;
  const rangeStart = Date.parse(`${from}T00:00:00Z`);
  const rangeEnd = Date.parse(`${to}T00:00:00Z`) + 86_400_000;
  const start = Math.max(Date.parse(`${event.start_ts}Z`), rangeStart);
  const end = Math.min(Date.parse(`${event.end_ts}Z`), rangeEnd);
  return (event.lost_volume * Math.max(0, (end - start) / 3_600_000)) / eventHours(event);
}

/** True when the event overlaps the calendar day. */
export const overlapsDay = (event: TimedEvent, day: string): boolean =>
  overlapHoursOnDay(event.start_ts, event.end_ts, day) > 0;
