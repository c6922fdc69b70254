/**
 * The typed question plan: one zod schema for the deterministic reader and for the model's tool input.
 * A plan says what the operator asks (intent), about what (measure, products, sites, assets), when (zero,
 * one or two inclusive calendar periods), how to slice it (breakdown, rank direction and size) and what in
 * the question was not understood.
 */
import { z } from 'zod';
import { isIsoDate } from '../../../dates.js';

/** What the operator wants from the answer. */
export const INTENTS = [
  'explain_change',
  'total',
  'rank',
  'compare',
  'trend',
  'forecast',
  'events',
  'procedure',
  'status',
  'out_of_scope',
] as const;

/** One of {@link INTENTS}. */
export type Intent = (typeof INTENTS)[number];

/** The quantity a question is about. */
export const MEASURES = ['volume', 'variance', 'uptime', 'lost_volume', 'events'] as const;

/** One of {@link MEASURES}. */
export type Measure = (typeof MEASURES)[number];

/** Dimensions an answer can be broken down by. */
export const BREAKDOWNS = ['asset', 'site', 'product', 'cause'] as const;

/** One of {@link BREAKDOWNS}, or null for no breakdown. */
export type Breakdown = (typeof BREAKDOWNS)[number] | null;

const IsoDate = z.string().refine(isIsoDate, { message: 'expected a YYYY-MM-DD calendar date' });

/** An inclusive calendar period with the phrase (or rule) it came from. */
export const PeriodSchema = z
  .object({
    from: IsoDate,
    to: IsoDate,
    label: z
      .string()
      .max(120)
      .describe('The words of the question this period came from, e.g. "last month".'),
  })
  .refine((period) => period.from <= period.to, { message: 'from must not be after to' });

/** A period of a plan. */
export type Period = z.infer<typeof PeriodSchema>;

/** The question plan. Member lists hold catalogue ids once resolved. */
export const QuestionPlanSchema = z.object({
  language: z.enum(['en', 'es']),
  intent: z.enum(INTENTS),
  measure: z.enum(MEASURES).default('volume'),
  products: z
    .array(z.string().max(64))
    .max(8)
    .default([])
    .describe('Product ids, e.g. oil, gas, water, water_injection.'),
  sites: z.array(z.string().max(200)).max(20).default([]),
  assets: z.array(z.string().max(200)).max(40).default([]),
  periods: z
    .array(PeriodSchema)
    .max(2)
    .default([])
    .describe('Zero, one, or two periods (two for a comparison).'),
  compare_to: z.enum(['plan', 'forecast', 'previous_period']).default('plan'),
  breakdown: z.enum(BREAKDOWNS).nullable().default(null),
  rank: z
    .object({ direction: z.enum(['top', 'bottom']), size: z.number().int().min(1).max(20) })
    .nullable()
    .default(null),
  keywords: z.array(z.string().max(80)).max(40).default([]),
  not_understood: z
    .array(z.string().max(200))
    .max(20)
    .default([])
    .describe('Parts of the question that could not be mapped (unknown names, unreadable dates).'),
});

/** A question plan (output type: defaults applied). */
export type QuestionPlan = z.infer<typeof QuestionPlanSchema>;

/** Name of the Converse tool whose input is a {@link QuestionPlan}. */
export const PLAN_TOOL_NAME = 'record_question_plan';

/** JSON Schema of the plan for a tool's `inputSchema` (input side: defaulted fields optional). */
export const planJsonSchema = (): Record<string, unknown> => {
  const { $schema: _schema, ...schema } = z.toJSONSchema(QuestionPlanSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return schema;
};
