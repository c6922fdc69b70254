/**
 * Model understanding on Bedrock: the question goes to Converse with one tool whose input schema is the
 * {@link QuestionPlanSchema}; the tool input is validated with the same schema and its members mapped to
 * catalogue ids. Anything invalid falls back to the deterministic plan.
 */
import type { Llm, LlmResponse } from '../../../../ports/llm.js';
import { foldText } from '../language.js';
import { loadPromptTemplate, neutraliseUntrustedText, renderTemplate } from '../prompt.js';
import type { UnderstandMembers } from '../understand.js';
import { fuzzyMember, normaliseName } from './entities.js';
import { PLAN_TOOL_NAME, planJsonSchema, type QuestionPlan, QuestionPlanSchema } from './schema.js';

/** Version of the plan prompt. */
export const PLAN_PROMPT_VERSION = 'plan-v1';

/** Outcome of {@link parseModelPlan}. */
export type ModelPlanResult = { ok: true; plan: QuestionPlan } | { ok: false; issues: string[] };

function resolveIds(
  values: readonly string[],
  kind: 'site' | 'asset',
  members: UnderstandMembers,
  dropped: string[],
): string[] {
  const pool = kind === 'site' ? members.sites : members.assets;
  const ids: string[] = [];
  for (const value of values) {
    const exact = pool.find(
      (member) =>
        member.id.toLowerCase() === value.trim().toLowerCase() ||
        normaliseName(member.name) === normaliseName(value),
    );
    const fuzzy = exact ? null : fuzzyMember(value, members);
    const id = exact?.id ?? (fuzzy?.kind === kind ? fuzzy.id : undefined);
    if (!id) dropped.push(value);
    else if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** Validates a model's tool input as a plan and maps its members to catalogue ids (unknown ones are reported). */
export function parseModelPlan(input: unknown, members: UnderstandMembers): ModelPlanResult {
  const parsed = QuestionPlanSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    };
  }
  const dropped: string[] = [];
  const plan = parsed.data;
  const products = plan.products.filter((product) => {
    const known = members.products.some((member) => member.id === product);
    if (!known) dropped.push(product);
    return known;
  });
  return {
    ok: true,
    plan: {
      ...plan,
      sites: resolveIds(plan.sites, 'site', members, dropped),
      assets: resolveIds(plan.assets, 'asset', members, dropped),
      products,
      keywords: [...new Set(plan.keywords.map((keyword) => foldText(keyword.trim())).filter(Boolean))],
      not_understood: [...new Set([...plan.not_understood, ...dropped])],
    },
  };
}

const memberList = (members: readonly { id: string; name: string }[]): string =>
  members
    .map((member) => `${neutraliseUntrustedText(member.id)} (${neutraliseUntrustedText(member.name)})`)
    .join('; ') || '(none)';

/** The plan prompt (`prompts/plan/v1`). */
export function renderPlanPrompt(question: string, today: string, members: UnderstandMembers) {
  const system = renderTemplate(loadPromptTemplate('plan/v1/system.md'), {
    tool_name: PLAN_TOOL_NAME,
    prompt_version: PLAN_PROMPT_VERSION,
    today,
    sites: memberList(members.sites),
    assets: memberList(members.assets),
    products: memberList(members.products),
  }).trim();
  const user = renderTemplate(loadPromptTemplate('plan/v1/user.md'), {
    question: neutraliseUntrustedText(question),
  }).trim();
  return { system, user };
}

/** Result of {@link planWithModel}: the plan used, whether it came from the model, and the call's response. */
export interface ModelPlanOutcome {
  plan: QuestionPlan;
  source: 'model' | 'deterministic';
  issues: string[];
  response: LlmResponse | null;
}

/**
 * Asks the model for the plan through tool use (forced tool choice). Invalid or missing tool input, or a
 * failed call, returns `fallback` with the reasons.
 */
export async function planWithModel(
  llm: Llm,
  question: string,
  today: string,
  members: UnderstandMembers,
  fallback: QuestionPlan,
): Promise<ModelPlanOutcome> {
  const prompt = renderPlanPrompt(question, today, members);
  let response: LlmResponse;
  try {
    response = await llm.generate({
      system: prompt.system,
      messages: [{ role: 'user', text: prompt.user }],
      maxTokens: 600,
      temperature: 0,
      tool: {
        name: PLAN_TOOL_NAME,
        description: 'Records the structured plan of the operator question.',
        inputSchema: planJsonSchema(),
      },
    });
  } catch (error) {
    return {
      plan: fallback,
      source: 'deterministic',
      issues: [error instanceof Error ? error.message : 'model call failed'],
      response: null,
    };
  }
  if (response.toolUse?.name !== PLAN_TOOL_NAME) {
    return {
      plan: fallback,
      source: 'deterministic',
      issues: ['the model did not call the plan tool'],
      response,
    };
  }
  const parsed = parseModelPlan(response.toolUse.input, members);
  if (!parsed.ok) return { plan: fallback, source: 'deterministic', issues: parsed.issues, response };
  return { plan: parsed.plan, source: 'model', issues: [], response };
}
