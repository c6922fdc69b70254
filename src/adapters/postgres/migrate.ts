import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** Default folder of numbered SQL migrations, resolved from the package root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Lock id for `pg_advisory_lock`, shared by every process migrating the same database. */
const MIGRATION_LOCK_ID = 7_361_224_019;
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Values substituted for `{{name}}` placeholders in migration files. */
export type MigrationVariables = Record<string, string | number>;

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** What a migration run did. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/** Raised when migrating fails; `message` says what to do. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads and orders the migration files, substituting `{{placeholders}}`. */
export async function loadMigrations(
  directory: string = MIGRATIONS_DIR,
  variables: MigrationVariables = {},
): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => MIGRATION_FILE.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const [, version, name] = MIGRATION_FILE.exec(file) as RegExpExecArray;
    const template = await readFile(path.join(directory, file), 'utf8');
    const sql = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = variables[key];
      if (value === undefined) throw new MigrationError(`migration ${file} needs the variable ${key}`);
      return String(value);
    });
    migrations.push({
      version: Number(version),
      name: name as string,
      sql,
      checksum: createHash('sha256').update(template).digest('hex'),
    });
  }
  const versions = new Set<number>();
  for (const migration of migrations) {
    if (versions.has(migration.version))
      throw new MigrationError(`duplicate migration version ${migration.version}`);
    versions.add(migration.version);
  }
  return migrations;
}

/**
 * Applies pending migrations in order, each in its own transaction, recorded in `schema_migrations`.
 * A session-level advisory lock makes concurrent starts safe: the second process waits, then finds
 * nothing to do. An edited, already-applied migration is refused.
 */
export async function migrate(
  pool: pg.Pool,
  options: { directory?: string; variables?: MigrationVariables; onApplied?: (name: string) => void } = {},
): Promise<MigrationReport> {
  const migrations = await loadMigrations(options.directory, options.variables);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
      );
      const applied = new Map(rows.map((row) => [row.version, row]));
      const report: MigrationReport = { applied: [], alreadyApplied: 0 };
      for (const migration of migrations) {
        const previous = applied.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${label(migration)} was edited after it was applied; add a new migration instead`,
            );
          }
          report.alreadyApplied += 1;
          continue;
        }
        await applyOne(client, migration);
        report.applied.push(label(migration));
        options.onApplied?.(migration.name);
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function applyOne(client: pg.PoolClient, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw explain(migration, error);
  }
}

function explain(migration: Migration, error: unknown): MigrationError {
  const message = (error as Error).message ?? String(error);
  if (
    /extension "vector"/.test(message) &&
    /(not available|could not open extension control file)/.test(message)
  ) {
    return new MigrationError(
      `migration ${label(migration)} failed: the pgvector extension is not installed on this PostgreSQL server. Install pgvector (Aurora PostgreSQL ships it; elsewhere build it from source, see scripts/pretest.d/20-pgvector.sh) or unset DATABASE_URL to use the embedded PGlite with pgvector.`,
      { cause: error },
    );
  }
  if (/permission denied to create extension "vector"/.test(message)) {
    return new MigrationError(
      `migration ${label(migration)} failed: the pgvector extension is installed on this PostgreSQL server but not created in this database, and this role may not create it. Run CREATE EXTENSION vector once as a superuser (on Aurora, a member of rds_superuser), then migrate again.`,
      { cause: error },
    );
  }
  return new MigrationError(`migration ${label(migration)} failed: ${message}`, { cause: error });
}

function label(migration: Migration): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}
