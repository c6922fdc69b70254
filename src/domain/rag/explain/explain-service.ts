import type pg from 'pg';
import { type Llm, LlmError, type LlmResponse } from '../../../ports/llm.js';
import { addDays } from '../../dates.js';
import { DomainError } from '../../errors.js';
import type { ForecastService } from '../../insights/forecast.js';
import type { InsightFilters } from '../../insights/query.js';
import type { InsightsService } from '../../insights/service.js';
import type { Comparison } from '../../insights/variance.js';
import type { RagIndexService, SearchResult } from '../index-service.js';
import { ABSTAIN_REASONS, composeAbstention, composeAnswer } from './compose.js';
import { PROMPT_VERSION, renderExplainPrompt, renderRepairPrompt, renderUnderstandPrompt } from './prompt.js';
import type { Fact, Language, Passage, QuestionUnderstanding, Verification } from './types.js';
import { parseModelUnderstanding, understandQuestion } from './understand.js';
import { verifyAnswer } from './verify.js';

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
  understanding: QuestionUnderstanding;
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

const PRODUCTION_WORDS =
  /\b(produc\w*|output|volume|plan|under|below|above|drop\w*|fell|fall|down|low\w*|variance|shortfall|loss|lost|deferr\w*|why|trip\w*|outage|shut\w*|decline\w*|forecast|cay[oó]|baj\w*|pérdida|perdida|diferido|por qu[eé]|parad\w*|corte|pronóstico|pronostico|rendimiento|barriles|bbl|mscf)\b/i;
/** Points of actual-vs-plan lost between the previous 60 days and the last 30 that count as a decline. */
const TREND_DROP_POINTS = 5;
const DASHBOARD_WORDS = /\b(dashboard|report|visual|measure|dax|power ?bi|tablero|informe|reporte|medida)\b/i;
const COMPOSER_MODEL = 'local-grounded-composer';
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The explain pipeline: understand the question, gather facts from the insights domain, retrieve
 * passages, generate (Bedrock or the grounded composer), verify, repair once or fall back, audit.
 * Numbers only ever come from facts; the model phrases them.
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
    const members = {
      sites: catalog.sites.filter((site) => !request.allowedSites || request.allowedSites.includes(site.id)),
      assets: catalog.assets.filter(
        (asset) => !request.allowedSites || request.allowedSites.includes(asset.site_id),
      ),
      products: catalog.products,
    };
    const today = catalog.asOf ?? new Date().toISOString().slice(0, 10);
    let understanding = understandQuestion(request.question, { today, members });
    if (this.llm)
      understanding = await this.understandWithModel(request.question, today, members, understanding, usage);
    understanding = applyFilters(understanding, request.filters);
    lap('understand_ms');

    const scoped =
      understanding.sites.length > 0 ||
      understanding.assets.length > 0 ||
      understanding.range !== null ||
      PRODUCTION_WORDS.test(request.question);
    const unknownOnly =
      (understanding.unknownMembers?.length ?? 0) > 0 &&
      understanding.sites.length === 0 &&
      understanding.assets.length === 0;

    let facts =
      scoped && !unknownOnly ? await this.gatherFacts(understanding, request.allowedSites, catalog.asOf) : [];
    if (facts.length === 0 && scoped && understanding.assets.length > 0) {
      const facilitySites = catalog.assets
        .filter((asset) => understanding.assets.includes(asset.id))
        .map((asset) => asset.site_id);
      facts = await this.gatherFacts(
        { ...understanding, assets: [], sites: [...new Set([...understanding.sites, ...facilitySites])] },
        request.allowedSites,
        catalog.asOf,
      );
    }
    lap('facts_ms');
    const passages = unknownOnly ? [] : await this.retrieve(request, understanding, facts);
    lap('retrieve_ms');

    const language = understanding.language;
    let abstainReason: string | null = null;
    if (unknownOnly) abstainReason = ABSTAIN_REASONS.unknown_member[language];
    else if (facts.length === 0 && (passages.length === 0 || understanding.range !== null)) {
      abstainReason = scoped
        ? ABSTAIN_REASONS.nothing_relevant[language]
        : ABSTAIN_REASONS.out_of_scope[language];
    }

    let answer: string;
    let degraded = false;
    let degradedReason: string | null = null;
    let model = this.model;
    if (abstainReason) {
      answer = composeAbstention(language, abstainReason);
      request.onDelta?.(answer);
      lap('generate_ms');
    } else if (!this.llm) {
      answer = withNoVarianceNote(
        composeAnswer({ question: request.question, understanding, facts, passages }).text,
        facts,
        language,
      );
      streamText(answer, request.onDelta);
      lap('generate_ms');
    } else {
      const generated = await this.generateWithModel(request, language, facts, passages, usage);
      answer = generated.answer;
      degraded = generated.degraded;
      degradedReason = generated.reason;
      if (degraded) {
        model = `${this.llm.model} → ${COMPOSER_MODEL}`;
        answer = withNoVarianceNote(
          composeAnswer({ question: request.question, understanding, facts, passages }).text,
          facts,
          language,
        );
      }
      lap('generate_ms');
    }
    const verification = verifyAnswer(answer, facts, passages);
    lap('verify_ms');
    timings.total_ms = round(performance.now() - started, 2);

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
      understanding,
      confidence: confidenceOf(abstainReason !== null, facts, passages, verification, degraded),
      abstained: abstainReason !== null,
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

  private async understandWithModel(
    question: string,
    today: string,
    members: Parameters<typeof understandQuestion>[1]['members'],
    fallback: QuestionUnderstanding,
    usage: ExplainResult['usage'],
  ): Promise<QuestionUnderstanding> {
    if (!this.llm) return fallback;
    try {
      const prompt = renderUnderstandPrompt({ question, today, members });
      const response = await this.llm.generate({
        system: prompt.system,
        messages: [{ role: 'user', text: prompt.user }],
        maxTokens: 400,
        temperature: 0,
      });
      addUsage(usage, response);
      const parsed = parseModelUnderstanding(response.text, members);
      return parsed.ok ? { ...parsed.understanding, unknownMembers: fallback.unknownMembers } : fallback;
    } catch {
      return fallback;
    }
  }

  private async gatherFacts(
    understanding: QuestionUnderstanding,
    allowedSites: readonly string[] | null,
    asOf: string | null,
  ): Promise<Fact[]> {
    const range = understanding.range ?? (asOf ? { from: asOf, to: asOf } : null);
    if (!range) return [];
    let filters: InsightFilters;
    try {
      filters = await this.insights.resolveFilters(
        {
          from: range.from,
          to: range.to,
          site: understanding.sites.length > 0 ? understanding.sites : undefined,
          asset: understanding.assets.length > 0 ? understanding.assets : undefined,
          product: understanding.products.length > 0 ? understanding.products.slice(0, 1) : undefined,
        },
        allowedSites,
        { range: 'none', defaultProduct: true },
      );
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'site_forbidden') return [];
      throw error;
    }
    const facts: Fact[] = [];
    const next = () => `D${facts.length + 1}`;
    const catalog = await this.insights.catalog();
    const siteId = filters.sites?.length === 1 ? filters.sites[0] : undefined;
    const assetId = filters.assets?.length === 1 ? filters.assets[0] : undefined;
    const product = filters.products?.[0] ?? this.insights.model.default_product;
    const scopeDims: Record<string, string> = {
      product,
      from: filters.from,
      to: filters.to,
      ...(filters.from === filters.to ? { date: filters.from } : {}),
      ...(siteId
        ? { site: siteId, site_name: catalog.sites.find((site) => site.id === siteId)?.name ?? siteId }
        : {}),
      ...(assetId
        ? {
            asset: assetId,
            asset_name: catalog.assets.find((asset) => asset.id === assetId)?.name ?? assetId,
          }
        : {}),
    };

    const comparisons: Comparison[] =
      understanding.compare === 'previous_period'
        ? ['previous_period']
        : [understanding.compare, 'previous_period'];
    for (const compare of comparisons) {
      try {
        const variance = (await this.insights.variance(filters, compare, 'cause')).value;
        const total = variance.total;
        const dims = { ...scopeDims, compare };
        facts.push({
          id: next(),
          kind: 'variance',
          label: `${scopeDims.site_name ?? scopeDims.asset_name ?? 'All sites'} ${product} change vs ${compare.replace('_', ' ')}`,
          metric: 'actual_volume_change',
          dims,
          value: total.change,
          unit: variance.unit,
          query_id: variance.query_ids[0] ?? '',
          as_of: asOf,
          related: {
            actual: total.current,
            baseline: total.baseline,
            ...(total.change_pct === null ? {} : { change_pct: total.change_pct }),
          },
        });
        const causes = variance.contributors
          .filter((contributor) => contributor.change !== 0)
          .sort((left, right) => Math.abs(right.change) - Math.abs(left.change))
          .slice(0, 4);
        for (const cause of causes) {
          facts.push({
            id: next(),
            kind: 'cause',
            label: `${cause.member} contribution to the change`,
            metric: 'lost_volume_contribution',
            dims: { ...dims, cause_code: cause.member },
            value: cause.change,
            unit: variance.unit,
            query_id: variance.query_ids.at(-1) ?? '',
            as_of: asOf,
            cause: {
              code: cause.member,
              category: cause.member === 'unexplained' ? 'unexplained' : 'downtime',
            },
          });
        }
        break;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    if (facts.length === 0) return facts;

    if (understanding.compare !== 'previous_period') {
      const downtime = (await this.insights.downtimeByCause(filters)).value;
      for (const cause of downtime.causes
        .filter((candidate) => candidate.cause_category === 'planned' && candidate.lost_volume > 0)
        .slice(0, 2)) {
        facts.push({
          id: next(),
          kind: 'kpi',
          label:
            understanding.language === 'es'
              ? `Parada planificada ${cause.cause_code} (ya incluida en el plan), volumen diferido`
              : `Planned downtime ${cause.cause_code} (already in the plan), deferred volume`,
          metric: 'lost_volume',
          dims: { ...scopeDims, cause_code: cause.cause_code, cause_category: 'planned' },
          value: cause.lost_volume,
          unit: facts[0]?.unit ?? '',
          query_id: downtime.queryId,
          as_of: asOf,
          cause: { code: cause.cause_code, category: 'planned' },
        });
      }
    }

    const trend = await this.declineTrend(filters, understanding.language, scopeDims, asOf, next());
    if (trend) facts.push(trend);

    try {
      const anomalies = (await this.insights.anomalies(filters, 'medium')).value;
      for (const anomaly of anomalies.anomalies
        .filter((candidate) => candidate.product_id === product)
        .slice(0, 2)) {
        facts.push({
          id: next(),
          kind: 'anomaly',
          label: `Unusual ${anomaly.direction} at ${anomaly.label} on ${anomaly.date}`,
          metric: 'actual_volume',
          dims: {
            ...(anomaly.scope === 'site'
              ? { site: anomaly.member, site_name: anomaly.label }
              : { asset: anomaly.member, asset_name: anomaly.label }),
            product,
            date: anomaly.date,
          },
          value: anomaly.actual,
          unit: anomaly.unit,
          query_id: anomalies.queryIds[0] ?? '',
          as_of: asOf,
          related: { expected: anomaly.expected },
        });
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }

    if (understanding.wantsForecast && (siteId || assetId)) {
      try {
        const scope = await this.forecasts.resolveScope(
          { ...(assetId ? { asset: [assetId] } : { site: [siteId as string] }), product: [product] },
          allowedSites,
        );
        const forecast = await this.forecasts.forecast({
          filters: scope,
          horizon: 7,
          interval: 0.8,
          source: 'auto',
        });
        const points = forecast.value.points;
        const sum = (key: 'p10' | 'p50' | 'p90') =>
          round(
            points.reduce((total, point) => total + point[key], 0),
            1,
          );
        facts.push({
          id: next(),
          kind: 'forecast',
          label: `Forecast of the next ${points.length} days`,
          metric: 'forecast_volume',
          dims: { ...scopeDims, from: points[0]?.date ?? '', to: points.at(-1)?.date ?? '' },
          value: sum('p50'),
          unit: forecast.value.unit,
          query_id: forecast.value.source,
          as_of: asOf,
          related: { p10: sum('p10'), p90: sum('p90') },
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return facts;
  }

  /**
   * A decline against plan without downtime behind it (the DEC-RES pattern): actual vs plan over the
   * last 30 days of the range compared with the 60 days before, for one asset or site.
   */
  private async declineTrend(
    filters: InsightFilters,
    language: Language,
    scopeDims: Record<string, string>,
    asOf: string | null,
    id: string,
  ): Promise<Fact | null> {
    if (!filters.assets?.length && !filters.sites?.length) return null;
    const recent = { ...filters, from: addDays(filters.to, -29) };
    const earlier = { ...filters, from: addDays(filters.to, -89), to: addDays(filters.to, -30) };
    try {
      const [now, before, downtime] = await Promise.all([
        this.insights.variance(recent, 'plan', 'cause'),
        this.insights.variance(earlier, 'plan', 'cause'),
        this.insights.downtimeByCause(recent),
      ]);
      const nowPct = now.value.total.change_pct;
      const beforePct = before.value.total.change_pct;
      if (nowPct === null || beforePct === null || nowPct - beforePct > -TREND_DROP_POINTS) return null;
      const unplannedLoss = downtime.value.causes
        .filter((cause) => cause.cause_category === 'unplanned')
        .reduce((total, cause) => total + cause.lost_volume, 0);
      if (unplannedLoss >= Math.abs(now.value.total.change) / 2) return null;
      return {
        id,
        kind: 'kpi',
        label:
          language === 'es'
            ? 'Variación frente al plan en los últimos 30 días (%), empeorando sin paradas que la expliquen: el patrón de declinación del reservorio DEC-RES'
            : 'Variance vs plan over the last 30 days (%), worsening without downtime to explain it: the DEC-RES reservoir-decline pattern',
        metric: 'variance_vs_plan_pct',
        dims: { ...scopeDims, from: recent.from, to: recent.to, cause_code: 'DEC-RES' },
        value: nowPct,
        unit: '%',
        query_id: now.value.query_ids[0] ?? '',
        as_of: asOf,
        related: { previous_60_days_pct: beforePct },
        cause: { code: 'DEC-RES', category: 'trend' },
      };
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  private async retrieve(
    request: ExplainRequest,
    understanding: QuestionUnderstanding,
    facts: readonly Fact[],
  ): Promise<Passage[]> {
    const enrichment = new Set<string>(understanding.keywords);
    for (const fact of facts) {
      if (fact.cause && fact.cause.code !== 'unexplained') enrichment.add(fact.cause.code);
    }
    const query = [request.question, ...enrichment].join(' ').slice(0, 2000);
    const docTypes = DASHBOARD_WORDS.test(request.question) ? undefined : ['runbook', 'document'];
    const results = await this.rag.search(
      query,
      {
        allowedSites: request.allowedSites,
        ...(understanding.sites.length > 0 ? { sites: understanding.sites } : {}),
        ...(docTypes ? { docTypes } : {}),
      },
      Math.max(request.topK * 2, 8),
    );
    const minVector = this.options.minVectorScore ?? 0.3;
    const causeCodes = facts.flatMap((fact) =>
      fact.cause && fact.cause.code !== 'unexplained' ? [fact.cause.code] : [],
    );
    const relevant = results.filter(
      (result) =>
        (result.scores.vector ?? 0) >= minVector ||
        (result.scores.textRank !== null &&
          ((result.scores.vector ?? 0) >= minVector * 0.6 ||
            causeCodes.some((code) => result.text.includes(code)))),
    );
    const perDocument = new Map<string, SearchResult>();
    for (const result of relevant) if (!perDocument.has(result.uri)) perDocument.set(result.uri, result);
    return [...perDocument.values()].slice(0, request.topK).map((result, index) => ({
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

function applyFilters(
  understanding: QuestionUnderstanding,
  filters: ExplainFilters | undefined,
): QuestionUnderstanding {
  if (!filters) return understanding;
  const range =
    filters.from || filters.to
      ? { from: filters.from ?? (filters.to as string), to: filters.to ?? (filters.from as string) }
      : understanding.range;
  return {
    ...understanding,
    sites: filters.site ?? understanding.sites,
    assets: filters.asset ?? understanding.assets,
    products: filters.product ?? understanding.products,
    range,
    compare: filters.compare ?? understanding.compare,
    unknownMembers: filters.site || filters.asset ? [] : understanding.unknownMembers,
  };
}

/** Below this absolute change (%), a period counts as on plan and the answer says so. */
export const NO_VARIANCE_PCT = 2;

/** Adds a plain statement that there was no significant variance when the headline change is small. */
function withNoVarianceNote(answer: string, facts: readonly Fact[], language: Language): string {
  const headline = facts.find((fact) => fact.kind === 'variance');
  const pct = headline?.related?.change_pct;
  const unplanned = facts.some(
    (fact) => fact.kind === 'cause' && fact.cause?.code !== 'unexplained' && fact.value < 0,
  );
  if (pct === undefined || Math.abs(pct) >= NO_VARIANCE_PCT || unplanned) return answer;
  const note =
    language === 'es'
      ? 'No hubo una variación significativa: la diferencia está dentro de la variación normal de un día a otro.'
      : 'There was no significant variance: the difference is within normal day-to-day variation.';
  const [data, ...rest] = answer.split('\n\n');
  return [`${data} ${note}`, ...rest].join('\n\n');
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
  facts: readonly Fact[],
  passages: readonly Passage[],
  verification: Verification,
  degraded: boolean,
): number {
  if (abstained) return 0;
  let score = 0.2;
  if (facts.some((fact) => fact.kind === 'variance')) score += 0.3;
  if (facts.some((fact) => fact.kind === 'cause' && fact.cause?.code !== 'unexplained')) score += 0.2;
  if (passages.length > 0) score += 0.2;
  if (verification.ok) score += 0.1;
  if (degraded) score -= 0.2;
  return Math.max(0, Math.min(1, round(score, 2)));
}
