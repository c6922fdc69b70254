/** The local composer per intent: one function turns a plan, its facts and passages into the answer text. */
import type { QuestionPlan } from '../plan/schema.js';
import type { Fact, Language, Passage, QuestionUnderstanding } from '../types.js';
import { composeCompare } from './compare.js';
import { composeEvents } from './events.js';
import { composeAnswer, passageSentence } from './explain-change.js';
import { composeForecast } from './forecast.js';
import { composeProcedure } from './procedure.js';
import { composeRank } from './rank.js';
import { eventSentence, OUT_OF_SCOPE_SENTENCE } from './shared.js';
import { composeStatus } from './status.js';
import { composeTotal } from './total.js';
import { composeTrend } from './trend.js';

/** Below this absolute change (%), a period counts as on plan and the answer says so. */
export const NO_VARIANCE_PCT = 2;

/** A plain statement that there was no significant variance when the headline change is small and no unplanned cause shows. */
function noVarianceNote(facts: readonly Fact[], language: Language): string | null {
  const headline = facts.find((fact) => fact.kind === 'variance');
  const pct = headline?.related?.change_pct;
  const unplanned = facts.some(
    (fact) => fact.kind === 'cause' && fact.cause?.code !== 'unexplained' && fact.value < 0,
  );
  if (pct === undefined || Math.abs(pct) >= NO_VARIANCE_PCT || unplanned) return null;
  return language === 'es'
    ? 'No hubo una variación significativa: la diferencia está dentro de la variación normal de un día a otro.'
    : 'There was no significant variance: the difference is within normal day-to-day variation.';
}

/** Inputs of {@link composeForPlan}. */
export interface PlanComposeInput {
  question: string;
  plan: QuestionPlan;
  facts: readonly Fact[];
  passages: readonly Passage[];
}

/** The plan as the explain-change composer reads it. */
export function understandingOf(plan: QuestionPlan): QuestionUnderstanding {
  const period = plan.periods[0];
  return {
    language: plan.language,
    sites: plan.sites,
    assets: plan.assets,
    products: plan.products,
    range: period ? { from: period.from, to: period.to } : null,
    rangeText: period?.label ?? null,
    compare: plan.compare_to,
    wantsForecast: plan.intent === 'forecast',
    keywords: plan.keywords,
  };
}

const documentLines = (
  passages: readonly Passage[],
  keywords: readonly string[],
  language: Language,
  limit: number,
) =>
  passages
    .map((passage) => passageSentence(passage, keywords, language))
    .filter((sentence): sentence is string => sentence !== null)
    .slice(0, limit);

/** A note on what the question named that could not be matched, or null. */
export function notUnderstoodNote(plan: QuestionPlan): string | null {
  if (plan.not_understood.length === 0) return null;
  const names = plan.not_understood.map((text) => `'${text.replace(/['"“”«»[\]]/g, '')}'`).join(', ');
  return plan.language === 'es'
    ? `No pude asociar ${names} con ningún sitio, activo o producto del catálogo.`
    : `I could not match ${names} to a site, asset or product in the catalogue.`;
}

/** Composes the answer of a plan's intent (null when the intent has nothing to say with these inputs). */
export function composeForPlan(input: PlanComposeInput): string | null {
  const { plan, facts, passages } = input;
  const language = plan.language;
  let body: string | null;
  switch (plan.intent) {
    case 'out_of_scope':
      return OUT_OF_SCOPE_SENTENCE[language];
    case 'procedure':
      body = composeProcedure(passages, language, plan.keywords);
      break;
    case 'explain_change': {
      const understanding = understandingOf(plan);
      const text = composeAnswer({ question: input.question, understanding, facts, passages }).text;
      const events = facts
        .filter((fact) => fact.kind === 'event')
        .map((fact) => eventSentence(fact, language));
      const [data = '', ...rest] = text.split('\n\n');
      const note = noVarianceNote(facts, language);
      body = [[data, note, ...events].filter(Boolean).join(' '), ...rest].join('\n\n');
      break;
    }
    default: {
      if (facts.length === 0) return null;
      const data = { plan, facts, language };
      const composers = {
        total: composeTotal,
        rank: composeRank,
        compare: composeCompare,
        trend: composeTrend,
        forecast: composeForecast,
        events: composeEvents,
        status: composeStatus,
      } as const;
      body = composers[plan.intent](data);
      if (plan.intent === 'events') {
        const documents = documentLines(passages, plan.keywords, language, 2);
        if (documents.length > 0) body = `${body}\n\n${documents.join(' ')}`;
      }
    }
  }
  const note = notUnderstoodNote(plan);
  return body && note ? `${note}\n\n${body}` : body;
}
