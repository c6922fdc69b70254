/**
 * The explain pipeline, orchestration only: plan (deterministic, or the model's tool call validated by the
 * same schema) → facts (the intent's module over the insights domain) → passages (hybrid retrieval with
 * bilingual expansion) → compose (Bedrock, or the intent's local composer) → verify (numbers in the
 * answer's own words equal facts; citations exist), then audit.
 */
import type pg from 'pg';
import { type Llm, LlmError, type LlmResponse } from '../../../ports/llm.js';
import { DomainError } from '../../errors.js';
import type { ForecastService } from '../../insights/forecast.js';
import type { InsightsService } from '../../insights/service.js';
import type { RagIndexService, SearchResult } from '../index-service.js';
import { ABSTAIN_REASONS, composeAbstention } from './compose/explain-change.js';
import { composeForPlan } from './compose/index.js';
import { OUT_OF_SCOPE_SENTENCE } from './compose/shared.js';
import { FACTS_BY_INTENT, type FactContext } from './facts/index.js';
import { translateTerms } from './glossary.js';
import { planQuestion } from './plan/deterministic.js';
import { planWithModel } from './plan/model.js';
import type { Period, QuestionPlan } from './plan/schema.js';
import { PROMPT_VERSION, renderExplainPrompt, renderRepairPrompt } from './prompt.js';
import type { Fact, FactSource, Language, Passage, Verification } from './types.js';
import type { UnderstandMembers } from './understand.js';
import { verifyAnswer } from './verify.js';

/** The scope an answer covers (contract shared with the console): intent, members, periods, breakdown. */
export interface ExplainScope {
  intent: QuestionPlan['intent'];
  sites: string[];
  assets: string[];
  products: string[];
  periods: Array<{ from: string; to: string; label: string }>;
  breakdown: 'asset' | 'site' | 'product' | 'cause' | null;
}

/** Explicit filters of an explain request; they win over what the question says. */
export interface ExplainFilters {
  site?: string[];
  asset?: string[];
  product?: string[];
  from?: string;
  to?: string;
  compare?: 'plan' | 'forecast' | 'previous_period';
}

/** One explain call. */
export interface ExplainRequest {
  question: string;
  filters?: ExplainFilters;
  topK: number;
  allowedSites: readonly string[] | null;
  keyId: string | null;
  requestId: string | null;
  /** Receives answer text as it is produced (streaming); the final answer may differ if verification fails. */
  onDelta?: (text: string) => void;
}

/** A citation of a fact or a passage. */
export type Citation =
  | {
      id: string;
      kind: 'data';
      metric: string;
      dims: Record<string, string>;
      value: number;
      unit: string;
      query_id: string;
      as_of: string | null;
      source?: FactSource;
    }
  | {
      id: string;
      kind: 'source';
      title: string;
      uri: string;
      heading_path: string[];
      span: Passage['span'];
      snippet: string;
      score: number;
    };

/** The explain response. */
export interface ExplainResult {
  answer: string;
  language: Language;
  citations: Citation[];
  facts: Fact[];
  passages: Array<Omit<Passage, 'text'>>;
  plan: QuestionPlan;
  scope: ExplainScope;
  plan_source: 'model' | 'deterministic';
  confidence: number;
  abstained: boolean;
  abstain_reason: string | null;
  degraded: boolean;
  degraded_reason: string | null;
  verification: Verification;
  model: string;
  prompt_version: string;
  usage: { input_tokens: number; output_tokens: number };
  timings: Record<
    'understand_ms' | 'facts_ms' | 'retrieve_ms' | 'generate_ms' | 'verify_ms' | 'total_ms',
    number
  >;
}

/** Options of {@link ExplainService}. */
export interface ExplainServiceOptions {
  env: string;
  /** Minimum vector similarity of a passage without a full-text match. */
  minVectorScore?: number;
  auditRetentionDays: number;
  onLlmUsage?: (usage: { input: number; output: number; seconds: number }) => void;
}

const DASHBOARD_WORDS = /\b(dashboard|report|visual|measure|dax|power ?bi|tablero|informe|reporte|medida)\b/i;
const COMPOSER_MODEL = 'local-grounded-composer';
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
/** Intents whose answers use documents. */
const DOCUMENT_INTENTS = new Set<QuestionPlan['intent']>(['procedure', 'explain_change', 'events']);

/**
 * The explain pipeline (see the module docblock). Numbers only ever come from facts; the model phrases
 * them and plans the question, never computes.
 */
export class ExplainService {
  constructor(
    private readonly insights: InsightsService,
    private readonly forecasts: ForecastService,
    private readonly rag: RagIndexService,
    private readonly llm: Llm | null,
    private readonly pool: pg.Pool,
    private readonly options: ExplainServiceOptions,
  ) {}

  /** The model that answers: the Bedrock model id, or the local composer. */
  get model(): string {
    return this.llm?.model ?? COMPOSER_MODEL;
  }

  async explain(request: ExplainRequest): Promise<ExplainResult> {
    const started = performance.now();
    const timings = {
      understand_ms: 0,
      facts_ms: 0,
      retrieve_ms: 0,
      generate_ms: 0,
      verify_ms: 0,
      total_ms: 0,
    };
    const usage = { input_tokens: 0, output_tokens: 0 };
    let mark = performance.now();
    const lap = (key: keyof typeof timings) => {
      const now = performance.now();
      timings[key] = round(now - mark, 2);
      mark = now;
    };

    const catalog = await this.insights.catalog();
    const members: UnderstandMembers = {
      sites: catalog.sites,
      assets: catalog.assets,
      products: catalog.products,
    };
    const today = catalog.asOf ?? new Date().toISOString().slice(0, 10);
    let plan = planQuestion(request.question, { today, members });
    let planSource: ExplainResult['plan_source'] = 'deterministic';
    if (this.llm) {
      const outcome = await planWithModel(this.llm, request.question, today, members, plan);
      if (outcome.response) addUsage(usage, outcome.response);
      plan = outcome.plan;
      planSource = outcome.source;
    }
    plan = applyFilters(plan, request.filters);
    const product = chooseProduct(plan, catalog.products, this.insights.model.default_product);
    const unit = catalog.products.find((candidate) => candidate.id === product)?.unit ?? '';
    lap('understand_ms');

    const forbidden = forbiddenMembers(plan, catalog, request.allowedSites);
    const unknownOnly =
      plan.not_understood.length > 0 &&
      plan.sites.length === 0 &&
      plan.assets.length === 0 &&
      plan.intent !== 'procedure';
    let abstainReason: string | null = null;
    if (plan.intent === 'out_of_scope') abstainReason = OUT_OF_SCOPE_SENTENCE[plan.language];
    else if (forbidden.length > 0) abstainReason = forbiddenReason(forbidden, plan.language);
    else if (unknownOnly) abstainReason = ABSTAIN_REASONS.unknown_member[plan.language];

    let facts: Fact[] = [];
    if (!abstainReason && catalog.asOf) {
      const context: FactContext = {
        plan,
        insights: this.insights,
        forecasts: this.forecasts,
        catalog,
        allowedSites: request.allowedSites,
        asOf: catalog.asOf,
        product,
        unit,
      };
      try {
        facts = (await FACTS_BY_INTENT[plan.intent](context)).facts;
      } catch (error) {
        if (!(error instanceof DomainError) || error.code === 'site_forbidden') throw error;
      }
    }
    lap('facts_ms');
    const passages =
      !abstainReason && DOCUMENT_INTENTS.has(plan.intent) ? await this.retrieve(request, plan, facts) : [];
    lap('retrieve_ms');

    const language = plan.language;
    let answer: string | null = null;
    if (!abstainReason) {
      answer = composeForPlan({ question: request.question, plan, facts, passages });
      const needsData = plan.intent !== 'procedure';
      if (!answer || (needsData && facts.length === 0) || (!needsData && passages.length === 0)) {
        abstainReason = ABSTAIN_REASONS.nothing_relevant[language];
        answer = null;
      }
    }

    let degraded = false;
    let degradedReason: string | null = null;
    let model = this.model;
    if (abstainReason || answer === null) {
      answer =
        plan.intent === 'out_of_scope'
          ? OUT_OF_SCOPE_SENTENCE[language]
          : composeAbstention(language, abstainReason ?? '');
      request.onDelta?.(answer);
    } else if (!this.llm) {
      streamText(answer, request.onDelta);
    } else {
      const generated = await this.generateWithModel(request, language, facts, passages, usage);
      degraded = generated.degraded;
      degradedReason = generated.reason;
      if (degraded) model = `${this.llm.model} → ${COMPOSER_MODEL}`;
      else answer = generated.answer;
    }
    lap('generate_ms');
    const verification = verifyAnswer(answer, facts, passages);
    lap('verify_ms');
    timings.total_ms = round(performance.now() - started, 2);

    const abstained = abstainReason !== null;
    const cited = new Set(verification.citedIds);
    const citations: Citation[] = [
      ...facts
        .filter((fact) => cited.has(fact.id))
        .map(
          (fact): Citation => ({
            id: fact.id,
            kind: 'data',
            metric: fact.metric,
            dims: fact.dims,
            value: fact.value,
            unit: fact.unit,
            query_id: fact.query_id,
            as_of: fact.as_of,
            ...(fact.source ? { source: fact.source } : {}),
          }),
        ),
      ...passages
        .filter((passage) => cited.has(passage.id))
        .map(
          (passage): Citation => ({
            id: passage.id,
            kind: 'source',
            title: passage.title,
            uri: passage.uri,
            heading_path: passage.heading_path,
            span: passage.span,
            snippet: passage.snippet,
            score: passage.score,
          }),
        ),
    ];
    const result: ExplainResult = {
      answer,
      language,
      citations,
      facts,
      passages: passages.map(({ text: _text, ...rest }) => rest),
      plan,
      plan_source: planSource,
      scope: scopeOf(plan, abstained ? [] : [product]),
      confidence: confidenceOf(abstained, plan, facts, passages, verification, degraded),
      abstained,
      abstain_reason: abstainReason,
      degraded,
      degraded_reason: degradedReason,
      verification,
      model,
      prompt_version: PROMPT_VERSION,
      usage,
      timings,
    };
    await this.audit(request, result).catch(() => {});
    return result;
  }

  private async retrieve(
    request: ExplainRequest,
    plan: QuestionPlan,
    facts: readonly Fact[],
  ): Promise<Passage[]> {
    const enrichment = new Set<string>(plan.keywords);
    const causeCodes = facts.flatMap((fact) =>
      fact.cause && fact.cause.code !== 'unexplained' ? [fact.cause.code] : [],
    );
    for (const code of causeCodes) enrichment.add(code);
    for (const term of translateTerms(request.question)) enrichment.add(term);
    const query = [request.question, ...enrichment].join(' ').slice(0, 2000);
    const docTypes = DASHBOARD_WORDS.test(request.question) ? undefined : ['runbook', 'document'];
    const results = await this.rag.search(
      query,
      {
        allowedSites: request.allowedSites,
        ...(plan.sites.length > 0 && plan.intent !== 'procedure' ? { sites: plan.sites } : {}),
        ...(docTypes ? { docTypes } : {}),
      },
      Math.max(request.topK * (plan.intent === 'procedure' ? 4 : 2), 8),
    );
    const minVector = this.options.minVectorScore ?? 0.3;
    const relevant = results.filter(
      (result) =>
        (result.scores.vector ?? 0) >= minVector ||
        (result.scores.textRank !== null &&
          ((result.scores.vector ?? 0) >= minVector * 0.6 ||
            causeCodes.some((code) => result.text.includes(code)))),
    );
    const perDocumentLimit = plan.intent === 'procedure' ? 4 : 1;
    const chosen: SearchResult[] = [];
    const counts = new Map<string, number>();
    for (const result of relevant) {
      const count = counts.get(result.uri) ?? 0;
      if (count >= perDocumentLimit) continue;
      counts.set(result.uri, count + 1);
      chosen.push(result);
    }
    const mentionRank = (result: SearchResult) => {
      const index = causeCodes.findIndex(
        (code) =>
          result.title.includes(code) ||
          result.text.includes(code) ||
          result.uri.includes(code.toLowerCase()),
      );
      return index < 0 ? causeCodes.length : index;
    };
    if (causeCodes.length > 0) chosen.sort((left, right) => mentionRank(left) - mentionRank(right));
    const limit = plan.intent === 'procedure' ? request.topK + 4 : request.topK;
    return chosen.slice(0, limit).map((result, index) => ({
      id: `S${index + 1}`,
      title: result.title,
      uri: result.uri,
      heading_path: result.headingPath,
      span: result.span,
      snippet: result.snippet,
      text: result.text,
      score: result.scores.fused,
      doc_type: result.docType,
    }));
  }

  private async generateWithModel(
    request: ExplainRequest,
    language: Language,
    facts: readonly Fact[],
    passages: readonly Passage[],
    usage: ExplainResult['usage'],
  ): Promise<{ answer: string; degraded: boolean; reason: string | null }> {
    const llm = this.llm as Llm;
    const prompt = renderExplainPrompt({ question: request.question, language, facts, passages });
    const messages = [{ role: 'user' as const, text: prompt.user }];
    try {
      let response: LlmResponse;
      const started = performance.now();
      if (request.onDelta) {
        let final: LlmResponse | undefined;
        for await (const event of llm.stream({
          system: prompt.system,
          messages,
          maxTokens: 900,
          temperature: 0,
        })) {
          if (event.type === 'delta') request.onDelta(event.text);
          else final = event.response;
        }
        if (!final) throw new LlmError('unavailable', 'stream ended without a final response');
        response = final;
      } else {
        response = await llm.generate({ system: prompt.system, messages, maxTokens: 900, temperature: 0 });
      }
      addUsage(usage, response);
      this.options.onLlmUsage?.({
        input: response.usage.inputTokens,
        output: response.usage.outputTokens,
        seconds: (performance.now() - started) / 1000,
      });
      const first = verifyAnswer(response.text, facts, passages);
      if (first.ok && first.citedIds.length > 0)
        return { answer: response.text, degraded: false, reason: null };
      const repaired = await llm.generate({
        system: prompt.system,
        messages: [
          ...messages,
          { role: 'assistant', text: response.text },
          { role: 'user', text: renderRepairPrompt(response.text, first, language) },
        ],
        maxTokens: 900,
        temperature: 0,
      });
      addUsage(usage, repaired);
      const second = verifyAnswer(repaired.text, facts, passages);
      if (second.ok && second.citedIds.length > 0)
        return { answer: repaired.text, degraded: false, reason: null };
      return { answer: '', degraded: true, reason: 'the model answer failed verification twice' };
    } catch (error) {
      if (error instanceof LlmError) return { answer: '', degraded: true, reason: `model ${error.failure}` };
      throw error;
    }
  }

  private async audit(request: ExplainRequest, result: ExplainResult): Promise<void> {
    await this.pool.query(
      `INSERT INTO explain_audit (env, key_id, request_id, question, cited_ids, abstained, degraded, latency_ms, input_tokens, output_tokens, model, prompt_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        this.options.env,
        request.keyId,
        request.requestId,
        request.question,
        result.verification.citedIds,
        result.abstained,
        result.degraded,
        Math.round(result.timings.total_ms),
        result.usage.input_tokens,
        result.usage.output_tokens,
        result.model,
        result.prompt_version,
      ],
    );
    if (Math.random() < 0.01) await this.pruneAudit();
  }

  /** Deletes audit rows older than the retention. */
  async pruneAudit(): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM explain_audit WHERE created_at < now() - make_interval(days => $1)',
      [this.options.auditRetentionDays],
    );
    return rowCount ?? 0;
  }
}

function applyFilters(plan: QuestionPlan, filters: ExplainFilters | undefined): QuestionPlan {
  if (!filters) return plan;
  const periods: Period[] =
    filters.from || filters.to
      ? [
          {
            from: filters.from ?? (filters.to as string),
            to: filters.to ?? (filters.from as string),
            label: 'filters',
          },
        ]
      : plan.periods;
  return {
    ...plan,
    sites: filters.site ?? plan.sites,
    assets: filters.asset ?? plan.assets,
    products: filters.product ?? plan.products,
    periods,
    compare_to: filters.compare ?? plan.compare_to,
    not_understood: filters.site || filters.asset ? [] : plan.not_understood,
  };
}

function chooseProduct(
  plan: QuestionPlan,
  products: readonly { id: string }[],
  defaultProduct: string,
): string {
  const named = plan.products.find((product) => products.some((candidate) => candidate.id === product));
  if (named) return named;
  return products.find((product) => product.id === defaultProduct)?.id ?? products[0]?.id ?? defaultProduct;
}

function forbiddenMembers(
  plan: QuestionPlan,
  catalog: {
    sites: readonly { id: string; name: string }[];
    assets: readonly { id: string; site_id: string }[];
  },
  allowedSites: readonly string[] | null,
): string[] {
  if (!allowedSites) return [];
  const sites = plan.sites.filter((site) => !allowedSites.includes(site));
  const assets = plan.assets.filter(
    (asset) => !allowedSites.includes(catalog.assets.find((member) => member.id === asset)?.site_id ?? ''),
  );
  return [
    ...sites.map((site) => catalog.sites.find((member) => member.id === site)?.name ?? site),
    ...assets,
  ];
}

function forbiddenReason(members: readonly string[], language: Language): string {
  const list = members.join(', ');
  return language === 'es'
    ? `esta clave de API no tiene acceso a ${list}; solo puede consultar sus sitios autorizados.`
    : `this API key may not read ${list}; it can only ask about the sites it is allowed to see.`;
}

function scopeOf(plan: QuestionPlan, products: string[]): ExplainScope {
  return {
    intent: plan.intent,
    sites: plan.sites,
    assets: plan.assets,
    products: plan.intent === 'out_of_scope' || plan.intent === 'procedure' ? [] : products,
    periods: plan.periods.map((period) => ({ from: period.from, to: period.to, label: period.label })),
    breakdown: plan.breakdown,
  };
}

function addUsage(usage: ExplainResult['usage'], response: LlmResponse): void {
  usage.input_tokens += response.usage.inputTokens;
  usage.output_tokens += response.usage.outputTokens;
}

function streamText(text: string, onDelta: ((text: string) => void) | undefined): void {
  if (!onDelta) return;
  for (const piece of text.match(/\S+\s*/g) ?? []) onDelta(piece);
}

function confidenceOf(
  abstained: boolean,
  plan: QuestionPlan,
  facts: readonly Fact[],
  passages: readonly Passage[],
  verification: Verification,
  degraded: boolean,
): number {
  if (abstained) return 0;
  let score = 0.2;
  if (facts.length > 0) score += 0.3;
  if (plan.intent === 'procedure' ? passages.length > 0 : facts.some((fact) => fact.kind !== 'anomaly'))
    score += 0.2;
  if (passages.length > 0 || plan.intent !== 'explain_change') score += 0.2;
  if (verification.ok) score += 0.1;
  if (plan.not_understood.length > 0) score -= 0.2;
  if (degraded) score -= 0.2;
  return Math.max(0, Math.min(1, round(score, 2)));
}
