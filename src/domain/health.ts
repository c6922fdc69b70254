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

/** The readiness report. */
export interface ReadinessReport {
  status: 'ready' | 'degraded' | 'not_ready';
  checked_at: string;
  dependencies: DependencyStatus[];
}

/** Runs all checks concurrently, each bounded by `timeoutMs`; messages never include connection strings. */
export async function checkReadiness(
  checks: readonly DependencyCheck[],
  timeoutMs = 2_000,
): Promise<ReadinessReport> {
  const dependencies = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const requiredDown = dependencies.some((dependency) => dependency.required && dependency.status === 'down');
  const anyDown = dependencies.some((dependency) => dependency.status === 'down');
  return {
    status: requiredDown ? 'not_ready' : anyDown ? 'degraded' : 'ready',
    checked_at: new Date().toISOString(),
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
