/**
 * Startup benchmark of the embedded default: the server is spawned as `npm start` would run it (the
 * build in `dist/` when present) on an empty data directory (first start: migrations, demo warehouse
 * seed, demo documents indexed, admin key created), then again on the same directory (warm start).
 * Measures spawn → `datalive api listening`, spawn → `/health/ready` 200, the `boot_ms` the server logs,
 * and RSS (VmRSS) once idle plus the peak (VmHWM). Run alone: `npx tsx bench/startup.ts`.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readVmMiB, serverCommand, serverEnv, sleep, startChildServer, waitFor200 } from './load/process.js';

/** One start of the server. */
export interface StartupRun {
  /** `first` / `warm`: the server process itself; `npm-built` / `npm-warm`: `npm start` after a build / again. */
  kind: 'first' | 'warm' | 'npm-built' | 'npm-warm';
  /** `npm start` runs only: whether it compiled `src/` before starting. */
  compiled?: boolean;
  /** Spawn → the `datalive api listening` log line was written. */
  listeningMs: number;
  /** Spawn → `GET /health/ready` answered 200. */
  readyMs: number;
  /** `boot_ms` logged by the server (services built, from inside the process). */
  bootMs: number;
  /** VmRSS 2 s after ready, no traffic. */
  idleRssMiB: number;
  /** VmHWM: the peak RSS of the process so far (first start: during seeding and indexing). */
  peakRssMiB: number;
  exitCode: number | null;
}

/** Result of {@link runStartupBench}. */
export interface StartupReport {
  command: string;
  dataDir: string;
  runs: StartupRun[];
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Starts the server once on a fresh data directory and once more on the same one. */
export async function runStartupBench(log: (line: string) => void = () => {}): Promise<StartupReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datalive-bench-'));
  const { command, args, label } = serverCommand();
  const runs: StartupRun[] = [];
  for (const kind of ['first', 'warm'] as const) {
    const server = await startChildServer({
      command,
      args,
      env: serverEnv({ DATALIVE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
      logDir: dataDir,
      name: `startup-${kind}`,
    });
    const listeningMs = performance.now() - server.spawnedAt;
    await waitFor200(`${server.url}/health/ready`, 120_000, 10);
    const readyMs = performance.now() - server.spawnedAt;
    await sleep(2_000);
    const run: StartupRun = {
      kind,
      listeningMs: round(listeningMs, 0),
      readyMs: round(readyMs, 0),
      bootMs: Number(server.listening.boot_ms ?? Number.NaN),
      idleRssMiB: round(server.rssMiB()),
      peakRssMiB: round(readVmMiB(server.pid, 'VmHWM')),
      exitCode: await server.stop(),
    };
    runs.push(run);
    log(
      `${kind.padEnd(5)} start: ready in ${run.readyMs} ms (boot ${run.bootMs} ms), idle RSS ${run.idleRssMiB} MiB, peak ${run.peakRssMiB} MiB`,
    );
  }
  for (const kind of ['npm-built', 'npm-warm'] as const) {
    const run = await runNpmStart(kind, dataDir);
    runs.push(run);
    log(`${kind} start: ready in ${run.readyMs} ms (compiled: ${run.compiled ? 'yes' : 'no'})`);
  }
  return { command: label, dataDir, runs };
}

/**
 * `npm start` on the same data directory, the way a user restarts the service: the first run after the
 * bench's `npm run build` compiles again only if the sources changed since `npm start` last recorded a
 * build; the second must not compile at all. Stopped with SIGTERM to the server process (its pid is in
 * `<data dir>/server.json`), so the launcher forwards nothing twice.
 */
async function runNpmStart(kind: 'npm-built' | 'npm-warm', dataDir: string): Promise<StartupRun> {
  const server = await startChildServer({
    command: 'npm',
    args: ['start', '--silent'],
    env: serverEnv({ DATALIVE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
    logDir: dataDir,
    name: `startup-${kind}`,
    timeoutMs: 300_000,
  });
  const listeningMs = performance.now() - server.spawnedAt;
  await waitFor200(`${server.url}/health/ready`, 120_000, 10);
  const readyMs = performance.now() - server.spawnedAt;
  const serverPid = (JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number })
    .pid;
  await sleep(500);
  const idleRssMiB = readVmMiB(serverPid);
  const peakRssMiB = readVmMiB(serverPid, 'VmHWM');
  const exited = once(server.child, 'exit') as Promise<[number | null]>;
  process.kill(serverPid, 'SIGTERM');
  const [exitCode] = await exited;
  return {
    kind,
    compiled: readFileSync(server.errFile, 'utf8').includes('datalive: compiling'),
    listeningMs: round(listeningMs, 0),
    readyMs: round(readyMs, 0),
    bootMs: Number(server.listening.boot_ms ?? Number.NaN),
    idleRssMiB: round(idleRssMiB),
    peakRssMiB: round(peakRssMiB),
    exitCode,
  };
}

/** The warm-restart target: `npm start` with nothing changed, spawn to ready. */
export const WARM_RESTART_TARGET_MS = 5_000;

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runStartupBench((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
