import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { type RunningServer, startServer } from '../../../src/server.js';
import { captureIo } from '../../support/cli.js';
import { tempDir, testEnv } from '../../support/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VOLVE_CSV = path.join(ROOT, '../shared/data/volve/volve_daily_production.csv');
const VOLVE_MAPPING = path.join(ROOT, 'docs/examples/volve.mapping.yaml');
const RUNBOOKS = path.join(ROOT, 'data/demo/runbooks');

const running: RunningServer[] = [];
afterAll(async () => {
  for (const server of running) await server.shutdown('test');
});

async function run(argv: string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
  const io = captureIo();
  const code = await main(argv, io, env, { cwd });
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

async function get(server: RunningServer, dataDir: string, pathAndQuery: string) {
  const key = readFileSync(path.join(dataDir, 'local-admin-key'), 'utf8').trim();
  return fetch(`${server.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${key}` } });
}

describe('a user load, then the server', () => {
  it('starts on a warehouse holding the Volve load and serves it without the demo', async () => {
    const env = testEnv({ PORT: '0', HOST: '127.0.0.1', SEED_DEMO: '1' });
    const dataDir = env.DATALIVE_DATA_DIR as string;
    const load = await run(['load-csv', '--mapping', VOLVE_MAPPING, VOLVE_CSV], env);
    expect(load.code, load.err).toBe(0);
    expect(load.err).toContain(`data directory ${dataDir} (from DATALIVE_DATA_DIR)`);

    const server = await startServer(env);
    running.push(server);
    const daily = await get(server, dataDir, '/insights/daily?from=2010-03-15&to=2010-03-15&product=oil');
    expect(daily.status).toBe(200);
    const rows = (
      (await daily.json()) as { data: Array<{ asset_id: string; actual_volume: number; unit: string }> }
    ).data;
    expect(rows.find((row) => row.asset_id === '15/9-F-12')).toMatchObject({
      actual_volume: 3860.92,
      unit: 'Sm3',
    });
    const catalog = (await (await get(server, dataDir, '/insights')).json()) as {
      dimensions: Array<{ name: string; members?: Array<{ id: string }> }>;
    };
    const sites = catalog.dimensions
      .find((dimension) => dimension.name === 'site')
      ?.members?.map((m) => m.id);
    expect(sites).toEqual(['VOLVE']);

    const again = await run(['load-csv', '--mapping', VOLVE_MAPPING, VOLVE_CSV, '--json'], env);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/server pid \d+ running/);
    expect(JSON.parse(again.out)).toMatchObject({ status: 'loaded', rowsLoaded: 33956, rowsReplaced: 33956 });

    const seed = await run(['seed-demo'], env);
    expect(seed.code).toBe(1);
    expect(seed.err).toMatch(/holds loaded data .*nothing was written/);

    const backtest = await run(
      ['backtest', '--series', 'asset:15/9-F-12', '--horizons', '7', '--step', '90', '--json'],
      env,
    );
    expect(backtest.code, backtest.err).toBe(0);
    expect(JSON.parse(backtest.out)).toMatchObject({ product: 'oil', as_of: '2016-12-01' });
  });
});

describe('every command while the embedded server runs', () => {
  it('runs ingest, reembed, seed-demo, audit export and migrate inside the server', async () => {
    const env = testEnv({ PORT: '0', HOST: '127.0.0.1', SEED_DEMO: '1' });
    const dataDir = env.DATALIVE_DATA_DIR as string;
    const server = await startServer(env);
    running.push(server);

    const docs = tempDir('datalive-docs-');
    cpSync(RUNBOOKS, path.join(docs, 'runbooks'), { recursive: true });
    const ingest = await run(['ingest', 'runbooks', '--json'], env, docs);
    expect(ingest.code, ingest.err).toBe(0);
    expect(JSON.parse(ingest.out)).toMatchObject({ updated: 0, removed: 0 });

    const reembed = await run(['reembed'], env);
    expect(reembed.code, reembed.err).toBe(0);
    expect(reembed.out).toMatch(/rag_dev: \d+ chunks re-embedded/);

    const refresh = await run(['seed-demo', '--end-date', '2026-06-30'], env);
    expect(refresh.code, refresh.err).toBe(0);
    expect(refresh.out).toContain('demo data replaced');
    const catalog = (await (await get(server, dataDir, '/insights')).json()) as { data: { as_of: string } };
    expect(catalog.data.as_of).toBe('2026-06-30');
    const invalid = await run(['seed-demo', '--end-date', '2026-13-05'], env);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('--end-date must be a calendar date');

    const explain = await fetch(`${server.url}/rag/explain`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${readFileSync(path.join(dataDir, 'local-admin-key'), 'utf8').trim()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ question: 'Why was Site B under plan yesterday?' }),
    });
    expect(explain.status).toBe(200);
    const audit = await run(['audit', 'export'], env);
    expect(audit.code, audit.err).toBe(0);
    expect(audit.out.split('\n').map((line) => JSON.parse(line).question)).toEqual([
      'Why was Site B under plan yesterday?',
    ]);

    const migrate = await run(['migrate'], env);
    expect(migrate.code, migrate.err).toBe(0);
    expect(migrate.out).toMatch(/up to date/);

    const otherEnv = await run(['audit', 'export', '--env', 'qa'], env);
    expect(otherEnv.code).toBe(1);
    expect(otherEnv.err).toContain('serves dev, not qa');

    const publicPort = await fetch(`${server.url}/control/commands/migrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args: [], cwd: '/' }),
    });
    expect(publicPort.status).toBe(404);
  });
});

describe('finding the data directory', () => {
  it('uses the nearest .datalive, else the one running server, and never creates a database silently', async () => {
    const stateDir = tempDir('datalive-state-');
    const project = tempDir('datalive-project-');
    const dataDir = path.join(project, '.datalive');
    const env = {
      ...testEnv({ PORT: '0', HOST: '127.0.0.1' }),
      DATALIVE_DATA_DIR: dataDir,
      DATALIVE_STATE_DIR: stateDir,
    };
    const server = await startServer(env);
    running.push(server);
    const { DATALIVE_DATA_DIR: _unused, ...withoutDir } = env;

    const nested = path.join(project, 'reports', '2026');
    mkdirSync(nested, { recursive: true });
    const fromChild = await run(['keys', 'list', '--json'], withoutDir, nested);
    expect(fromChild.code, fromChild.err).toBe(0);
    expect(fromChild.err).toContain(`data directory ${dataDir} (found from the current folder; server pid`);

    const elsewhere = tempDir('datalive-elsewhere-');
    const fromElsewhere = await run(['keys', 'list', '--json'], withoutDir, elsewhere);
    expect(fromElsewhere.code, fromElsewhere.err).toBe(0);
    expect(fromElsewhere.err).toContain(`data directory ${dataDir} (of the running server`);
    expect(JSON.parse(fromElsewhere.out).map((key: { name: string }) => key.name)).toContain('local-admin');

    const lonely = await run(
      ['keys', 'create', '--name', 'x', '--scopes', 'admin'],
      {
        ...withoutDir,
        DATALIVE_STATE_DIR: tempDir('datalive-state-'),
      },
      elsewhere,
    );
    expect(lonely.code).toBe(1);
    expect(lonely.err).toContain(`no data directory at ${path.join(elsewhere, '.datalive')}`);
  });
});
