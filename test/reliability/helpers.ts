import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Agent, request as httpRequest } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type pg from 'pg';
import { PostgresKeyStore } from '../../src/adapters/postgres/key-store.js';
import { KeyService } from '../../src/domain/keys/key-service.js';
import type { Scope } from '../../src/ports/key-store.js';

/** One HTTP exchange with its wall time. */
export interface Timed {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

/** `fetch` that never throws for HTTP errors and records how long the exchange took. */
export async function timedFetch(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

/** Polls `probe` until it returns a value, or fails after `withinMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await sleep(50);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a brand-new TCP connection (no pooled keep-alive socket) and sends one GET; resolves with the
 * status or rejects with the connection error (ECONNREFUSED once the server stopped listening).
 */
export function freshGet(url: string, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

/** How the proxy treats connections. */
export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A TCP proxy on 127.0.0.1 in front of a TCP port or a Unix socket, so a test can cut a dependency and
 * restore it on the same address: `refuse` stops listening and resets every open connection (the server
 * is gone), `blackhole` accepts connections and never answers (a hung server or a dropped route).
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: ProxyMode = 'forward';

  private constructor(
    private readonly target: { path: string } | { host: string; port: number },
    public port: number,
  ) {}

  /** Starts forwarding to `target` on a free port. */
  static async start(target: { path: string } | { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Switches mode; `refuse` closes the listener and resets every connection, the others re-listen. */
  async set(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse') {
      for (const socket of this.sockets) socket.resetAndDestroy();
      this.sockets.clear();
      await this.closeListener();
      return;
    }
    if (mode === 'blackhole') {
      for (const socket of this.sockets) socket.resetAndDestroy();
      this.sockets.clear();
    }
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await this.closeListener();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.port = address.port;
    this.server = server;
  }

  private async closeListener(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    if (this.mode !== 'forward') return;
    const upstream =
      'path' in this.target ? createConnection(this.target.path) : createConnection(this.target);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** A child process with its captured output. */
export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Spawns `node --import tsx <args>` from the repository root with captured stdout + stderr. */
export function spawnTsx(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => output, exited };
}

/** The pepper `testEnv()` configures, so a test can issue keys the server accepts. */
export const TEST_PEPPER = 'test-pepper-0123456789abcdef0123456789';

/** Issues a key directly in the (already migrated) database a running test server uses. */
export async function issueKey(
  pool: pg.Pool,
  input: { name: string; scopes: Scope[]; rateTier?: 'standard' | 'premium' },
): Promise<string> {
  const keys = new KeyService(new PostgresKeyStore(pool), {
    env: 'dev',
    pepper: TEST_PEPPER,
    cacheTtlMs: 30_000,
  });
  return (await keys.create(input)).plaintext;
}

/** Rate limits high enough that load in a test is never limited by quota. */
export const HIGH_LIMITS = JSON.stringify({
  premium: {
    insights: { limit: 100_000_000, periodSeconds: 60 },
    rag: { limit: 100_000_000, periodSeconds: 60 },
    admin: { limit: 100_000_000, periodSeconds: 60 },
  },
});

/** GET through a given (keep-alive) agent; resolves with status, `Connection` header and body. */
export function agentGet(
  url: string,
  agent: Agent,
  headers: Record<string, string> = {},
): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}
