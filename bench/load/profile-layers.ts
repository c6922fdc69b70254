/**
 * CPU per request per layer of one route: runs the built API server (`dist/server.js`, as the load bench
 * does, on a data directory the bench has seeded or a new one) under V8's sampling profiler
 * (`--cpu-prof`), loads one URL with autocannon, stops the server and splits the profile's self time by
 * the code it was spent in (Node's HTTP stack, Hono, the adapter, Zod, pino, each middleware, the route,
 * GC), divided by the responses: µs of CPU per request per layer. The profiler itself adds some
 * overhead; read the split, not the total.
 *
 * Run: `npx tsx bench/load/profile-layers.ts [--route daily|health] [--duration 6]`.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLoad } from './cannon.js';
import { serverEnv, startChildServer, stopChild, waitFor200 } from './process.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Layers in the order a request meets them; the first pattern that matches a frame's URL wins. */
export const LAYERS: ReadonlyArray<[layer: string, pattern: RegExp]> = [
  ['auth (key check)', /\/(middleware\/auth|domain\/keys\/)/],
  ['rate limit', /\/(middleware\/rate-limit|domain\/ratelimit\/|memory-rate-limit-store)/],
  ['access log + pino', /\/(middleware\/access-log|pino|sonic-boom|fast-redact|logger)/],
  ['request metrics', /\/(http\/metrics|prom-client)/],
  [
    'request id + security headers',
    /\/middleware\/(request-id|security-headers|body-limit|inject-services)|response-headers/,
  ],
  ['validation (zod, zod-openapi)', /\/(zod|@hono\/zod-openapi|@hono\/zod-validator|zod-openapi)\//],
  ['route + cache + delivery', /\/(routes\/|domain\/insights\/|http\/delivery)/],
  ['hono (router, context, compose)', /\/node_modules\/hono\//],
  ['@hono/node-server adapter', /@hono\/node-server/],
  [
    'fastify + plugins',
    /\/(fastify|@fastify|find-my-way|avvio|light-my-request|ajv|fast-json-stringify|helmet)/,
  ],
  ['node http / net / streams', /^node:/],
];

/**
 * Splits the self time of the samples taken within `window` (µs on CLOCK_MONOTONIC, which V8's profile
 * timestamps and `process.hrtime` share on Linux) by layer; returns µs per request for each (plus GC,
 * native, other).
 */
export function splitProfile(
  profile: CpuProfile,
  requests: number,
  window: { from: number; to: number } = { from: -Infinity, to: Infinity },
): Record<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const totals = new Map<string, number>();
  let timestamp = profile.startTime;
  for (const [index, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[index] ?? 0;
    timestamp += delta;
    if (timestamp < window.from || timestamp > window.to) continue;
    const node = byId.get(id);
    if (!node) continue;
    const layer = classify(attributed(node, byId, parents).callFrame);
    if (layer === undefined) continue;
    totals.set(layer, (totals.get(layer) ?? 0) + delta);
  }
  const perRequest: Record<string, number> = {};
  for (const [layer, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
    perRequest[layer] = Math.round((micros / requests) * 10) / 10;
  }
  return perRequest;
}

/**
 * Native builtins (`JSONStringify`, `writev`, string ops: no URL) are charged to the nearest caller with
 * a URL, so their cost lands in the layer that asked for them.
 */
function attributed(node: ProfileNode, byId: Map<number, ProfileNode>, parents: Map<number, number>) {
  let current = node;
  while (current.callFrame.url === '' && !current.callFrame.functionName.startsWith('(')) {
    const parent = byId.get(parents.get(current.id) ?? -1);
    if (!parent || parent.callFrame.functionName === '(root)') break;
    current = parent;
  }
  return current;
}

function classify(frame: ProfileNode['callFrame']): string | undefined {
  if (frame.functionName === '(idle)') return undefined;
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(program)' || (frame.url === '' && frame.functionName.startsWith('(')))
    return 'native (program)';
  for (const [layer, pattern] of LAYERS) if (pattern.test(frame.url)) return layer;
  if (frame.url === '') return 'native builtins';
  return 'other JS';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] ?? fallback) : fallback;
  };
  const route = option('route', 'daily');
  const duration = Number(option('duration', '6'));
  const dataDir = option('data-dir', mkdtempSync(path.join(tmpdir(), 'datalive-profile-')));
  const profileDir = mkdtempSync(path.join(tmpdir(), 'datalive-cpuprof-'));
  const server = await startChildServer({
    command: process.execPath,
    args: ['--cpu-prof', '--cpu-prof-dir', profileDir, 'dist/server.js'],
    env: serverEnv({
      DATALIVE_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMIT_OVERRIDES: JSON.stringify({
        premium: { insights: { limit: 100_000_000, periodSeconds: 60 } },
      }),
    }),
    logDir: dataDir,
    name: 'profiled',
  });
  await waitFor200(`${server.url}/health/ready`, 120_000);
  const adminKey = readFileSync(path.join(dataDir, 'local-admin-key'), 'utf8').trim();
  const created = await fetch(`${server.url}/admin/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'profile',
      scopes: ['insights:read'],
      rate_tier: 'premium',
      expires_in_days: 1,
    }),
  });
  const key = ((await created.json()) as { api_key: string }).api_key;
  const catalog = (await (
    await fetch(`${server.url}/insights`, { headers: { 'X-API-Key': key } })
  ).json()) as {
    data: { as_of: string };
  };
  const url = route === 'health' ? '/health' : `/insights/daily?date=${catalog.data.as_of}&site=SITE-B`;
  const target = {
    name: route,
    baseUrl: server.url,
    path: url,
    headers: { 'X-API-Key': key },
    connections: 50,
    durationSeconds: duration,
    warmupSeconds: 0,
    pid: server.pid,
  };
  await runLoad({ ...target, durationSeconds: 1 });
  const from = Number(process.hrtime.bigint() / 1000n);
  const result = await runLoad(target);
  const to = Number(process.hrtime.bigint() / 1000n);
  await stopChild(server.child);
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${profileDir}`);
  const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
  const split = splitProfile(profile, result.requests, { from, to });
  const total = Object.values(split).reduce((sum, value) => sum + value, 0);
  console.log(
    `GET ${url}: ${result.rps} req/s under the profiler, ${result.serverCpuUsPerRequest} µs CPU/req (all threads)`,
  );
  console.log('self time per request by layer (µs, main thread, profiler on):');
  for (const [layer, micros] of Object.entries(split)) {
    console.log(
      `  ${layer.padEnd(34)} ${micros.toFixed(1).padStart(7)}  ${((micros / total) * 100).toFixed(0).padStart(3)} %`,
    );
  }
  console.log(`  ${'total'.padEnd(34)} ${total.toFixed(1).padStart(7)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
