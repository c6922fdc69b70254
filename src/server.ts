import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { activeAllocator } from './allocator.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { looserThanOwnerOnly, restrictDataDir, startControlPlane } from './control-plane.js';
import type { KeyService } from './domain/keys/key-service.js';
import { answerClientErrors, createGuardedServer, type RequestListener } from './http/client-errors.js';
import { answerLivenessProbes } from './http/liveness-listener.js';
import { createLogger } from './logger.js';
import { SCOPES } from './ports/key-store.js';
import { livenessAnswer } from './routes/health.js';
import { buildServices, type ServiceOverrides } from './services.js';

/** A running server and how to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded by the grace period), closes pools. */
  shutdown(reason: string): Promise<void>;
}

/** Boots services and serves the app; used by the process entry and by tests. */
export async function startServer(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ServiceOverrides = {},
): Promise<RunningServer> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const bootStarted = performance.now();
  if (config.database.mode === 'embedded' || config.warehouse.kind === 'duckdb')
    secureDataDir(config.dataDir, logger);
  const services = await buildServices(config, logger, overrides);
  if (config.database.mode === 'embedded' || config.warehouse.kind === 'duckdb')
    restrictDataDir(config.dataDir);
  const app = createApp(services);

  let draining = false;
  const server: ServerType = await new Promise((resolve) => {
    const instance = serve(
      {
        fetch: async (request: Request, env: Record<string, unknown>) => {
          const response = await app.fetch(request, env);
          if (draining) response.headers.set('Connection', 'close');
          return response;
        },
        port: config.port,
        hostname: config.host,
        createServer: ((options: ServerOptions, listener: RequestListener) =>
          createGuardedServer(
            options,
            answerLivenessProbes(listener, {
              answer: () => livenessAnswer(services),
              observe: services.metrics.observeRequest,
              active: () => !draining,
              varyOrigin: config.corsOrigins.length > 0,
            }),
          )) as typeof createGuardedServer,
        serverOptions: {
          headersTimeout: config.httpTimeouts.headersMs,
          requestTimeout: config.httpTimeouts.requestMs,
          connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.httpTimeouts.headersMs / 4)),
        },
      },
      () => resolve(instance),
    );
  });
  answerClientErrors(server as Server);
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;

  let controlPlane: Awaited<ReturnType<typeof startControlPlane>> | undefined;
  if (services.db.mode === 'embedded') {
    controlPlane = await startControlPlane(
      app,
      config.dataDir,
      { pid: process.pid, url, env: config.env },
      { stateDir: config.stateDir },
    );
    await bootstrapAdminKey(services.keys, { terminal: process.stderr, dataDir: config.dataDir, port });
  }

  logger.info(
    {
      url,
      env: config.env,
      warehouse: services.warehouse.kind,
      database: services.db.mode,
      allocator: activeAllocator(),
      boot_ms: Math.round(performance.now() - bootStarted),
    },
    'datalive api listening',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      logger.info({ reason }, 'shutting down: no new connections, finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      const deadline = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), config.shutdownGraceMs).unref(),
      );
      if ((await Promise.race([closed, deadline])) === 'timeout' && 'closeAllConnections' in server) {
        logger.warn({ grace_ms: config.shutdownGraceMs }, 'grace period over; closing remaining connections');
        server.closeAllConnections();
      }
      await controlPlane?.close();
      await services.close();
      if (config.database.mode === 'embedded' || config.warehouse.kind === 'duckdb')
        restrictDataDir(config.dataDir);
      logger.info('stopped');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    })();
    return stopping;
  };
  return { url, port, shutdown };
}

/**
 * Keeps the embedded stores owner-only (they hold the API keys' hashes and every warehouse row): files are
 * created under umask 077, the data directory is 0700, and anything looser found at boot (created by an
 * older version or another tool) is reported with a warning and tightened to 0700 / 0600. PGlite writes its
 * files 0666 whatever the umask, so the server tightens them again once the stores are open and at shutdown;
 * in between, the 0700 directories keep other users out.
 */
export function secureDataDir(dataDir: string, logger: Pick<Logger, 'warn'>): number {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const loose = looserThanOwnerOnly(dataDir);
  if (loose.length === 0) return 0;
  restrictDataDir(dataDir);
  logger.warn(
    {
      data_dir: dataDir,
      loose_paths: loose.length,
      examples: loose.slice(0, 3).map((target) => path.relative(dataDir, target) || '.'),
    },
    'data directory had files readable or writable by other users; set to owner-only (0700 directories, 0600 files)',
  );
  return loose.length;
}

/**
 * On the embedded default's first start (no active key in this environment), creates one local admin
 * key. On a terminal it is printed once, outside the JSON log; otherwise (CI, containers) it goes to an
 * owner-only file in the data directory so no log ever carries it.
 */
export async function bootstrapAdminKey(
  keys: KeyService,
  options: { terminal: NodeJS.WriteStream; dataDir: string; port: number },
): Promise<boolean> {
  if ((await keys.countActive()) > 0) return false;
  const created = await keys.create({ name: 'local-admin', scopes: SCOPES, rateTier: 'premium' });
  const hints = [
    `  Try:  curl -H "Authorization: Bearer <key>" http://127.0.0.1:${options.port}/insights`,
    '  More: npx datalive keys create --name powerbi --scopes insights:read',
  ];
  if (options.terminal.isTTY) {
    options.terminal.write(
      [
        '',
        '  DatAlive: created a local admin key. It is shown only now:',
        '',
        `    ${created.plaintext}`,
        '',
        ...hints,
        '',
      ].join('\n'),
    );
  } else {
    const file = path.join(options.dataDir, 'local-admin-key');
    writeFileSync(file, `${created.plaintext}\n`, { mode: 0o600 });
    options.terminal.write(
      [
        `DatAlive: created a local admin key; it is in ${file} (owner-only). Store it and delete the file.`,
        ...hints,
        '',
      ].join('\n'),
    );
  }
  return true;
}

/**
 * Runs the server as this process's job: starts it, shuts it down gracefully on SIGTERM or SIGINT, and
 * exits 78 on a configuration error or 1 on any other start failure.
 */
export async function runServerProcess(): Promise<void> {
  let running: RunningServer | undefined;
  let stopRequested: string | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopRequested = signal;
      if (running) void running.shutdown(signal).then(() => process.exit(0));
    });
  }
  try {
    running = await startServer();
    if (stopRequested) {
      await running.shutdown(stopRequested);
      process.exit(0);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`datalive: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`datalive: failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isEntry) void runServerProcess();
