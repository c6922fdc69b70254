import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WAREHOUSE_DDL } from '../../src/adapters/duckdb/schema.js';

const SNOWFLAKE_DDL = readFileSync('migrations/snowflake/0001_analytics_tables.sql', 'utf8');

type Columns = Map<string, string>;

/** Table name → column name → declared type and modifiers, from `CREATE TABLE` statements. */
function tables(ddl: string, prefix: RegExp): Map<string, Columns> {
  const found = new Map<string, Columns>();
  const statement = /CREATE TABLE IF NOT EXISTS (\S+) \(([\s\S]*?)\n\s*\)/g;
  for (const [, qualified, body] of ddl.matchAll(statement)) {
    const name = (qualified as string).replace(prefix, '');
    const columns: Columns = new Map();
    for (const line of (body as string).split('\n').map((text) => text.trim().replace(/,$/, ''))) {
      if (!line) continue;
      const [column, ...rest] = line.split(/\s+/);
      columns.set(column as string, rest.join(' '));
    }
    found.set(name, columns);
  }
  return found;
}

const duckdb = tables(WAREHOUSE_DDL.join('\n'), /^analytics\./);
const snowflake = tables(SNOWFLAKE_DDL, /^&\{database\}\.&\{schema\}\./);

const SNOWFLAKE_TYPE: Record<string, RegExp> = {
  VARCHAR: /^VARCHAR COLLATE 'utf8'/,
  DATE: /^DATE/,
  DOUBLE: /^DOUBLE/,
  TIMESTAMP: /^TIMESTAMP_NTZ/,
  BIGINT: /^NUMBER\(38, 0\)/,
};

describe('migrations/snowflake DDL', () => {
  it('declares the same tables and columns as the embedded warehouse, in the configured database and schema', () => {
    expect([...snowflake.keys()].sort()).toEqual([...duckdb.keys()].sort());
    expect([...snowflake.keys()]).toContain('load_metadata');
    for (const [table, columns] of duckdb) {
      expect([...(snowflake.get(table)?.keys() ?? [])], table).toEqual([...columns.keys()]);
      for (const [column, declared] of columns) {
        const type = declared.split(' ')[0] as string;
        const pattern = SNOWFLAKE_TYPE[type];
        expect(pattern, `${table}.${column}: ${type}`).toBeDefined();
        expect(snowflake.get(table)?.get(column), `${table}.${column}`).toMatch(pattern as RegExp);
        expect(snowflake.get(table)?.get(column)?.includes('NOT NULL'), `${table}.${column}`).toBe(
          declared.includes('NOT NULL') || declared.includes('PRIMARY KEY'),
        );
      }
    }
  });

  it('gives every text column binary collation, whatever the schema default (ADR 0012)', () => {
    const text = [...snowflake.values()].flatMap((columns) =>
      [...columns.values()].filter((declared) => declared.startsWith('VARCHAR')),
    );
    expect(text.length).toBeGreaterThan(20);
    expect(text.every((declared) => declared.startsWith("VARCHAR COLLATE 'utf8'"))).toBe(true);
  });

  it('is idempotent and never names a fixed database or schema', () => {
    const statements = SNOWFLAKE_DDL.replace(/--.*$/gm, '')
      .split(';')
      .map((statement) => statement.trim())
      .filter(Boolean);
    expect(statements).toHaveLength(8);
    for (const statement of statements) {
      expect(statement).toMatch(/^CREATE (SCHEMA|TABLE) IF NOT EXISTS &\{database\}\.&\{schema\}/);
    }
  });
});
