/** Facts per intent: the one module that answers each intent's question from the insights domain. */
import type { Intent } from '../plan/schema.js';
import { compareFacts } from './compare.js';
import { type FactContext, FactList } from './context.js';
import { eventsFacts } from './events.js';
import { explainChangeFacts } from './explain-change.js';
import { forecastFacts } from './forecast.js';
import { rankFacts } from './rank.js';
import { statusFacts } from './status.js';
import { totalFacts } from './totals.js';
import { trendFacts } from './trend.js';

export type { FactContext } from './context.js';

const noFacts = async (): Promise<FactList> => new FactList();

/** The fact module of each intent; procedure and out-of-scope questions take no data facts. */
export const FACTS_BY_INTENT: Readonly<Record<Intent, (context: FactContext) => Promise<FactList>>> = {
  explain_change: explainChangeFacts,
  total: totalFacts,
  rank: rankFacts,
  compare: compareFacts,
  trend: trendFacts,
  forecast: forecastFacts,
  events: eventsFacts,
  status: statusFacts,
  procedure: noFacts,
  out_of_scope: noFacts,
};
