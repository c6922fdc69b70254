import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Embedder } from '../ports/embedder.js';
import type { Llm, LlmStreamEvent } from '../ports/llm.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { RateClass } from '../profiles.js';
import type { RequestObserver } from './middleware/access-log.js';
import { SeriesHistogram } from './series-histogram.js';

/** Outcome of one rate-limit decision, as reported by the rate-limit middleware. */
export type RateLimitOutcome = 'allowed' | 'denied' | 'degraded_open' | 'degraded_closed';

/** External systems whose call latency is measured. */
export type DependencyName = 'warehouse' | 'embedding' | 'llm' | 'database';

/** Returns how many chunks the RAG index of this environment holds; called on every scrape. */
export type IndexSizeCollector = () => number | Promise<number>;

/** Returns bytes held per component (`node_heap`, `pglite_wasm`, `duckdb`, …); called on every scrape. */
export type MemoryCollector = () => Promise<Record<string, number>>;

/** One table's data age and last load, read at scrape time. */
export interface TableAgeSample {
  table: string;
  /** Seconds since the end of the table's last data date; null without data. */
  dataAgeSeconds: number | null;
  /** Unix seconds of the table's last load; null when never loaded. */
  lastLoadSeconds: number | null;
}

/** Reports every warehouse table's data age; called on every scrape. */
export type DataAgeCollector = () => Promise<TableAgeSample[]>;

/**
 * Prometheus metrics of one app instance: a private registry (never the global one) and typed
 * recording helpers. Every helper is a plain function, safe to pass around unbound.
 */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Records one finished request; pass it as the access log's `observe` option. Health probes go to
   * `http_probe_requests_total` only, so they never skew request rates or latency percentiles.
   */
  readonly observeRequest: RequestObserver;
  /** Counts one rate-limit decision; matches the rate-limit middleware's `onDecision` option. */
  readonly rateLimitDecision: (rateClass: RateClass, outcome: RateLimitOutcome) => void;
  /** Counts one failed call to the rate-limit store (the limiter's `onStoreError`). */
  readonly rateLimitStoreError: (rateClass: RateClass) => void;
  /** Observes the latency of one call to a dependency; `operation` must be a code constant. */
  readonly dependency: (name: DependencyName, operation: string, seconds: number) => void;
  /** Adds the tokens of one model call. */
  readonly llmTokens: (input: number, output: number) => void;
  /** Sets the callback that reports the RAG index size when `/metrics` is scraped. */
  readonly setIndexSizeCollector: (collect: IndexSizeCollector) => void;
  /** Sets the callback that reports memory per component when `/metrics` is scraped. */
  readonly setMemoryCollector: (collect: MemoryCollector) => void;
  /** Sets the callback that reports each warehouse table's data age when `/metrics` is scraped. */
  readonly setDataAgeCollector: (collect: DataAgeCollector) => void;
  /** The exposition text and its content type. */
  readonly render: () => Promise<{ contentType: string; body: string }>;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Environment label of `rag_index_chunks` (`dev`, `qa` or `prod`). */
  env: string;
  /** Process metrics (CPU, memory, event loop, GC); on by default. */
  processMetrics?: boolean;
}

/** Route label of requests that matched no route (or only global middleware). */
export const UNMATCHED_ROUTE = 'unmatched';

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 100];
const DEPENDENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const OPERATION_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_OPERATIONS_PER_DEPENDENCY = 32;
const MAX_ROUTE_LABELS = 200;

/**
 * Creates the registry and metrics of one app instance. Labels only ever carry bounded values: the
 * matched route pattern (never the raw path or query, so never a key or a question), a known method,
 * the numeric status, the route class, and operation names from code.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const requestTally = new Tally<'method' | 'route' | 'status'>();
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      requestTally.flushInto(this);
    },
  });
  const probeTally = new Tally<'route' | 'status'>();
  new Counter({
    name: 'http_probe_requests_total',
    help: 'Health probes (/health, /health/ready) by route and status; not in the request counter or latency histogram.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
    collect() {
      probeTally.flushInto(this);
    },
  });
  const requestDuration = new SeriesHistogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const decisionTally = new Tally<'class' | 'outcome'>();
  new Counter({
    name: 'rate_limit_decisions_total',
    help: 'Rate-limit decisions by route class and outcome (degraded = decided without the store).',
    labelNames: ['class', 'outcome'] as const,
    registers: [registry],
    collect() {
      decisionTally.flushInto(this);
    },
  });
  const rateLimitStoreErrors = new Counter({
    name: 'rate_limit_store_errors_total',
    help: 'Failed or timed-out rate-limit store calls by route class.',
    labelNames: ['class'] as const,
    registers: [registry],
  });
  const cacheTally = new Tally<'result'>();
  const insightsCache = new Counter({
    name: 'insights_cache_total',
    help: 'Insights cache lookups by result.',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      cacheTally.flushInto(this);
    },
  });
  const dependencyDuration = new Histogram({
    name: 'dependency_duration_seconds',
    help: 'Latency of calls to the warehouse, embedding model, LLM and database, by operation.',
    labelNames: ['dependency', 'operation'] as const,
    buckets: DEPENDENCY_BUCKETS,
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: 'llm_tokens_total',
    help: 'Tokens sent to (input) and generated by (output) the language model.',
    labelNames: ['direction'] as const,
    registers: [registry],
  });

  let dataAgeCollector: DataAgeCollector | undefined;
  const tableGauge = (name: string, help: string, read: (sample: TableAgeSample) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['env', 'table'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        if (!dataAgeCollector) return;
        try {
          for (const sample of await dataAgeCollector()) {
            const value = read(sample);
            if (value !== null) this.set({ env: options.env, table: sample.table }, value);
          }
        } catch {
          this.reset();
        }
      },
    });
  tableGauge(
    'warehouse_data_age_seconds',
    'Seconds since the end of the last day of data in each warehouse table (read at scrape time; absent for a table without data).',
    (sample) => sample.dataAgeSeconds,
  );
  tableGauge(
    'warehouse_last_load_timestamp_seconds',
    'Unix time of the last load into each warehouse table (load_metadata).',
    (sample) => sample.lastLoadSeconds,
  );

  let indexSizeCollector: IndexSizeCollector | undefined;
  new Gauge({
    name: 'rag_index_chunks',
    help: 'Chunks in the RAG index of this environment (read at scrape time).',
    labelNames: ['env'] as const,
    registers: [registry],
    async collect() {
      if (!indexSizeCollector) return;
      try {
        const chunks = await indexSizeCollector();
        if (Number.isFinite(chunks)) this.set({ env: options.env }, chunks);
        else this.reset();
      } catch {
        this.reset();
      }
    },
  });

  let memoryCollector: MemoryCollector | undefined;
  new Gauge({
    name: 'datalive_memory_bytes',
    help: 'Memory held per component: node_heap (main thread V8 heap), pglite_wasm and pglite_worker_heap (the embedded database worker), duckdb (DuckDB buffer manager).',
    labelNames: ['component'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!memoryCollector) return;
      const components = await memoryCollector().catch(() => ({}));
      for (const [component, bytes] of Object.entries(components)) {
        if (/^[a-z_]{1,32}$/.test(component) && Number.isFinite(bytes)) this.set({ component }, bytes);
      }
    },
  });

  for (const outcome of ['hit', 'miss'] as const) insightsCache.inc({ result: outcome }, 0);
  for (const direction of ['input', 'output'] as const) llmTokens.inc({ direction }, 0);

  const routeLabels = new Set<string>();
  const routeLabel = (route: string): string => {
    if (!route || route === '/*' || route === '*') return UNMATCHED_ROUTE;
    if (routeLabels.has(route)) return route;
    if (routeLabels.size >= MAX_ROUTE_LABELS) return 'other';
    routeLabels.add(route);
    return route;
  };
  const operationsByDependency = new Map<DependencyName, Set<string>>();
  const operationLabel = (name: DependencyName, operation: string): string => {
    if (!OPERATION_NAME.test(operation)) return 'other';
    const known = operationsByDependency.get(name) ?? new Set<string>();
    operationsByDependency.set(name, known);
    if (known.has(operation)) return operation;
    if (known.size >= MAX_OPERATIONS_PER_DEPENDENCY) return 'other';
    known.add(operation);
    return operation;
  };
  const nonNegative = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

  return {
    registry,
    observeRequest(sample) {
      if (sample.cacheHit !== undefined) {
        cacheTally.add(sample.cacheHit ? 'hit' : 'miss', sample.cacheHit ? CACHE_HIT : CACHE_MISS);
      }
      if (sample.probe) {
        const status = String(Number.isInteger(sample.status) ? sample.status : 0);
        probeTally.add(`${sample.route} ${status}`, { route: routeLabel(sample.route), status });
        return;
      }
      const labels = {
        method: KNOWN_METHODS.has(sample.method) ? sample.method : 'OTHER',
        route: routeLabel(sample.route),
        status: String(Number.isInteger(sample.status) ? sample.status : 0),
      };
      const series = `${labels.method} ${labels.route} ${labels.status}`;
      requestTally.add(series, labels);
      requestDuration.record(series, labels, nonNegative(sample.seconds));
    },
    rateLimitDecision(rateClass, outcome) {
      decisionTally.add(`${rateClass} ${outcome}`, { class: rateClass, outcome });
    },
    rateLimitStoreError(rateClass) {
      rateLimitStoreErrors.inc({ class: rateClass });
    },
    dependency(name, operation, seconds) {
      dependencyDuration.observe(
        { dependency: name, operation: operationLabel(name, operation) },
        nonNegative(seconds),
      );
    },
    llmTokens(input, output) {
      llmTokens.inc({ direction: 'input' }, nonNegative(input));
      llmTokens.inc({ direction: 'output' }, nonNegative(output));
    },
    setIndexSizeCollector(collect) {
      indexSizeCollector = collect;
    },
    setMemoryCollector(collect) {
      memoryCollector = collect;
    },
    setDataAgeCollector(collect) {
      dataAgeCollector = collect;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

async function timed<T>(
  metrics: Metrics,
  name: DependencyName,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    metrics.dependency(name, operation, (performance.now() - started) / 1000);
  }
}

/** Wraps a warehouse so each `query` and `ping` is observed in `dependency_duration_seconds`. */
export function instrumentWarehouse(warehouse: Warehouse, metrics: Metrics): Warehouse {
  return {
    kind: warehouse.kind,
    ...(warehouse.namespace === undefined ? {} : { namespace: warehouse.namespace }),
    query: (sql, params, options) =>
      timed(metrics, 'warehouse', 'query', () => warehouse.query(sql, params, options)),
    ping: () => timed(metrics, 'warehouse', 'ping', () => warehouse.ping()),
    close: () => warehouse.close(),
  };
}

/** Wraps an embedder so each call is observed as `embed_query` or `embed_document`. */
export function instrumentEmbedder(embedder: Embedder, metrics: Metrics): Embedder {
  return {
    model: embedder.model,
    dimension: embedder.dimension,
    embed: (texts, purpose) =>
      timed(metrics, 'embedding', `embed_${purpose}`, () => embedder.embed(texts, purpose)),
  };
}

/** Wraps a model so each generation is timed and its tokens counted; streams are timed until `done`. */
export function instrumentLlm(llm: Llm, metrics: Metrics): Llm {
  return {
    model: llm.model,
    async generate(request) {
      const response = await timed(metrics, 'llm', 'generate', () => llm.generate(request));
      metrics.llmTokens(response.usage.inputTokens, response.usage.outputTokens);
      return response;
    },
    async *stream(request): AsyncIterable<LlmStreamEvent> {
      const started = performance.now();
      try {
        for await (const event of llm.stream(request)) {
          if (event.type === 'done') {
            metrics.llmTokens(event.response.usage.inputTokens, event.response.usage.outputTokens);
          }
          yield event;
        }
      } finally {
        metrics.dependency('llm', 'stream', (performance.now() - started) / 1000);
      }
    },
  };
}

/**
 * Counts per label set in a plain map and hands the increments to a prom-client counter when it is
 * scraped (from the counter's `collect`), so the request path pays a map lookup, not label hashing.
 */
const CACHE_HIT = { result: 'hit' } as const;
const CACHE_MISS = { result: 'miss' } as const;

class Tally<Label extends string> {
  private readonly counts = new Map<string, { labels: Record<Label, string>; count: number }>();

  add(key: string, labels: Record<Label, string>): void {
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { labels, count: 1 });
  }

  flushInto(counter: Counter<Label>): void {
    for (const entry of this.counts.values()) {
      if (entry.count === 0) continue;
      counter.inc(entry.labels, entry.count);
      entry.count = 0;
    }
  }
}
