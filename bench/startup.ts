/**
 * Startup benchmark of the embedded default: the server is spawned as `npm start` would run it (the
 * build in `dist/` when present) on an empty data directory (first start: migrations, demo warehouse
 * seed, demo documents indexed, admin key created), then again on the same directory (warm start).
 * Measures spawn → `datalive api listening`, spawn → `/health/ready` 200, the `boot_ms` the server logs,
 * and RSS (VmRSS) once idle plus the peak (VmHWM). Run alone: `npx tsx bench/startup.ts`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readVmMiB, serverCommand, serverEnv, sleep, startChildServer, waitFor200 } from './load/process.js';

/** One start of the server. */
export interface StartupRun {
  kind: 'first' | 'warm';
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
  return { command: label, dataDir, runs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runStartupBench((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
