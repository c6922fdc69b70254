import type { TableFreshness } from './insights/freshness.js';

/** A dependency the service needs; readiness runs every check with a timeout. */
export interface DependencyCheck {
  name: string;
  /** A required dependency that is down makes readiness 503; an optional one only reports `degraded`. */
  required: boolean;
  check(): Promise<Record<string, string | number | boolean> | undefined>;
}

/** Status of one dependency in a readiness report. */
export interface DependencyStatus {
  name: string;
  status: 'up' | 'down';
  required: boolean;
  latency_ms: number;
  error?: string;
  details?: Record<string, string | number | boolean>;
}

/** Freshness of the warehouse's tables in a readiness report. */
export interface FreshnessReport {
  max_age_days: number;
  /** Tables whose data is older than `max_age_days` (readiness is then `degraded`). */
  stale_tables: string[];
  tables: TableFreshness[];
}

/** The readiness report. */
export interface ReadinessReport {
  status: 'ready' | 'degraded' | 'not_ready';
  checked_at: string;
  dependencies: DependencyStatus[];
  /** Absent when the warehouse could not be read (its dependency is then down). */
  freshness?: FreshnessReport;
}

/** Options of {@link createReadinessProbe}. */
export interface ReadinessProbeOptions {
  checks: readonly DependencyCheck[];
  /** Reads the tables' freshness; stale data makes the report `degraded`, never `not_ready`. */
  freshness?: () => Promise<FreshnessReport>;
  /** How long a report is reused; 0 probes on every call (still once at a time). */
  cacheMs: number;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Readiness for an unauthenticated endpoint: every dependency is probed at most once per `cacheMs`, and
 * concurrent callers share the probe in flight, so a flood of `/health/ready` calls costs the database and
 * the warehouse (a Snowflake `SELECT 1` in production) one round trip per period.
 */
export function createReadinessProbe(options: ReadinessProbeOptions): () => Promise<ReadinessReport> {
  const now = options.now ?? Date.now;
  let cached: { report: ReadinessReport; at: number } | undefined;
  let inFlight: Promise<ReadinessReport> | undefined;
  return function readiness() {
    if (cached && now() - cached.at < options.cacheMs) return Promise.resolve(cached.report);
    inFlight ??= (async () => {
      try {
        const [report, freshness] = await Promise.all([
          checkReadiness(options.checks, options.timeoutMs, now),
          options.freshness?.().catch(() => undefined),
        ]);
        const stale = (freshness?.stale_tables.length ?? 0) > 0;
        const completed: ReadinessReport = {
          ...report,
          status: report.status === 'ready' && stale ? 'degraded' : report.status,
          ...(freshness ? { freshness } : {}),
        };
        cached = { report: completed, at: now() };
        return completed;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
}

/** Runs all checks concurrently, each bounded by `timeoutMs`; messages never include connection strings. */
export async function checkReadiness(
  checks: readonly DependencyCheck[],
  timeoutMs = 2_000,
  now: () => number = Date.now,
): Promise<ReadinessReport> {
  const dependencies = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const requiredDown = dependencies.some((dependency) => dependency.required && dependency.status === 'down');
  const anyDown = dependencies.some((dependency) => dependency.status === 'down');
  return {
    status: requiredDown ? 'not_ready' : anyDown ? 'degraded' : 'ready',
    checked_at: new Date(now()).toISOString(),
    dependencies,
  };
}

async function runCheck(check: DependencyCheck, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      check.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      name: check.name,
      status: 'up',
      required: check.required,
      latency_ms: elapsed(started),
      ...(details ? { details } : {}),
    };
  } catch (error) {
    return {
      name: check.name,
      status: 'down',
      required: check.required,
      latency_ms: elapsed(started),
      error: sanitize((error as Error).message ?? String(error)),
    };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

function sanitize(message: string): string {
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s]+/gi, '[url]').slice(0, 200);
}
