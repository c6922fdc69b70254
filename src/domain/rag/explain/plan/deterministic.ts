/**
 * The deterministic, bilingual question planner of the embedded default: members and dates from the
 * understanding reader (domain rules, then `chrono-node`), intent and breakdown from the intent rules,
 * unknown mentions resolved fuzzily or reported as not understood, and default periods per intent
 * relative to the data's as-of date.
 */
import { addDays, endOfMonth, startOfMonth } from '../../../dates.js';
import { foldText } from '../language.js';
import { type UnderstandMembers, understandQuestion } from '../understand.js';
import { fuzzyMember } from './entities.js';
import { readIntent } from './intent.js';
import type { Period, QuestionPlan } from './schema.js';

/** True when two date phrases form one range: "between A and B", "from A to B", "entre A y B", "del A al B". */
function isSpan(folded: string, first: string, second: string): boolean {
  const start = folded.indexOf(foldText(first));
  const next = folded.indexOf(foldText(second), start + first.length);
  if (start < 0 || next < 0) return false;
  const gap = folded.slice(start + first.length, next).trim();
  const before = folded.slice(0, start).trimEnd();
  const opener = /(?:between|from|entre|desde|del?|since)(?:\s+(?:the|el))?$/u;
  return (
    /^(?:and|to|through|until|till|y|al?|hasta(?:\s+el)?|-|–|—)$/u.test(gap) &&
    (opener.test(before) || /^(?:between|from|entre|desde|del?|since)\s/u.test(foldText(first)))
  );
}

const INJECTION = /(?<![\p{L}])(?:inject\p{L}*|inyect\p{L}*|inyecci\p{L}*)/u;

/** Inputs of {@link planQuestion}. */
export interface PlanOptions {
  /** The data's as-of date; relative dates resolve against it. */
  today: string;
  members: UnderstandMembers;
}

const daysIn = (period: Period): number =>
  Math.round((Date.parse(period.to) - Date.parse(period.from)) / 86_400_000) + 1;

/** The calendar period before `period`: the previous month, quarter or year when it is one, else the same length before. */
export function previousPeriod(period: Period, language: 'en' | 'es'): Period {
  const { from, to } = period;
  const wholeMonth = from.endsWith('-01') && (to === endOfMonth(from) || to.slice(0, 7) === from.slice(0, 7));
  if (from.slice(5) === '01-01' && (to.slice(5) === '12-31' || to.slice(0, 4) === from.slice(0, 4))) {
    const year = Number(from.slice(0, 4)) - 1;
    return { from: `${year}-01-01`, to: `${year}-12-31`, label: String(year) };
  }
  if (wholeMonth) {
    const previousFrom = startOfMonth(addDays(from, -1));
    return {
      from: previousFrom,
      to: endOfMonth(previousFrom),
      label: language === 'es' ? 'mes anterior' : 'previous month',
    };
  }
  const length = daysIn(period);
  return {
    from: addDays(from, -length),
    to: addDays(from, -1),
    label: language === 'es' ? `los ${length} días anteriores` : `the previous ${length} days`,
  };
}

function defaultPeriod(intent: QuestionPlan['intent'], today: string, language: 'en' | 'es'): Period[] {
  const es = language === 'es';
  switch (intent) {
    case 'forecast':
      return [
        { from: addDays(today, 1), to: addDays(today, 7), label: es ? 'próximos 7 días' : 'next 7 days' },
      ];
    case 'trend':
      return [{ from: addDays(today, -89), to: today, label: es ? 'últimos 90 días' : 'last 90 days' }];
    case 'events':
      return [{ from: addDays(today, -29), to: today, label: es ? 'últimos 30 días' : 'last 30 days' }];
    case 'procedure':
    case 'out_of_scope':
      return [];
    default:
      return [{ from: today, to: today, label: es ? 'último día con datos' : 'latest day with data' }];
  }
}

/** Plans a question deterministically (see the module docblock). */
export function planQuestion(question: string, options: PlanOptions): QuestionPlan {
  const understanding = understandQuestion(question, options);
  const folded = foldText(question);
  const sites = [...understanding.sites];
  const assets = [...understanding.assets];
  const notUnderstood: string[] = [];
  for (const mention of understanding.unknownMembers ?? []) {
    const match = fuzzyMember(mention, options.members);
    if (!match) notUnderstood.push(mention);
    else if (match.kind === 'site' && !sites.includes(match.id)) sites.push(match.id);
    else if (match.kind === 'asset' && !assets.includes(match.id)) assets.push(match.id);
  }
  const products =
    INJECTION.test(folded) && options.members.products.some((product) => product.id === 'water_injection')
      ? [
          'water_injection',
          ...understanding.products.filter((id) => id !== 'water' && id !== 'water_injection'),
        ]
      : understanding.products;
  let periods: Period[] = (understanding.periods ?? []).map((period) => ({ ...period }));
  if (periods.length > 2) {
    const froms = periods.map((period) => period.from).sort();
    const tos = periods.map((period) => period.to).sort();
    periods = [
      { from: froms[0]!, to: tos.at(-1)!, label: periods.map((period) => period.label).join(' … ') },
    ];
  }
  if (periods.length === 2 && isSpan(foldText(question), periods[0]!.label, periods[1]!.label)) {
    const [first, second] = periods as [Period, Period];
    const from = first.from < second.from ? first.from : second.from;
    const to = first.to > second.to ? first.to : second.to;
    periods = [{ from, to, label: `${first.label} – ${second.label}` }];
  }
  const futurePeriod = periods.some((period) => period.to > options.today);
  const reading = readIntent(folded, {
    periods: periods.length,
    futurePeriod,
    members: sites.length + assets.length,
    compareToPrevious: understanding.compare === 'previous_period',
  });
  let intent = reading.intent;
  if (intent === 'out_of_scope') periods = [];
  if (intent === 'compare' && periods.length === 1 && sites.length + assets.length < 2) {
    periods.push(previousPeriod(periods[0]!, understanding.language));
  }
  if (intent === 'compare' && periods.length === 0 && sites.length + assets.length < 2) intent = 'status';
  const breakdown = intent === 'compare' && periods.length === 2 ? null : reading.breakdown;
  if (periods.length === 0) periods = defaultPeriod(intent, options.today, understanding.language);
  if (intent === 'forecast' && periods.every((period) => period.to <= options.today)) {
    periods = defaultPeriod('forecast', options.today, understanding.language);
  }
  return {
    language: understanding.language,
    intent,
    measure: reading.measure,
    products,
    sites,
    assets,
    periods,
    compare_to: understanding.compare,
    breakdown,
    rank: reading.rank,
    keywords: understanding.keywords,
    not_understood: notUnderstood,
  };
}
