import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { LOCAL_POSTGRES_URL } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Run id in the names of the `postgres` project's scratch databases. */
    postgresRun: string;
  }
}

/** pgvector version the suites expect on the real server: the one Aurora PostgreSQL 16 offers. */
const PGVECTOR_VERSION = '0.8.0';

/**
 * Global setup of the vitest project `postgres`: checks that the real PostgreSQL server answers and offers
 * pgvector 0.8.0 (failing with the fix otherwise), hands the workers a run id for their scratch databases,
 * and drops every database of this run that a suite left behind.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = randomBytes(4).toString('hex');
  const admin = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
  await admin.connect().catch((error: Error) => {
    throw new Error(`project "postgres" needs PostgreSQL at ${redact(LOCAL_POSTGRES_URL)}: ${error.message}`);
  });
  try {
    const { rows } = await admin.query<{ default_version: string }>(
      "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'",
    );
    const version = rows[0]?.default_version;
    if (version !== PGVECTOR_VERSION) {
      throw new Error(
        `project "postgres" needs pgvector ${PGVECTOR_VERSION} on ${redact(LOCAL_POSTGRES_URL)} (found ${version ?? 'none'}): run \`bash scripts/pretest.sh\` as root`,
      );
    }
  } finally {
    await admin.end();
  }
  project.provide('postgresRun', run);
  return async () => {
    const client = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`datalive_test_${run}_%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
