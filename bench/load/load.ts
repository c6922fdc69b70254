/**
 * Load benchmark, all in one run so every figure can be read as a ratio to a baseline measured on the
 * same machine minutes apart:
 *
 * 1. a bare `node:http` JSON server (the baseline);
 * 2. the API server as `npm start` runs it (embedded default, info logs to a file): `/health`,
 *    `/insights/daily` cached and uncached, `/insights/variance` cached and uncached, `/rag/search`,
 *    `/rag/explain` (when the route exists);
 * 3. the cost of API-key auth + scope + rate limit: `GET /insights` (catalog, in memory) through the full
 *    app vs the same middleware and handler without them, in one process (see `variant-server.ts`),
 *    with the in-process rate-limit store and again with Redis.
 */
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { HashEmbedder } from '../../src/adapters/local/hash-embedder.js';
import { openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { migrate } from '../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../src/adapters/postgres/rag-repository.js';
import { RagIndexService } from '../../src/domain/rag/index-service.js';
import { dailyCacheKey, type PeerFixture } from '../peers/fixture.js';
import { growIndex } from '../rag/retrieval.js';
import { type LoadResult, runLoad } from './cannon.js';
import {
  type ChildServer,
  serverCommand,
  serverEnv,
  sleep,
  startChildServer,
  stopChild,
  waitFor200,
} from './process.js';

/** Options for {@link runLoadBench}. */
export interface LoadBenchOptions {
  /** Data directory of the embedded default; seeded on first start when empty. */
  dataDir: string;
  durationSeconds: number;
  warmupSeconds: number;
  redisUrl: string;
  log: (line: string) => void;
  /** Chunks in the API's RAG index before `/rag/search` is loaded (default 10 000; 0 keeps the demo index). */
  ragChunks?: number;
}

/** One target: measured or skipped with a reason. */
export interface LoadRow {
  id: string;
  /** What exactly was loaded. */
  description: string;
  result?: LoadResult;
  skipped?: string;
  /** Throughput relative to the baseline run. */
  ratioToBaseline?: number;
  /** Throughput of each round, for targets measured in alternating rounds (the result is the median one). */
  roundsRps?: number[];
  /** p99 of each round, for the mixed-load pair (the result is the median-p99 round). */
  roundsP99Ms?: number[];
}

/** A target with its threshold, evaluated on the measured figures. */
export interface LoadCheck {
  target: string;
  value: number;
  pass: boolean;
  /** Reported for information, with no target. */
  informational?: boolean;
}

/** Result of {@link runLoadBench}. */
export interface LoadReport {
  command: string;
  durationSeconds: number;
  idleRssMiB: number;
  peakRssMiB: number;
  rows: LoadRow[];
  checks: LoadCheck[];
  notes: string[];
  /** Memory per component of the API server (from its `/metrics`), idle and after the load. */
  memory?: { idle: Record<string, number>; afterLoad: Record<string, number> };
}

/**
 * Alternating rounds of the pairs judged by a ratio (auth / no auth; cached daily / health). The checks
 * compare them round by round (each round's pair ran seconds apart, so slow drift of the shared machine
 * cancels) and take the median of those ratios; the rows show each variant's median round.
 */
const PAIRED_ROUNDS = 5;
/** Rounds of cached daily alone vs under concurrent `/rag/search`. */
const MIXED_ROUNDS = 3;

const HIGH_LIMITS = JSON.stringify({
  premium: {
    insights: { limit: 100_000_000, periodSeconds: 60 },
    rag: { limit: 100_000_000, periodSeconds: 60 },
  },
});

interface CatalogBody {
  data: { as_of: string | null; first_date: string | null };
  dimensions: Array<{ name: string; members?: Array<{ id: string }> }>;
}

/** Runs the whole load benchmark. */
export async function runLoadBench(options: LoadBenchOptions): Promise<LoadReport> {
  const { dataDir, log } = options;
  const rows: LoadRow[] = [];
  const notes: string[] = [];
  const run = async (id: string, description: string, target: Parameters<typeof runLoad>[0]) => {
    const result = await runLoad(target);
    const row: LoadRow = { id, description, result };
    rows.push(row);
    const flagged =
      result.non2xx + result.errors > 0 ? `  (non-2xx ${result.non2xx}, errors ${result.errors})` : '';
    log(
      `${id.padEnd(24)} ${String(result.rps).padStart(7)} req/s  p50 ${result.p50Ms} ms  p95 ${result.p95Ms} ms  p99 ${result.p99Ms} ms${flagged}`,
    );
    return result;
  };
  const common = { durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
  const roundSeconds = Math.max(2, Math.round(options.durationSeconds / 2));
  /**
   * Loads `pairs` in alternating rounds (each pair's rounds seconds apart, so slow drift of the shared
   * machine cancels in their ratio); each becomes a row showing its median round, with every round's
   * throughput kept for the paired checks.
   */
  const alternate = async (
    pairs: Array<{ id: string; description: string; target: Parameters<typeof runLoad>[0] }>,
  ) => {
    const results = pairs.map(() => [] as LoadResult[]);
    for (let round = 0; round < PAIRED_ROUNDS; round += 1) {
      for (const [index, pair] of pairs.entries()) {
        const result = await runLoad({ ...pair.target, durationSeconds: roundSeconds });
        results[index]?.push(result);
        log(`${pair.id.padEnd(24)} round ${round + 1}: ${result.rps} req/s  p99 ${result.p99Ms} ms`);
      }
    }
    for (const [index, pair] of pairs.entries()) {
      const rounds = results[index] ?? [];
      const median = [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)];
      rows.push({
        id: pair.id,
        description: pair.description,
        result: median,
        roundsRps: rounds.map((r) => r.rps),
      });
      notes.push(
        `${pair.id}: rounds ${rounds.map((r) => r.rps).join(' / ')} req/s, server CPU ${rounds.map((r) => r.serverCpuUsPerRequest).join(' / ')} µs/request (median round shown)`,
      );
    }
  };

  const { command, args, label } = serverCommand();
  const env = (extra: Record<string, string> = {}) =>
    serverEnv({
      DATALIVE_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMIT_OVERRIDES: HIGH_LIMITS,
      ...extra,
    });

  const baseline = await startChildServer({
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/load/baseline-server.ts'],
    env: serverEnv({}),
    logDir: dataDir,
    name: 'baseline',
    listeningMessage: 'baseline listening',
  });
  const servers: ChildServer[] = [baseline];
  let idleRssMiB = Number.NaN;
  let peakRssMiB = Number.NaN;
  let memory: LoadReport['memory'];
  try {
    const baselineResult = await run('baseline', 'bare node:http JSON server, GET /, 50 connections', {
      ...common,
      name: 'baseline',
      baseUrl: baseline.url,
      path: '/',
      connections: 50,
      pid: baseline.pid,
    });

    if (!existsSync(path.join(dataDir, 'pg'))) {
      log('api: first start on an empty data directory (migrations, demo seed)…');
      const first = await startChildServer({ command, args, env: env(), logDir: dataDir, name: 'api-first' });
      await waitFor200(`${first.url}/health/ready`, 120_000);
      await first.stop();
    }
    const ragChunks = options.ragChunks ?? 10_000;
    if (ragChunks > 0) {
      const chunks = await growApiIndex(path.join(dataDir, 'pg'), ragChunks);
      log(`api: RAG index grown to ${chunks} chunks`);
      notes.push(`rag_search: the API's index holds ${chunks} chunks (demo documents plus runbook variants)`);
    }

    const api = await startChildServer({ command, args, env: env(), logDir: dataDir, name: 'api' });
    servers.push(api);
    const key = await createBenchKey(api.url, dataDir);
    const auth = { 'X-API-Key': key };
    const catalog = (await (await fetch(`${api.url}/insights`, { headers: auth })).json()) as CatalogBody;
    const asOf = catalog.data.as_of as string;
    const dates = dateRange(catalog.data.first_date as string, asOf);
    const sites =
      catalog.dimensions
        .find((dimension) => dimension.name === 'site')
        ?.members?.map((member) => member.id) ?? [];
    await sleep(1_000);
    idleRssMiB = api.rssMiB();
    const apiTarget = { ...common, baseUrl: api.url, pid: api.pid };

    const dailySite = sites[1] ?? sites[0] ?? '';
    const dailyPath = `/insights/daily?date=${asOf}&site=${dailySite}`;
    const memoryIdle = await scrapeMemory(api.url, dataDir);
    const peers = await startPeers({ apiUrl: api.url, key, dataDir, dailyPath, asOf, dailySite, log, notes });
    servers.push(...peers.map((peer) => peer.server));
    const pairs: Parameters<typeof alternate>[0] = [];
    const targetsOf = (prefix: string, label: string, base: { baseUrl: string; pid: number }) => [
      {
        id: `${prefix}health`,
        description: `${label}GET /health (no key), 50 connections, ${PAIRED_ROUNDS} alternating rounds`,
        target: { ...common, ...base, name: `${prefix}health`, path: '/health', connections: 50 },
      },
      {
        id: `${prefix}daily_cached`,
        description: `${label}GET ${dailyPath} (same URL: cache hits), key, 50 connections, ${PAIRED_ROUNDS} alternating rounds`,
        target: {
          ...common,
          ...base,
          name: `${prefix}daily_cached`,
          path: dailyPath,
          headers: auth,
          connections: 50,
          countCacheHits: prefix === '',
        },
      },
    ];
    pairs.push(...targetsOf('', '', { baseUrl: api.url, pid: api.pid }));
    for (const peer of peers) {
      pairs.push(
        ...targetsOf(`peer_${peer.name}_`, `${peer.label}: `, {
          baseUrl: peer.server.url,
          pid: peer.server.pid,
        }),
      );
    }
    await alternate(pairs);
    for (const peer of peers) {
      await peer.server.stop();
      servers.splice(servers.indexOf(peer.server), 1);
    }
    const dailyUrls = rotation(
      dates,
      siteCombinations(sites),
      (date, site, round) => `/insights/daily?date=${date}&site=${site}&limit=${1000 - round}`,
    );
    for (const connections of [1, 10]) {
      const id = connections === 1 ? 'daily_uncached_c1' : 'daily_uncached';
      await run(
        id,
        `GET /insights/daily, a new date/site/limit every request (cache misses), key, ${connections} connection${connections === 1 ? '' : 's'}`,
        {
          ...apiTarget,
          name: id,
          path: '/insights/daily',
          nextPath: dailyUrls.next,
          headers: auth,
          connections,
          countCacheHits: true,
        },
      );
    }
    const variancePath = `/insights/variance?date=${asOf}&site=${sites[1] ?? sites[0]}&by=cause&compare=plan`;
    await run('variance_cached', `GET ${variancePath} (same URL), key, 20 connections`, {
      ...apiTarget,
      name: 'variance_cached',
      path: variancePath,
      headers: auth,
      connections: 20,
      countCacheHits: true,
    });
    const varianceUrls = rotation(
      dates,
      siteCombinations(sites),
      (date, site, round) =>
        `/insights/variance?date=${date}&site=${site}&by=${['cause', 'asset', 'site'][round % 3]}&compare=${
          ['plan', 'previous_period', 'forecast', 'year_ago'][Math.floor(round / 3) % 4]
        }`,
    );
    await run(
      'variance_uncached',
      'GET /insights/variance, a new date/site/by/compare every request, key, 10 connections',
      {
        ...apiTarget,
        name: 'variance_uncached',
        path: '/insights/variance',
        nextPath: varianceUrls.next,
        headers: auth,
        connections: 10,
        countCacheHits: true,
      },
    );
    const questions = loadQuestions();
    let questionIndex = 0;
    const ragTarget = {
      ...apiTarget,
      name: 'rag_search',
      path: '/rag/search',
      method: 'POST' as const,
      headers: { ...auth, 'content-type': 'application/json' },
      nextBody: () => JSON.stringify({ query: questions[questionIndex++ % questions.length], top_k: 8 }),
      connections: 10,
    };
    await run(
      'rag_search',
      `POST /rag/search, ${questions.length} questions in turn, top_k 8, key, 10 connections`,
      ragTarget,
    );
    await drainRagQueue(api.url, auth);
    const dailyTarget = {
      ...apiTarget,
      name: 'daily_cached_alone',
      path: dailyPath,
      headers: auth,
      connections: 50,
    };
    const alone: LoadResult[] = [];
    const mixed: LoadResult[] = [];
    const ragMixed: LoadResult[] = [];
    for (let round = 0; round < MIXED_ROUNDS; round += 1) {
      alone.push(await runLoad({ ...dailyTarget, durationSeconds: roundSeconds }));
      const [daily, rag] = await Promise.all([
        runLoad({ ...dailyTarget, name: 'daily_cached_mixed', durationSeconds: roundSeconds }),
        runLoad({ ...ragTarget, name: 'rag_search_mixed', durationSeconds: roundSeconds, pid: undefined }),
      ]);
      mixed.push(daily);
      ragMixed.push(rag);
      await drainRagQueue(api.url, auth);
      log(
        `daily_cached p99 round ${round + 1}: alone ${alone.at(-1)?.p99Ms} ms, with rag_search at 10 connections ${daily.p99Ms} ms (rag ${rag.rps} req/s)`,
      );
    }
    const medianBy = (results: LoadResult[], pick: (result: LoadResult) => number) =>
      [...results].sort((a, b) => pick(a) - pick(b))[Math.floor(results.length / 2)] as LoadResult;
    rows.push(
      {
        id: 'daily_cached_alone',
        description: `GET ${dailyPath}, key, 50 connections, alone (${MIXED_ROUNDS} rounds alternating with daily_cached_mixed; median p99 round)`,
        result: medianBy(alone, (result) => result.p99Ms),
        roundsP99Ms: alone.map((result) => result.p99Ms),
      },
      {
        id: 'daily_cached_mixed',
        description: `the same while POST /rag/search runs at 10 connections (median p99 round)`,
        result: medianBy(mixed, (result) => result.p99Ms),
        roundsP99Ms: mixed.map((result) => result.p99Ms),
      },
      {
        id: 'rag_search_mixed',
        description: 'POST /rag/search at 10 connections during daily_cached_mixed (median round)',
        result: medianBy(ragMixed, (result) => result.rps),
      },
    );
    notes.push(
      `daily_cached p99 alone ${alone.map((r) => r.p99Ms).join(' / ')} ms; with rag_search ${mixed.map((r) => r.p99Ms).join(' / ')} ms (CPU of the server is shared by both loads in the mixed rounds, so its µs/req is not shown for them)`,
    );
    const explainBody = JSON.stringify({ question: 'Why was Site B under plan yesterday?' });
    const probe = await fetch(`${api.url}/rag/explain`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: explainBody,
    });
    await probe.arrayBuffer();
    if (probe.status === 200) {
      await run(
        'rag_explain',
        'POST /rag/explain "Why was Site B under plan yesterday?", key, 10 connections',
        {
          ...apiTarget,
          name: 'rag_explain',
          path: '/rag/explain',
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: explainBody,
          connections: 10,
        },
      );
    } else {
      const reason = `POST /rag/explain answered ${probe.status} (route not available in this build)`;
      rows.push({ id: 'rag_explain', description: 'POST /rag/explain', skipped: reason });
      notes.push(`rag_explain skipped: ${reason}`);
      log(`rag_explain              skipped: ${reason}`);
    }
    peakRssMiB = Math.max(
      ...rows
        .slice(1)
        .map((row) => row.result?.rssPeakMiB ?? 0)
        .filter((value) => Number.isFinite(value)),
    );
    const memoryAfterLoad = await scrapeMemory(api.url, dataDir);
    memory = { idle: memoryIdle, afterLoad: memoryAfterLoad };
    await api.stop();
    servers.pop();

    const overhead = async (store: 'memory' | 'redis') => {
      const variant = await startChildServer({
        command: process.execPath,
        args: ['--import', 'tsx', 'bench/load/variant-server.ts'],
        env: env(store === 'redis' ? { REDIS_URL: options.redisUrl } : {}),
        logDir: dataDir,
        name: `variant-${store}`,
        listeningMessage: 'variant listening',
      });
      servers.push(variant);
      try {
        const bareUrl = variant.listening.bare_url as string;
        const variantTarget = { ...common, pid: variant.pid, path: '/insights', connections: 50 };
        const storeLabel = store === 'redis' ? 'Redis store' : 'in-process store';
        const pairs = [
          {
            id: `catalog_auth_${store}`,
            description: `GET /insights (catalog) with key auth + scope + rate limit (${storeLabel}), 50 connections, ${PAIRED_ROUNDS} alternating rounds`,
            target: { ...variantTarget, name: `catalog_auth_${store}`, baseUrl: variant.url, headers: auth },
          },
          {
            id: `catalog_noauth_${store}`,
            description: `GET /insights (catalog), the same request (key included, ignored): same middleware and routes, no auth / rate limit, same process, 50 connections, ${PAIRED_ROUNDS} alternating rounds`,
            target: { ...variantTarget, name: `catalog_noauth_${store}`, baseUrl: bareUrl, headers: auth },
          },
        ];
        await alternate(pairs);
      } finally {
        await variant.stop();
        servers.pop();
      }
    };
    await overhead('memory');
    if (await reachable(options.redisUrl)) await overhead('redis');
    else {
      notes.push(`Redis at ${options.redisUrl} not reachable: the Redis-store overhead was not measured`);
      log(`catalog_auth_redis       skipped: ${options.redisUrl} not reachable`);
    }

    for (const row of rows) {
      if (row.result) row.ratioToBaseline = round(row.result.rps / baselineResult.rps);
    }
    for (const row of rows) {
      if (row.result && row.result.non2xx + row.result.errors > 0) {
        notes.push(
          `${row.id}: ${row.result.non2xx} non-2xx responses and ${row.result.errors} errors (statuses ${JSON.stringify(row.result.statuses)})`,
        );
      }
    }
    for (const row of rows.filter((candidate) => candidate.id.includes('_uncached'))) {
      if (row.result?.cacheHits !== undefined)
        notes.push(`${row.id}: ${row.result.cacheHits} cache hits in ${row.result.requests} requests`);
    }
    notes.push(
      `distinct URLs drawn: ${dailyUrls.used()} for /insights/daily, ${varianceUrls.used()} for /insights/variance (warm-ups included; none repeats)`,
    );
    return {
      command: label,
      durationSeconds: options.durationSeconds,
      idleRssMiB: round(idleRssMiB, 1),
      peakRssMiB: round(peakRssMiB, 1),
      rows,
      checks: evaluate(rows),
      notes,
      memory,
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

/** The targets of the load benchmark. */
export function evaluate(rows: readonly LoadRow[]): LoadCheck[] {
  const get = (id: string) => rows.find((row) => row.id === id)?.result;
  const checks: LoadCheck[] = [];
  const add = (target: string, value: number | undefined, pass: (value: number) => boolean) => {
    if (value !== undefined && Number.isFinite(value))
      checks.push({ target, value: round(value), pass: pass(value) });
  };
  const baseline = get('baseline');
  const health = get('health');
  const cached = get('daily_cached');
  const uncached = get('daily_uncached');
  if (baseline && health) add('/health ≥ 0.6 × baseline req/s', health.rps / baseline.rps, (v) => v >= 0.6);
  if (baseline && cached)
    add('cached /insights/daily ≥ 0.5 × baseline req/s', cached.rps / baseline.rps, (v) => v >= 0.5);
  const healthRow = rows.find((row) => row.id === 'health');
  const cachedRow = rows.find((row) => row.id === 'daily_cached');
  if (health && cached)
    add(
      'cached /insights/daily ≥ 0.5 × /health req/s (median of paired rounds)',
      pairedRatio(cachedRow?.roundsRps, healthRow?.roundsRps) ?? cached.rps / health.rps,
      (v) => v >= 0.5,
    );
  add('cached /insights/daily p99 ≤ 50 ms at 50 connections (ms)', cached?.p99Ms, (v) => v <= 50);
  for (const [peer, label, factor] of [
    ['fastify', 'Fastify', 1],
    ['fastapi', 'FastAPI', 3],
  ] as const) {
    for (const [id, routeLabel] of [
      ['daily_cached', 'cached /insights/daily'],
      ['health', '/health'],
    ] as const) {
      const ours = rows.find((row) => row.id === id);
      const theirs = rows.find((row) => row.id === `peer_${peer}_${id}`);
      if (!ours?.result || !theirs?.result) continue;
      add(
        `${routeLabel} ≥ ${factor} × the ${label} peer (req/s, median of paired rounds)`,
        pairedRatio(ours.roundsRps, theirs.roundsRps) ?? ours.result.rps / theirs.result.rps,
        (v) => v >= factor,
      );
    }
  }
  const alone = rows.find((row) => row.id === 'daily_cached_alone');
  const mixed = rows.find((row) => row.id === 'daily_cached_mixed');
  if (alone?.result && mixed?.result)
    add(
      'cached /insights/daily p99 under concurrent /rag/search (10 conns) ≤ 2 × its p99 alone (median of paired rounds)',
      pairedRatio(mixed.roundsP99Ms, alone.roundsP99Ms) ?? mixed.result.p99Ms / alone.result.p99Ms,
      (v) => v <= 2,
    );
  add('/rag/search p95 ≤ 50 ms at 10 connections (ms)', get('rag_search')?.p95Ms, (v) => v <= 50);
  add('uncached /insights/daily p95 ≤ 50 ms at 10 connections (ms)', uncached?.p95Ms, (v) => v <= 50);
  const overhead = (store: 'memory' | 'redis') => {
    const withAuth = rows.find((row) => row.id === `catalog_auth_${store}`);
    const without = rows.find((row) => row.id === `catalog_noauth_${store}`);
    if (!withAuth?.result || !without?.result) return undefined;
    return pairedRatio(withAuth.roundsRps, without.roundsRps) ?? withAuth.result.rps / without.result.rps;
  };
  add(
    'auth + rate limit (in-process) ≥ 0.8 × same route without (req/s, median of paired rounds)',
    overhead('memory'),
    (v) => v >= 0.8,
  );
  const redisRatio = overhead('redis');
  if (redisRatio !== undefined)
    checks.push({
      target: 'auth + rate limit (Redis store) ÷ same route without (req/s, median of paired rounds)',
      value: round(redisRatio),
      pass: true,
      informational: true,
    });
  return checks;
}

/**
 * Median of `a[i] / b[i]` over rounds measured in alternation; undefined unless both have the same
 * number of rounds (at least one).
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined) {
  if (!a || !b || a.length === 0 || a.length !== b.length) return undefined;
  const ratios = a.map((value, index) => value / (b[index] as number)).sort((x, y) => x - y);
  const middle = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1
    ? (ratios[middle] as number)
    : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2;
}

/**
 * Searches that autocannon gave up waiting for are still queued at the single PGlite session when a run
 * ends; one more search, answered after them, marks the queue empty so the next target starts clean.
 */
async function drainRagQueue(url: string, auth: Record<string, string>): Promise<void> {
  const response = await fetch(`${url}/rag/search`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'compressor trip', top_k: 8 }),
  });
  await response.arrayBuffer();
}

/** Grows the API's dev RAG index (PGlite at `pgDir`, the server stopped) to `targetChunks`. */
async function growApiIndex(pgDir: string, targetChunks: number): Promise<number> {
  const db = await openEmbeddedDatabase(pgDir);
  try {
    await migrate(db.pool, { variables: { embedding_dimension: 384 } });
    const repository = new PgRagRepository(db.pool, 'rag_dev');
    const rag = new RagIndexService(repository, new HashEmbedder({ dimension: 384 }));
    await rag.ensureCompatible();
    if ((await repository.countChunks()) < targetChunks) {
      await growIndex(rag, repository, targetChunks);
      await repository.analyze();
    }
    return await repository.countChunks();
  } finally {
    await db.close();
  }
}

/** A bench peer (see `bench/peers/`). */
interface Peer {
  name: 'fastify' | 'fastapi';
  label: string;
  server: ChildServer;
}

/**
 * Starts the peers with a fixture taken from the running API: the bench key (as an HMAC under a fresh
 * pepper), the `/health` fields and the exact bytes and ETag of the cached daily answer. Each peer must
 * answer the daily URL with those bytes before it is loaded. FastAPI is skipped with a note when
 * Debian's packages are missing (`bench/peers/setup.sh` installs them as root).
 */
async function startPeers(options: {
  apiUrl: string;
  key: string;
  dataDir: string;
  dailyPath: string;
  asOf: string;
  dailySite: string;
  log: (line: string) => void;
  notes: string[];
}): Promise<Peer[]> {
  const { apiUrl, key, dataDir, dailyPath } = options;
  const headers = { 'X-API-Key': key };
  await (await fetch(`${apiUrl}${dailyPath}`, { headers })).arrayBuffer();
  const daily = await fetch(`${apiUrl}${dailyPath}`, { headers });
  const body = await daily.text();
  const health = (await (await fetch(`${apiUrl}/health`)).json()) as { env: string; version: string };
  const pepper = randomBytes(32).toString('hex');
  const fixture: PeerFixture = {
    env: health.env,
    version: health.version,
    pepper,
    keys: { [createHmac('sha256', Buffer.from(pepper, 'hex')).update(key).digest('hex')]: 'key_bench' },
    rateLimit: { limit: 100_000_000, periodSeconds: 60 },
    daily: {
      [dailyCacheKey(options.asOf, options.dailySite, 1000, 'json')]: {
        body,
        etag: daily.headers.get('etag') ?? '',
      },
    },
  };
  const fixtureFile = path.join(dataDir, 'peer-fixture.json');
  writeFileSync(fixtureFile, JSON.stringify(fixture));
  const commands: Array<{ name: Peer['name']; label: string; command: string; args: string[] }> = [
    {
      name: 'fastify',
      label: 'Fastify peer',
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/peers/fastify-server.ts'],
    },
  ];
  const python = '/usr/bin/python3';
  const hasFastApi =
    spawnSync(python, ['-c', 'import fastapi, uvicorn, uvloop, httptools'], { stdio: 'ignore' }).status === 0;
  if (hasFastApi) {
    commands.push({
      name: 'fastapi',
      label: 'FastAPI peer',
      command: python,
      args: ['bench/peers/fastapi_server.py'],
    });
  } else {
    options.notes.push(
      'FastAPI peer skipped: Debian packages missing (run bench/peers/setup.sh as root, or apt-get install python3-fastapi python3-uvicorn python3-uvloop python3-httptools)',
    );
  }
  const peers: Peer[] = [];
  for (const peer of commands) {
    const server = await startChildServer({
      command: peer.command,
      args: peer.args,
      env: serverEnv({
        PEER_FIXTURE: fixtureFile,
        PEER_ACCESS_LOG: path.join(dataDir, `peer-${peer.name}-access.log`),
        PORT: '0',
      }),
      logDir: dataDir,
      name: `peer-${peer.name}`,
      listeningMessage: 'peer listening',
    });
    peers.push({ ...peer, server });
    await waitFor200(`${server.url}/health`, 60_000);
    const answer = await (await fetch(`${server.url}${dailyPath}`, { headers })).text();
    if (answer !== body) {
      for (const started of peers) await stopChild(started.server.child);
      throw new Error(`the ${peer.label} does not answer ${dailyPath} with the API's bytes`);
    }
    options.log(`${peer.label} listening at ${server.url}`);
  }
  return peers;
}

/**
 * Memory per component of the API server from its `/metrics` (`datalive_memory_bytes`), in MiB; empty
 * when the server does not export it.
 */
async function scrapeMemory(url: string, dataDir: string): Promise<Record<string, number>> {
  const adminKey = await readAdminKey(dataDir);
  const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${adminKey}` } });
  const text = await response.text();
  const memory: Record<string, number> = {};
  for (const match of text.matchAll(/^datalive_memory_bytes\{component="([a-z_]+)"\} ([\d.e+]+)$/gm)) {
    memory[match[1] as string] = round(Number(match[2]) / 1_048_576, 1);
  }
  const rss = /^process_resident_memory_bytes ([\d.e+]+)$/m.exec(text);
  if (rss) memory.process_rss = round(Number(rss[1]) / 1_048_576, 1);
  return memory;
}

/**
 * The bootstrap admin key file is written just after the server logs that it listens: wait for it
 * (up to 15 s) instead of racing the server.
 */
async function readAdminKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'local-admin-key');
  for (let attempt = 0; ; attempt += 1) {
    const key = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (key) return key;
    if (attempt >= 150) throw new Error(`${file} did not appear within 15 s of the server listening`);
    await sleep(100);
  }
}

async function createBenchKey(url: string, dataDir: string): Promise<string> {
  const adminKey = await readAdminKey(dataDir);
  const response = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench-${Date.now()}`,
      scopes: ['insights:read', 'rag:explain'],
      rate_tier: 'premium',
      expires_in_days: 1,
    }),
  });
  if (response.status !== 201) throw new Error(`could not create the bench key: ${await response.text()}`);
  return ((await response.json()) as { api_key: string }).api_key;
}

/** Every site alone, then every pair, then all of them: distinct filters for the cache. */
function siteCombinations(sites: readonly string[]): string[] {
  const combos: string[] = [...sites];
  for (let i = 0; i < sites.length; i += 1)
    for (let j = i + 1; j < sites.length; j += 1) combos.push(`${sites[i]},${sites[j]}`);
  if (sites.length > 2) combos.push(sites.join(','));
  return combos;
}

/**
 * A URL generator that never repeats: it walks dates × site combinations, and each further pass
 * (`round`) changes another parameter so the cache key differs.
 */
function rotation(
  dates: readonly string[],
  sites: readonly string[],
  build: (date: string, site: string, round: number) => string,
): { next: () => string; used: () => number } {
  let index = 0;
  const perRound = dates.length * sites.length;
  return {
    next: () => {
      const current = index++;
      const round = Math.floor(current / perRound);
      const within = current % perRound;
      const date = dates[dates.length - 1 - Math.floor(within / sites.length)] as string;
      return build(date, sites[within % sites.length] as string, round);
    },
    used: () => index,
  };
}

function dateRange(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= Date.parse(`${to}T00:00:00Z`); day += 86_400_000) {
    dates.push(new Date(day).toISOString().slice(0, 10));
  }
  return dates;
}

function loadQuestions(): string[] {
  const questions = JSON.parse(readFileSync('bench/rag/questions-demo.json', 'utf8')) as Array<{
    question: string;
  }>;
  return questions.map((question) => question.question);
}

async function reachable(redisUrl: string): Promise<boolean> {
  const url = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
