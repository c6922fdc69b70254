import { type DataComposeInput, totalSentence } from './data-shared.js';
import { cite, eventSentence, number, quantity } from './shared.js';

/** Total: the scope's volume (and plan) per member named. */
export function composeTotal({ facts, language }: DataComposeInput): string {
  return facts
    .map((fact) =>
      fact.metric === 'on_stream_hours_lost'
        ? fact.kind === 'event'
          ? eventSentence(fact, language)
          : language === 'es'
            ? `En total se perdieron ${quantity(fact.value, 'h', language)} en línea, con ${number(fact.related?.zero_hour_days ?? 0, language)} días-pozo en cero horas ${cite(fact)}.`
            : `In total ${quantity(fact.value, 'h', language)} on stream were lost, with ${number(fact.related?.zero_hour_days ?? 0, language)} zero-hour asset-days ${cite(fact)}.`
        : totalSentence(fact, language),
    )
    .join(' ');
}
