/**
 * Child-process helpers for the benchmarks: start a server whose JSON log goes to a file (so the bench
 * process spends no CPU reading access logs), find its URL in the log, read its memory from /proc and
 * stop it with SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chooseAllocator } from '../../src/allocator.js';

/** A server running in a child process. */
export interface ChildServer {
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** The first log line whose `msg` matched, parsed. */
  readonly listening: Record<string, unknown>;
  readonly logFile: string;
  readonly errFile: string;
  /** `performance.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  /** Resident set size in MiB (VmRSS), or NaN when /proc is not available. */
  rssMiB(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options for {@link startChildServer}. */
export interface ChildServerOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Directory for `<name>.log` (stdout) and `<name>.err` (stderr). */
  logDir: string;
  name: string;
  /** The `msg` of the JSON log line that carries `url`. */
  listeningMessage?: string;
  timeoutMs?: number;
}

/**
 * The command that runs the API server: the build in `dist/` when present, the sources through tsx
 * otherwise; the label names the allocator too.
 */
export function serverCommand(): { command: string; args: string[]; label: string } {
  const args = existsSync('dist/server.js') ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  return { command: process.execPath, args, label: `node ${args.join(' ')}, ${allocatorLabel()}` };
}

/**
 * CPU time (user + system, all threads) a process has used so far, in seconds, from `/proc/<pid>/stat`
 * (clock ticks of 1/100 s, Linux's USER_HZ); NaN when it cannot be read.
 */
export function readCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Reads VmRSS (or another `Vm*` field) of a process in MiB. */
export function readVmMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Starts a server process and resolves once its log announces the listening URL. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const errFile = path.join(options.logDir, `${options.name}.err`);
  const out = openSync(logFile, 'a');
  const err = openSync(errFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  const message = options.listeningMessage ?? 'datalive api listening';
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let listening: Record<string, unknown> | undefined;
  let offset = 0;
  while (!listening) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}): ${tail(errFile)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start in time: ${tail(errFile)}`);
    }
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    const lines = text.slice(offset).split('\n');
    const complete = lines.slice(0, -1);
    offset += complete.reduce((total, line) => total + line.length + 1, 0);
    for (const line of complete) {
      const parsed = parseJsonLine(line);
      if (parsed?.msg === message && typeof parsed.url === 'string') listening = parsed;
    }
    if (!listening) await sleep(20);
  }
  const pid = child.pid as number;
  return {
    pid,
    url: listening.url as string,
    child,
    listening,
    logFile,
    errFile,
    spawnedAt,
    rssMiB: () => readVmMiB(pid),
    stop: (graceMs = 30_000) => stopChild(child, graceMs),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

/** Polls `url` until it answers 200; resolves with the time it took. */
export async function waitFor200(url: string, timeoutMs = 60_000, everyMs = 20): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not accepting yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer 200 in time`);
    await sleep(everyMs);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '';
}

/**
 * Environment for a server under benchmark: only PATH/HOME/TMPDIR/LANG/DATALIVE_ALLOCATOR from this
 * process (no stray DATABASE_URL or REDIS_URL from the shell), plus `vars`, with the allocator `npm start`
 * would choose (jemalloc preloaded when the system has it; see `src/allocator.ts`). The server is started
 * directly rather than through the launcher, so the CPU read from `/proc/<pid>` is the server's own.
 */
export function serverEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'DATALIVE_ALLOCATOR']) {
    if (process.env[name] !== undefined) kept[name] = process.env[name];
  }
  return chooseAllocator({ ...kept, NODE_ENV: 'production', ...vars }).env;
}

/** How the servers under benchmark allocate memory, for the report header. */
export function allocatorLabel(): string {
  const choice = chooseAllocator(serverEnv({}));
  return choice.library ? `jemalloc preloaded (${choice.library})` : 'system malloc';
}
