import { parseArgs } from 'node:util';
import { SCOPES, type Scope } from '../../ports/key-store.js';
import { ENVIRONMENTS, RATE_TIERS, type RateTier } from '../../profiles.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { type KeyView, openKeyAdmin } from '../key-admin.js';
import { terminalSafe } from '../terminal-text.js';

const USAGE = `datalive keys create --name NAME --scopes a,b [--env E] [--expires 90d|never] [--tier T] [--sites A,B] [--json]
       datalive keys list [--env E] [--json]
       datalive keys revoke ID [--env E]
       datalive keys rotate ID [--grace 24h] [--env E] [--json]

Scopes: ${SCOPES.join(', ')}. Tiers: ${RATE_TIERS.join(', ')}.`;

/** Parses `90d`, `12h` or `never` into days (hours are rounded up to a whole day). */
export function parseExpiry(text: string): number | null {
  if (text === 'never') return null;
  const match = /^(\d+)([dh])$/.exec(text);
  if (!match) throw new UsageError(`--expires must look like 90d, 48h or never (got "${text}")`);
  const value = Number(match[1]);
  const days = match[2] === 'd' ? value : Math.ceil(value / 24);
  if (days < 1 || days > 3650) throw new UsageError('--expires must be between 1 day and 3650 days');
  return days;
}

function parseGraceHours(text: string): number {
  const match = /^(\d+)([hd])$/.exec(text);
  if (!match) throw new UsageError(`--grace must look like 24h or 2d (got "${text}")`);
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1);
}

function parseScopes(text: string | undefined): Scope[] {
  if (!text) throw new UsageError('--scopes is required');
  const scopes = text.split(',').map((scope) => scope.trim());
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`unknown scope "${scope}"; choose from ${SCOPES.join(', ')}`);
    }
  }
  return scopes as Scope[];
}

function printTable(io: CliIo, keys: KeyView[]): void {
  if (keys.length === 0) {
    io.out('no keys');
    return;
  }
  const rows = keys.map((key) => [
    key.id,
    terminalSafe(key.name),
    key.display_prefix,
    key.status,
    key.scopes.join(','),
    key.rate_tier,
    key.expires_at?.slice(0, 10) ?? 'never',
    key.last_used_at?.slice(0, 16) ?? '-',
  ]);
  const header = ['ID', 'NAME', 'PREFIX', 'STATUS', 'SCOPES', 'TIER', 'EXPIRES', 'LAST USED'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of [header, ...rows])
    io.out(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

/** `datalive keys …`: create, list, revoke and rotate API keys (works while the embedded server runs). */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'Create, list, revoke and rotate API keys',
  usage: USAGE,
  async run({ args, io, config }) {
    const [action, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        env: { type: 'string' },
        expires: { type: 'string', default: '90d' },
        tier: { type: 'string', default: 'standard' },
        sites: { type: 'string' },
        grace: { type: 'string', default: '24h' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values.env && !(ENVIRONMENTS as readonly string[]).includes(values.env)) {
      throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
    }
    if (!(RATE_TIERS as readonly string[]).includes(values.tier)) {
      throw new UsageError(`--tier must be one of ${RATE_TIERS.join(', ')}`);
    }
    const needsId = action === 'revoke' || action === 'rotate';
    if (needsId && positionals.length !== 1) throw new UsageError(`keys ${action} takes exactly one key id`);
    if (!['create', 'list', 'revoke', 'rotate'].includes(action ?? '')) {
      throw new UsageError(`unknown keys action "${action ?? ''}"; use create, list, revoke or rotate`);
    }
    const creation =
      action === 'create'
        ? {
            name:
              values.name?.trim() ||
              (() => {
                throw new UsageError('--name is required');
              })(),
            scopes: parseScopes(values.scopes),
            rateTier: values.tier as RateTier,
            sites: values.sites
              ? values.sites
                  .split(',')
                  .map((site) => site.trim())
                  .filter(Boolean)
              : null,
            expiresInDays: parseExpiry(values.expires),
          }
        : undefined;
    const graceHours = action === 'rotate' ? parseGraceHours(values.grace) : 0;

    const admin = await openKeyAdmin(config(values.env ? { DATALIVE_ENV: values.env } : {}));
    try {
      if (creation) {
        const created = await admin.create(creation);
        if (values.json) io.out(JSON.stringify(created, null, 2));
        else {
          io.out(
            `created ${created.key.id} (${terminalSafe(created.key.name)}) in ${created.key.env}, expires ${created.key.expires_at ?? 'never'}`,
          );
          io.out('the key is shown only now; store it in your secret manager:');
          io.out(created.api_key);
        }
        return 0;
      }
      if (action === 'list') {
        const keys = await admin.list();
        if (values.json) io.out(JSON.stringify(keys, null, 2));
        else printTable(io, keys);
        return 0;
      }
      const id = positionals[0] as string;
      if (action === 'revoke') {
        const revoked = await admin.revoke(id);
        if (!revoked) {
          io.err(`no key ${id} in this environment`);
          return 1;
        }
        io.out(
          `revoked ${revoked.id} (${terminalSafe(revoked.name)}); effective within the verification cache bound (≤ 30 s)`,
        );
        return 0;
      }
      const rotated = await admin.rotate(id, graceHours);
      if (!rotated) {
        io.err(`no active key ${id} in this environment`);
        return 1;
      }
      if (values.json) io.out(JSON.stringify(rotated, null, 2));
      else {
        io.out(`rotated ${id} → ${rotated.key.id}; the old key keeps working for ${graceHours} h`);
        io.out(rotated.api_key);
      }
      return 0;
    } finally {
      await admin.close();
    }
  },
};
