import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '../../src/adapters/local/hash-embedder.js';
import { type Database, openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { migrate } from '../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../src/adapters/postgres/rag-repository.js';
import { RagIndexService } from '../../src/domain/rag/index-service.js';
import { tempDir, testEnv } from '../support/services.js';
import { eventually, sleep, spawnTsx } from './helpers.js';

const WORDS =
  'pump compressor valve pressure flow separator trip alarm gas oil water well choke sensor'.split(' ');

/** A runbook large enough that writing its chunks takes seconds (hundreds of chunks). */
function bigRunbook(sections: number): string {
  let seed = 11;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return WORDS[seed % WORDS.length] as string;
  };
  const parts = ['# Compressor runbook\n\nVersion two: the long one.\n'];
  for (let section = 0; section < sections; section += 1) {
    parts.push(`\n## Step ${section}\n\n`);
    for (let paragraph = 0; paragraph < 3; paragraph += 1) {
      parts.push(`${Array.from({ length: 120 }, next).join(' ')}\n\n`);
    }
  }
  return parts.join('');
}

/**
 * Modification time of the newest WAL segment. Postgres flushes WAL when its buffers fill, so during the
 * insert of a ~2000-chunk document it changes long before the commit: the transaction is in progress.
 */
function walMtime(pgDir: string): number {
  const walDir = path.join(pgDir, 'pg_wal');
  return Math.max(
    ...readdirSync(walDir)
      .filter((name) => /^[0-9A-F]{24}$/.test(name))
      .map((name) => statSync(path.join(walDir, name)).mtimeMs),
  );
}

const ingest = (file: string, env: NodeJS.ProcessEnv) =>
  spawnTsx(
    [
      '--input-type=module',
      '-e',
      `const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['ingest', ${JSON.stringify(file)}, '--json']);`,
    ],
    env,
  );

/** Version one goes in through the same service the CLI uses, in this process (one tsx boot saved). */
async function ingestInProcess(pgDir: string, file: string): Promise<{ added: number; chunks: number }> {
  const database = await openEmbeddedDatabase(pgDir);
  try {
    await migrate(database.pool, { variables: { embedding_dimension: 384 } });
    const rag = new RagIndexService(
      new PgRagRepository(database.pool, 'rag_dev'),
      new HashEmbedder({ dimension: 384 }),
    );
    await rag.ensureCompatible();
    return await rag.ingestPaths([file]);
  } finally {
    await database.close();
  }
}

describe('datalive ingest killed mid-document (process level, embedded PGlite on disk)', () => {
  let db: Database | undefined;
  afterAll(async () => {
    await db?.close();
  });

  it('leaves the previous version of the document intact and the database usable after SIGKILL', async () => {
    const env = testEnv({ LOG_LEVEL: 'silent' });
    const dataDir = env.DATALIVE_DATA_DIR as string;
    const file = path.join(tempDir('datalive-ingest-'), 'compressor.md');
    writeFileSync(
      file,
      '# Compressor runbook\n\nVersion one.\n\n## Restart\n\nRestart the compressor after a trip.\n',
    );
    const pgDir = path.join(dataDir, 'pg');
    const v1 = await ingestInProcess(pgDir, file);
    expect(v1).toMatchObject({ added: 1 });

    writeFileSync(file, bigRunbook(1000));
    const before = walMtime(pgDir);
    const second = ingest(file, env);
    await eventually(async () => (walMtime(pgDir) > before ? true : undefined), 90_000);
    await sleep(700);
    const stillRunning = second.child.exitCode === null;
    second.child.kill('SIGKILL');
    expect(await second.exited).toBe('SIGKILL');
    expect(stillRunning, `the ingest finished before it could be killed:\n${second.output()}`).toBe(true);

    db = await openEmbeddedDatabase(pgDir);
    const { rows } = await db.pool.query<{ chunk_count: number; stored: string; title: string }>(
      `SELECT d.chunk_count, d.title, (SELECT count(*) FROM rag_dev.chunks c WHERE c.document_id = d.id)::text AS stored
         FROM rag_dev.documents d WHERE d.uri LIKE $1`,
      ['%compressor.md'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.chunk_count).toBe(v1.chunks);
    expect(Number(rows[0]?.stored)).toBe(v1.chunks);
    const text = await db.pool.query<{ text: string }>(
      `SELECT c.text FROM rag_dev.chunks c JOIN rag_dev.documents d ON d.id = c.document_id WHERE d.uri LIKE $1`,
      ['%compressor.md'],
    );
    expect(text.rows.map((row) => row.text).join('\n')).toContain('Version one');
    expect(text.rows.map((row) => row.text).join('\n')).not.toContain('Version two');
  }, 150_000);
});
