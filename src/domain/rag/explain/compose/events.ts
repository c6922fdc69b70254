import type { DataComposeInput } from './data-shared.js';
import { cite, eventSentence, number, quantity } from './shared.js';

/** Events: each event with equipment, cause and times, then on-stream losses. */
export function composeEvents({ facts, language }: DataComposeInput): string {
  const es = language === 'es';
  const events = facts.filter((fact) => fact.kind === 'event' && fact.metric === 'lost_volume');
  const uptime = facts.filter((fact) => fact.metric === 'on_stream_hours_lost');
  const lines: string[] = [];
  if (events.length > 0) {
    lines.push(es ? 'Eventos de parada registrados:' : 'Recorded downtime events:');
    for (const fact of events) lines.push(`- ${eventSentence(fact, language)}`);
  } else {
    lines.push(
      es
        ? 'No hay eventos de parada registrados en ese período.'
        : 'No downtime events are recorded in that period.',
    );
  }
  const total = uptime.find((fact) => fact.kind !== 'event');
  if (total) {
    lines.push(
      es
        ? `En línea se perdieron ${quantity(total.value, 'h', language)} en total, con ${number(total.related?.zero_hour_days ?? 0, language)} días-activo en cero horas ${cite(total)}.`
        : `On stream, ${quantity(total.value, 'h', language)} were lost in total, with ${number(total.related?.zero_hour_days ?? 0, language)} zero-hour asset-days ${cite(total)}.`,
    );
  }
  for (const fact of uptime.filter((candidate) => candidate.kind === 'event'))
    lines.push(`- ${eventSentence(fact, language)}`);
  return lines.join('\n');
}
