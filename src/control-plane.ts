import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
}

/** Location of the server info file in a data directory. */
export const serverInfoPath = (dataDir: string): string => path.join(dataDir, 'server.json');

/**
 * Serves the same app on an owner-only Unix socket in the data directory. The embedded PGlite admits
 * one process, so the CLI manages keys of a running embedded server through this socket; file
 * permissions (0600) are the authentication, as for the Docker socket.
 */
export async function startControlPlane(app: App, dataDir: string, info: Omit<ServerInfo, 'controlSocket'>) {
  const socketPath = path.join(dataDir, 'control.sock');
  if (existsSync(socketPath)) rmSync(socketPath);
  const server = createAdaptorServer({
    fetch: (request: Request, env: Record<string, unknown>) =>
      app.fetch(request, { ...env, controlPlane: true }),
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  const infoFile = serverInfoPath(dataDir);
  writeFileSync(
    infoFile,
    JSON.stringify({ ...info, controlSocket: socketPath } satisfies ServerInfo, null, 2),
    {
      mode: 0o600,
    },
  );
  return {
    socketPath,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(infoFile, { force: true });
      rmSync(socketPath, { force: true });
    },
  };
}

/** The running embedded server of a data directory, if its process is alive. */
export function findRunningServer(dataDir: string): ServerInfo | undefined {
  const file = serverInfoPath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
    process.kill(info.pid, 0);
    return existsSync(info.controlSocket) ? info : undefined;
  } catch {
    return undefined;
  }
}
