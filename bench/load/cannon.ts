/**
 * One load run with autocannon's programmatic API: a warm-up that is not measured, then a fixed-duration
 * run. Latency percentiles (p50/p95/p99) are computed from every response time (autocannon's own
 * histogram has no p95); the server's RSS is sampled from /proc while the run lasts.
 */
import autocannon from 'autocannon';
import { readCpuSeconds, readVmMiB, sleep } from './process.js';

/** What to load and how hard. */
export interface LoadTarget {
  name: string;
  /** Base URL of the server (`http://127.0.0.1:port`). */
  baseUrl: string;
  /** Fixed path, used when `nextPath` is absent. */
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Gives a new path for every request (cache-busting rotation); overrides `path`. */
  nextPath?: () => string;
  /** Gives a new body for every request; overrides `body`. */
  nextBody?: () => string;
  connections: number;
  durationSeconds: number;
  warmupSeconds?: number;
  /** Process whose RSS is sampled during the run. */
  pid?: number;
  /** Counts responses whose body contains `"cache_hit":true` (reads every body). */
  countCacheHits?: boolean;
}

/** Figures of one measured run. */
export interface LoadResult {
  name: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /**
   * Server CPU time (all threads) per measured request, in µs. Steadier than req/s on shared cores:
   * it does not move when the load generator or a neighbour takes the CPU.
   */
  serverCpuUsPerRequest: number;
  cacheHits?: number;
}

/** Exact percentile of a sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs the warm-up (if any) and the measured run; resolves with the measured figures. */
export async function runLoad(target: LoadTarget): Promise<LoadResult> {
  if ((target.warmupSeconds ?? 1) > 0) await fire(target, target.warmupSeconds ?? 1, false);
  await sleep(200);
  return fire(target, target.durationSeconds, true);
}

async function fire(target: LoadTarget, seconds: number, measured: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let cacheHits = 0;
  const dynamic = target.nextPath !== undefined || target.nextBody !== undefined;
  const request: autocannon.Request = {
    ...(dynamic
      ? {
          setupRequest: (current: autocannon.Request) => ({
            ...current,
            ...(target.nextPath ? { path: target.nextPath() } : {}),
            ...(target.nextBody ? { body: target.nextBody() } : {}),
          }),
        }
      : {}),
    ...(target.countCacheHits && measured
      ? {
          onResponse: (_status: number, body: string) => {
            if (body.includes('"cache_hit":true')) cacheHits += 1;
          },
        }
      : {}),
  };
  const rssBefore = target.pid ? readVmMiB(target.pid) : Number.NaN;
  const cpuBefore = target.pid ? readCpuSeconds(target.pid) : Number.NaN;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    if (target.pid) rssPeak = Math.max(rssPeak, readVmMiB(target.pid));
  }, 250);
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `${target.baseUrl}${target.path}`,
          method: target.method ?? 'GET',
          headers: target.headers,
          body: target.body,
          connections: target.connections,
          duration: seconds,
          timeout: 30,
          requests: [request],
        },
        (error: Error | null, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
      );
      if (measured) {
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          latencies.push(responseTime);
          statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        });
      }
    });
    if (target.pid) rssPeak = Math.max(rssPeak, readVmMiB(target.pid));
    const cpuSeconds = target.pid ? readCpuSeconds(target.pid) - cpuBefore : Number.NaN;
    const requests = latencies.length;
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      name: target.name,
      connections: target.connections,
      seconds: result.duration,
      requests,
      rps: Math.round(requests / result.duration),
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.reduce((max, value) => Math.max(max, value), 0)),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statuses,
      rssBeforeMiB: round(rssBefore),
      rssPeakMiB: round(rssPeak),
      serverCpuUsPerRequest: requests > 0 ? round((cpuSeconds * 1e6) / requests) : Number.NaN,
      ...(target.countCacheHits ? { cacheHits } : {}),
    };
  } finally {
    clearInterval(sampler);
  }
}
