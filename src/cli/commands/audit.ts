import { parseArgs } from 'node:util';
import { isIsoDate } from '../../domain/dates.js';
import { toCsv } from '../../http/delivery.js';
import { ENVIRONMENTS } from '../../profiles.js';
import { type Command, UsageError } from '../command.js';
import { resourcesOf } from '../resources.js';

const COLUMNS = [
  'id',
  'created_at',
  'env',
  'key_id',
  'request_id',
  'question',
  'cited_ids',
  'abstained',
  'degraded',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'model',
  'prompt_version',
] as const;

/** `datalive audit export`: the explain audit trail, for quality review (JSON lines or CSV). */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'Export or prune the /rag/explain audit trail',
  usage:
    'datalive audit export [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--env E] [--format jsonl|csv]\n       datalive audit prune [--days N]',
  async run(context) {
    const { args, io, config } = context;
    const [action, ...rest] = args;
    if (action !== 'export' && action !== 'prune')
      throw new UsageError('use `audit export` or `audit prune`');
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        env: { type: 'string' },
        format: { type: 'string', default: 'jsonl' },
        days: { type: 'string' },
      },
    });
    for (const name of ['since', 'until'] as const) {
      const value = values[name];
      if (value !== undefined && !isIsoDate(value)) throw new UsageError(`--${name} must be YYYY-MM-DD`);
    }
    if (values.env && !(ENVIRONMENTS as readonly string[]).includes(values.env)) {
      throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
    }
    if (values.format !== 'jsonl' && values.format !== 'csv')
      throw new UsageError('--format must be jsonl or csv');
    const settings = config(values.env ? { DATALIVE_ENV: values.env } : {});
    const days = values.days === undefined ? settings.auditRetentionDays : Number(values.days);
    if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a positive integer');
    const lease = await resourcesOf(context).database(settings);
    const db = lease.value;
    try {
      if (action === 'prune') {
        const { rowCount } = await db.pool.query(
          'DELETE FROM explain_audit WHERE env = $1 AND created_at < now() - make_interval(days => $2)',
          [settings.env, days],
        );
        io.out(`pruned ${rowCount ?? 0} audit rows older than ${days} days`);
        return 0;
      }
      const { rows } = await db.pool.query<Record<(typeof COLUMNS)[number], unknown>>(
        `SELECT ${COLUMNS.join(', ')} FROM explain_audit
         WHERE env = $1 AND ($2::date IS NULL OR created_at >= $2::date) AND ($3::date IS NULL OR created_at < $3::date + 1)
         ORDER BY id`,
        [settings.env, values.since ?? null, values.until ?? null],
      );
      const normalised = rows.map((row) => ({
        ...row,
        id: Number(row.id),
        created_at: (row.created_at as Date).toISOString(),
        cited_ids: (row.cited_ids as string[]).join(' '),
      }));
      if (values.format === 'csv') io.out(toCsv(COLUMNS, normalised).trimEnd());
      else for (const row of normalised) io.out(JSON.stringify(row));
      return 0;
    } finally {
      await lease.release();
    }
  },
};
