import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { startServer } from '../../../src/server.js';
import { captureIo } from '../../support/cli.js';
import { testEnv } from '../../support/services.js';

describe('datalive keys', () => {
  it('manages keys through the running embedded server, then directly once it has stopped', async () => {
    const env = testEnv({ PORT: '0', HOST: '127.0.0.1' });
    const server = await startServer(env);
    let stopped = false;
    try {
      const create = captureIo();
      const code = await main(
        [
          'keys',
          'create',
          '--name',
          'powerbi',
          '--scopes',
          'insights:read',
          '--tier',
          'powerbi',
          '--expires',
          '30d',
          '--json',
        ],
        create,
        env,
      );
      expect(code, create.stderr.join('\n')).toBe(0);
      const created = JSON.parse(create.stdout.join('\n')) as {
        key: { id: string; scopes: string[] };
        api_key: string;
      };
      expect(created.key.scopes).toEqual(['insights:read']);

      const admin = captureIo();
      await main(['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json'], admin, env);
      const adminKey = (JSON.parse(admin.stdout.join('\n')) as { api_key: string }).api_key;
      const listed = await fetch(`${server.url}/admin/keys`, {
        headers: { Authorization: `Bearer ${adminKey}` },
      });
      expect(listed.status).toBe(200);
      const names = ((await listed.json()) as { data: Array<{ name: string }> }).data.map((key) => key.name);
      expect(names).toEqual(expect.arrayContaining(['powerbi', 'ops', 'local-admin']));

      const revoke = captureIo();
      expect(await main(['keys', 'revoke', created.key.id], revoke, env)).toBe(0);
      expect(revoke.stdout.join('\n')).toContain(`revoked ${created.key.id}`);

      await server.shutdown('test');
      stopped = true;
      const list = captureIo();
      expect(await main(['keys', 'list', '--json'], list, env)).toBe(0);
      const keys = JSON.parse(list.stdout.join('\n')) as Array<{ id: string; status: string }>;
      expect(keys.find((key) => key.id === created.key.id)?.status).toBe('revoked');
      expect(JSON.stringify(keys)).not.toContain(created.api_key);
    } finally {
      if (!stopped) await server.shutdown('test');
    }
  });

  it('explains wrong usage with exit code 2', async () => {
    const io = captureIo();
    expect(await main(['keys', 'create', '--name', 'x', '--scopes', 'root'], io, testEnv())).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown scope "root"/);
    const bad = captureIo();
    expect(
      await main(['keys', 'create', '--name', 'x', '--scopes', 'admin', '--expires', 'soon'], bad, testEnv()),
    ).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/--expires must look like/);
  });
});

describe('datalive audit', () => {
  it('exports explain calls as JSON lines and CSV', async () => {
    const env = testEnv({ PORT: '0', HOST: '127.0.0.1', SEED_DEMO: '1' });
    const server = await startServer(env);
    try {
      const { readFileSync } = await import('node:fs');
      const key = readFileSync(`${env.DATALIVE_DATA_DIR}/local-admin-key`, 'utf8').trim();
      for (const question of ['Why was Site B under plan yesterday?', 'What is the capital of France?']) {
        const response = await fetch(`${server.url}/rag/explain`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ question }),
        });
        expect(response.status).toBe(200);
      }
    } finally {
      await server.shutdown('test');
    }
    const jsonl = captureIo();
    expect(await main(['audit', 'export'], jsonl, env)).toBe(0);
    const rows = jsonl.stdout.map(
      (line) => JSON.parse(line) as { question: string; abstained: boolean; cited_ids: string },
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]?.abstained).toBe(false);
    expect(rows[0]?.cited_ids).toMatch(/D1/);
    expect(rows[1]?.abstained).toBe(true);
    const csv = captureIo();
    expect(await main(['audit', 'export', '--format', 'csv'], csv, env)).toBe(0);
    expect(csv.stdout.join('\n').split('\r\n')[0]).toMatch(/^id,created_at,env,key_id/);
    const bad = captureIo();
    expect(await main(['audit', 'export', '--since', 'yesterday'], bad, env)).toBe(2);
  });
});
