/** What the figure-led composers share: their input and the sentence of one total. */
import { formatPercent } from '../language.js';
import type { QuestionPlan } from '../plan/schema.js';
import type { Fact, Language } from '../types.js';
import { againstText, cite, number, periodText, productName, quantity, subjectOf } from './shared.js';

/** Inputs of a data composer. */
export interface DataComposeInput {
  plan: QuestionPlan;
  facts: readonly Fact[];
  language: Language;
}

export const pctText = (fact: Fact, language: Language): string => {
  const pct = fact.related?.change_pct;
  return pct === undefined ? '' : ` (${formatPercent(Math.abs(pct), language)})`;
};

export function totalSentence(fact: Fact, language: Language): string {
  const es = language === 'es';
  const product = productName(fact.dims.product, language);
  const days = fact.related?.days;
  const daysText =
    days && days > 1
      ? es
        ? `, ${number(days, language)} días con datos`
        : `, ${number(days, language)} days with data`
      : '';
  const plan = fact.related?.plan;
  const planText =
    plan !== undefined
      ? es
        ? `; el plan era ${quantity(plan, fact.unit, language)}, ${quantity(Math.abs(fact.value - plan), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value - plan, 'plan', language)}`
        : `; plan was ${quantity(plan, fact.unit, language)}, ${quantity(Math.abs(fact.value - plan), fact.unit, language)}${pctText(fact, language)} ${againstText(fact.value - plan, 'plan', language)}`
      : '';
  return es
    ? `${subjectOf(fact, language)} produjo ${quantity(fact.value, fact.unit, language)} de ${product} ${periodText(fact.dims, language)}${daysText}${planText} ${cite(fact)}.`
    : `${subjectOf(fact, language)} produced ${quantity(fact.value, fact.unit, language)} of ${product} ${periodText(fact.dims, language)}${daysText}${planText} ${cite(fact)}.`;
}
