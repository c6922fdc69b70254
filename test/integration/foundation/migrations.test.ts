import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, migrate } from '../../../src/adapters/postgres/migrate.js';
import {
  adminQuery,
  createScratchDatabase,
  openPgliteWithoutVector,
  openTestDatabase,
  TEST_DATABASE,
} from '../../support/postgres.js';

const PLAIN_MIGRATIONS = fileURLToPath(new URL('../../fixtures/migrations-plain/', import.meta.url));
const variables = { embedding_dimension: 8 };

/** Suites whose database does not depend on the project are defined in one project only. */
function describeIn(project: typeof TEST_DATABASE, title: string, body: () => void): void {
  if (TEST_DATABASE === project) describe(title, body);
}

describe(`migrations on ${TEST_DATABASE === 'pglite' ? 'the embedded PGlite' : 'PostgreSQL 15'} + pgvector through pg`, () => {
  it('applies every migration on a fresh database, then finds nothing to do', async () => {
    const db = await openTestDatabase();
    try {
      const first = await migrate(db.pool, { variables });
      expect(first.applied).toEqual([
        '0001_vector_extension',
        '0002_api_keys',
        '0003_rag_indexes',
        '0004_explain_audit',
      ]);
      const second = await migrate(db.pool, { variables });
      expect(second).toEqual({ applied: [], alreadyApplied: 4 });

      const { rows } = await db.pool.query<{ schema_name: string }>(
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'rag_%' ORDER BY 1",
      );
      expect(rows.map((row) => row.schema_name)).toEqual(['rag_dev', 'rag_prod', 'rag_qa']);

      const document = await db.pool.query<{ id: string }>(
        "INSERT INTO rag_dev.documents (uri, title, doc_type, format, content_hash) VALUES ('u', 't', 'runbook', 'markdown', 'h') RETURNING id",
      );
      const documentId = document.rows[0]?.id;
      for (const [ordinal, embedding] of [
        '[1,0,0,0,0,0,0,0]',
        '[0,1,0,0,0,0,0,0]',
        '[0.9,0.1,0,0,0,0,0,0]',
      ].entries()) {
        await db.pool.query(
          `INSERT INTO rag_dev.chunks (document_id, ordinal, title, text, span, content_hash, doc_type, token_count, embedding)
           VALUES ($1, $2, 't', 'compressor trip CMP-TRIP', '{"startLine":1,"endLine":2}', 'h', 'runbook', 3, $3)`,
          [documentId, ordinal, embedding],
        );
      }
      const nearest = await db.pool.query<{ ordinal: number; distance: number }>(
        'SELECT ordinal, embedding <=> $1 AS distance FROM rag_dev.chunks ORDER BY embedding <=> $1 LIMIT 2',
        ['[1,0,0,0,0,0,0,0]'],
      );
      expect(nearest.rows.map((row) => row.ordinal)).toEqual([0, 2]);
      expect(nearest.rows[0]?.distance).toBeCloseTo(0, 6);

      const fullText = await db.pool.query(
        "SELECT count(*)::int AS n FROM rag_dev.chunks WHERE tsv_simple @@ to_tsquery('simple', 'cmp-trip')",
      );
      expect(fullText.rows[0]).toEqual({ n: 3 });
    } finally {
      await db.close();
    }
  });
});

describe(`${TEST_DATABASE === 'pglite' ? 'embedded PGlite' : 'PostgreSQL 15'} over the wire protocol`, () => {
  it('keeps answering correctly after a failed statement', async () => {
    const db = await openTestDatabase();
    try {
      await expect(db.pool.query('SELECT * FROM no_such_table')).rejects.toThrow(/does not exist/);
      for (const value of [1, 2, 3]) {
        const { rows } = await db.pool.query<{ x: number }>('SELECT $1::int AS x', [value]);
        expect(rows).toEqual([{ x: value }]);
      }
    } finally {
      await db.close();
    }
  });
});

describeIn('postgres', 'migrations on the machine PostgreSQL 15', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('serialises two concurrent migrators with an advisory lock', async () => {
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: scratch.url, max: 2 }));
    try {
      const reports = await Promise.all(pools.map((pool) => migrate(pool, { directory: PLAIN_MIGRATIONS })));
      const appliedCounts = reports.map((report) => report.applied.length).sort();
      expect(appliedCounts).toEqual([0, 2]);
      const recorded = await pools[0]?.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(recorded?.rows).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('says that pgvector must be created by a superuser when the role may not create it', async () => {
    const bare = await createScratchDatabase();
    const role = `${bare.name}_app`;
    const admin = new pg.Client({ connectionString: bare.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT CREATE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT CREATE ON DATABASE ${bare.name} TO ${role}`);
    const url = new URL(bare.url);
    url.username = role;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      const failure = await migrate(pool, { variables }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as Error).message).toMatch(
        /pgvector extension is installed on this PostgreSQL server but not created in this database, and this role may not create it/,
      );
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'",
      );
      expect(rows[0]).toEqual({ n: 0 });
    } finally {
      await pool.end();
      await admin.end();
      await bare.drop();
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});

describeIn('pglite', 'migrations on a PostgreSQL without pgvector', () => {
  it('says exactly that pgvector is missing and records nothing', async () => {
    const bare = await openPgliteWithoutVector();
    try {
      const failure = await migrate(bare.pool, { variables }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as Error).message).toMatch(
        /pgvector extension is not installed on this PostgreSQL server/,
      );
      const { rows } = await bare.pool.query(
        "SELECT count(*)::int AS n FROM schema_migrations WHERE name = 'vector_extension'",
      );
      expect(rows[0]).toEqual({ n: 0 });
    } finally {
      await bare.close();
    }
  });
});
