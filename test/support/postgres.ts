import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL server (no pgvector), as CI provides it. */
export const LOCAL_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a throwaway database on the local PostgreSQL server and returns its URL and a drop function. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `datalive_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(LOCAL_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
