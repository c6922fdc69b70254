import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { testEnv } from './services.js';

/** `test-output/` at the repository root (ignored by git): screenshots and generated files. */
export const TEST_OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));

/** Creates (if needed) and returns a directory under `test-output/`. */
export function testOutputDir(...segments: string[]): string {
  const directory = path.join(TEST_OUTPUT_DIR, ...segments);
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** The real server on an ephemeral port of 127.0.0.1, with its environment and data directory. */
export interface TestServer {
  url: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  server: RunningServer;
  /** The local admin key created on first start. */
  adminKey(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the real server over HTTP (embedded PGlite and DuckDB in a fresh data directory) exactly as
 * `npm start` would, with silent logs. `SEED_DEMO=1` loads the demo warehouse and documents.
 */
export async function startTestServer(extra: Record<string, string> = {}): Promise<TestServer> {
  const env = testEnv({ PORT: '0', HOST: '127.0.0.1', ...extra });
  const dataDir = env.DATALIVE_DATA_DIR as string;
  const server = await startServer(env);
  let stopped = false;
  let adminKey: string | undefined;
  return {
    url: server.url,
    env,
    dataDir,
    server,
    async adminKey() {
      adminKey ??= await readOrCreateAdminKey(dataDir, env);
      return adminKey;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.shutdown('test');
    },
  };
}

/**
 * The server writes its bootstrap admin key to `<dataDir>/local-admin-key` when stderr is not a terminal
 * (CI). Run from a terminal it prints the key instead; then one is created through the CLI.
 */
async function readOrCreateAdminKey(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const file = path.join(dataDir, 'local-admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    interactive: false,
    out: (line) => void stdout.push(line),
    err: (line) => void stderr.push(line),
  };
  const code = await main(['keys', 'create', '--name', 'e2e-admin', '--scopes', 'admin', '--json'], io, env);
  if (code !== 0) throw new Error(`could not create an admin key: ${stderr.join('\n')}`);
  return (JSON.parse(stdout.join('\n')) as { api_key: string }).api_key;
}
