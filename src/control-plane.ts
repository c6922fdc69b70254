import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { App } from './app.js';

/** What the embedded server publishes in its data directory for the local CLI. */
export interface ServerInfo {
  pid: number;
  url: string;
  env: string;
  controlSocket: string;
  /** Absolute data directory the server runs on. */
  dataDir?: string;
}

/** Location of the server info file in a data directory. */
export const serverInfoPath = (dataDir: string): string => path.join(dataDir, 'server.json');

/** Registry entry of a running server in the per-user state directory (one file per data directory). */
const registryPath = (stateDir: string, dataDir: string): string =>
  path.join(
    stateDir,
    'servers',
    `${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}.json`,
  );

/**
 * Serves the same app on an owner-only Unix socket in the data directory. The embedded PGlite and DuckDB
 * admit one process each, so the CLI runs its commands inside a running embedded server through this
 * socket; file permissions (0600) are the authentication, as for the Docker socket. The server also
 * registers in the per-user state directory, so the CLI finds it from any folder.
 */
export async function startControlPlane(
  app: App,
  dataDir: string,
  info: Omit<ServerInfo, 'controlSocket' | 'dataDir'>,
  options: { stateDir?: string } = {},
) {
  const socketPath = path.join(dataDir, 'control.sock');
  if (existsSync(socketPath)) rmSync(socketPath);
  const server = createAdaptorServer({
    fetch: (request: Request, env: Record<string, unknown>) =>
      app.fetch(request, { ...env, controlPlane: true }),
  }) as Server;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  const published: ServerInfo = { ...info, controlSocket: socketPath, dataDir: path.resolve(dataDir) };
  const infoFile = serverInfoPath(dataDir);
  writeFileSync(infoFile, JSON.stringify(published, null, 2), { mode: 0o600 });
  const registryFile = options.stateDir ? registryPath(options.stateDir, dataDir) : undefined;
  if (registryFile) {
    try {
      mkdirSync(path.dirname(registryFile), { recursive: true, mode: 0o700 });
      writeFileSync(registryFile, JSON.stringify(published, null, 2), { mode: 0o600 });
    } catch {
      // The registry only helps the CLI find this server from other folders; the data directory still works.
    }
  }
  return {
    socketPath,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(infoFile, { force: true });
      rmSync(socketPath, { force: true });
      if (registryFile) rmSync(registryFile, { force: true });
    },
  };
}

function aliveInfo(file: string): ServerInfo | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
    process.kill(info.pid, 0);
    return existsSync(info.controlSocket) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The running embedded server of a data directory, if its process is alive. */
export function findRunningServer(dataDir: string): ServerInfo | undefined {
  return aliveInfo(serverInfoPath(dataDir));
}

/** Every running embedded server registered in the per-user state directory. */
export function registeredServers(stateDir: string): ServerInfo[] {
  const folder = path.join(stateDir, 'servers');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      const info = aliveInfo(path.join(folder, name));
      return info?.dataDir && findRunningServer(info.dataDir) ? [info] : [];
    });
}

/** How the CLI chose its data directory (printed with it, so the choice is never silent). */
export type DataDirSource = 'DATALIVE_DATA_DIR' | 'found' | 'running-server' | 'new';

/** The data directory a CLI command works on. */
export interface DataDirLocation {
  dir: string;
  source: DataDirSource;
  exists: boolean;
}

/** Name of the default data directory. */
export const DEFAULT_DATA_DIR_NAME = '.datalive';

/**
 * Finds the data directory the same way every time: `DATALIVE_DATA_DIR` when set; else the nearest
 * `.datalive` folder in the current directory or a parent (as git finds `.git`); else the data directory of
 * the one embedded server running for this user; else a new `./.datalive`. Several running servers and no
 * other hint is an error naming them.
 */
export function locateDataDir(
  env: { DATALIVE_DATA_DIR?: string | undefined },
  cwd: string,
  stateDir: string,
): DataDirLocation {
  if (env.DATALIVE_DATA_DIR) {
    const dir = path.resolve(cwd, env.DATALIVE_DATA_DIR);
    return { dir, source: 'DATALIVE_DATA_DIR', exists: existsSync(dir) };
  }
  for (let folder = path.resolve(cwd); ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, DEFAULT_DATA_DIR_NAME);
    if (isDirectory(candidate)) return { dir: candidate, source: 'found', exists: true };
    if (path.dirname(folder) === folder) break;
  }
  const running = registeredServers(stateDir);
  if (running.length === 1 && running[0]?.dataDir)
    return { dir: running[0].dataDir, source: 'running-server', exists: true };
  if (running.length > 1) {
    throw new Error(
      `${running.length} datalive servers are running (${running
        .map((info) => `${info.dataDir} pid ${info.pid}`)
        .join('; ')}); set DATALIVE_DATA_DIR to the one to use`,
    );
  }
  return { dir: path.resolve(cwd, DEFAULT_DATA_DIR_NAME), source: 'new', exists: false };
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

/** Paths under `dataDir` that group or others may read or write (mode bits beyond 0700 / 0600). */
export function looserThanOwnerOnly(dataDir: string, limit = 5_000): string[] {
  const loose: string[] = [];
  const visit = (target: string): void => {
    if (loose.length >= limit) return;
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(target);
    } catch {
      return;
    }
    if ((stats.mode & 0o077) !== 0) loose.push(target);
    if (stats.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  visit(dataDir);
  return loose;
}

/**
 * Makes the data directory owner-only: the directory tree 0700, files 0600. Returns how many paths were
 * tightened (files PGlite or DuckDB created before the process umask applied, or by an older version).
 */
export function restrictDataDir(dataDir: string): number {
  const loose = looserThanOwnerOnly(dataDir, Number.POSITIVE_INFINITY);
  for (const target of loose) {
    try {
      chmodSync(target, statSync(target).isDirectory() ? 0o700 : 0o600);
    } catch {
      // A file that vanished meanwhile (WAL segments) needs nothing.
    }
  }
  return loose.length;
}
