import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import type { CreateKeyInput } from '../../src/domain/keys/key-service.js';
import { SCOPES } from '../../src/ports/key-store.js';
import type { Services } from '../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../support/services.js';

/**
 * The security review of issue 17 (and the strictness items 7 and 9 of issue 16), replayed: one row per
 * finding, each asserting the fixed behaviour through the real app (PGlite, DuckDB, the real middleware).
 */

const END_DATE = '2025-06-15';
const HIGH_LIMITS = JSON.stringify({
  standard: {
    insights: { limit: 100_000, periodSeconds: 60 },
    rag: { limit: 100_000, periodSeconds: 60 },
    admin: { limit: 100_000, periodSeconds: 60 },
  },
  premium: {
    insights: { limit: 1_000_000, periodSeconds: 60 },
    rag: { limit: 1_000_000, periodSeconds: 60 },
    admin: { limit: 1_000_000, periodSeconds: 60 },
  },
});

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** What every row of the matrix can reach. */
interface Matrix {
  app: App;
  services: Services;
  /** Every scope, every site, premium, never expires. */
  admin: string;
  /** `rag:write` + `rag:explain`, SITE-A only. */
  siteAWriter: string;
  /** `admin` + `insights:read`, SITE-A only, standard tier, 30 days. */
  restrictedAdmin: string;
  /** `insights:read`, SITE-A only. */
  siteAReader: string;
  documentIds: Record<'siteB' | 'siteC' | 'siteAB' | 'siteA', string>;
}

interface Finding {
  id: string;
  finding: string;
  replay: (m: Matrix) => Promise<void>;
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const withKey = (key: string, init: RequestInit = {}, extra: Record<string, string> = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), 'x-api-key': key, ...extra },
});

const runbook = (title: string, sites: string[]) =>
  `---\ntitle: ${title}\ndoc_type: runbook\nsites: [${sites.join(', ')}]\n---\n\n# ${title}\n\nCheck the separator level before restart.\n`;

/** A well-formed dev key (valid checksum) that no store holds: the review's probe. */
const UNKNOWN_WELL_FORMED_KEY = 'da_dev_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA3iJboL';

const FINDINGS: Finding[] = [
  {
    id: 'F1',
    finding: '21 bad keys from one address, then a valid key from the same address → 200',
    async replay({ app, admin }) {
      const from = { 'x-forwarded-for': '198.51.100.7' };
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 21; attempt++) {
        const probe = attempt % 2 === 0 ? UNKNOWN_WELL_FORMED_KEY : 'abc';
        statuses.push((await app.request('/insights', withKey(probe, {}, from))).status);
      }
      expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
      expect(statuses[20]).toBe(429);
      expect((await app.request('/admin/keys', withKey(admin, {}, from))).status).toBe(200);
      const stillRefused = await app.request('/insights', withKey(UNKNOWN_WELL_FORMED_KEY, {}, from));
      expect(stillRefused.status).toBe(429);
      expect(Number(stillRefused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await app.request('/insights', withKey(admin, {}, from))).status).toBe(200);
    },
  },
  {
    id: 'F1b',
    finding:
      'behind the ALB the client is the right-most X-Forwarded-For entry; spoofed left entries change nothing',
    async replay({ app, admin }) {
      for (let attempt = 0; attempt < 21; attempt++) {
        const spoofed = `10.9.${attempt}.1, 203.0.113.50`;
        await app.request('/insights', withKey('abc', {}, { 'x-forwarded-for': spoofed }));
      }
      const sameClient = await app.request(
        '/insights',
        withKey('abc', {}, { 'x-forwarded-for': '10.1.1.1, 203.0.113.50' }),
      );
      expect(sameClient.status).toBe(429);
      const otherClient = await app.request(
        '/insights',
        withKey('abc', {}, { 'x-forwarded-for': '203.0.113.50, 203.0.113.51' }),
      );
      expect(otherClient.status).toBe(401);
      const valid = await app.request('/insights', withKey(admin, {}, { 'x-forwarded-for': '203.0.113.50' }));
      expect(valid.status).toBe(200);
    },
  },
  {
    id: 'F2',
    finding: 'a SITE-A rag:write key cannot overwrite or delete SITE-B / SITE-C documents',
    async replay({ app, siteAWriter, documentIds, services }) {
      const overwrite = await app.request(
        '/rag/documents',
        withKey(
          siteAWriter,
          json({ uri: 'runbooks/matrix-site-b.md', content: runbook('Hijack', ['SITE-A']) }),
        ),
      );
      expect(overwrite.status).toBe(404);
      expect((await services.rag.getDocument(documentIds.siteB))?.title).toBe('Site B only');

      const widen = await app.request(
        '/rag/documents',
        withKey(
          siteAWriter,
          json({ uri: 'runbooks/matrix-new.md', content: runbook('New', ['SITE-A', 'SITE-B']) }),
        ),
      );
      expect(widen.status).toBe(403);
      expect(((await widen.json()) as { code: string; sites: string[] }).sites).toEqual(['SITE-B']);

      for (const id of [documentIds.siteC, documentIds.siteAB]) {
        const deleted = await app.request(`/rag/documents/${id}`, withKey(siteAWriter, { method: 'DELETE' }));
        expect(deleted.status).toBe(404);
        expect(await services.rag.getDocument(id)).toBeDefined();
      }
      const own = await app.request(
        '/rag/documents',
        withKey(
          siteAWriter,
          json({ uri: 'runbooks/matrix-site-a.md', content: runbook('Site A v2', ['SITE-A']) }),
        ),
      );
      expect(own.status).toBe(201);
    },
  },
  {
    id: 'F3',
    finding: 'a restricted admin cannot mint a broader key, nor see or revoke keys beyond itself',
    async replay({ app, restrictedAdmin, services }) {
      const broader = [
        { scopes: [...SCOPES] },
        { scopes: ['insights:read', 'rag:explain'] },
        { scopes: ['insights:read'], rate_tier: 'premium' },
        { scopes: ['insights:read'], sites: null },
        { scopes: ['insights:read'], sites: ['SITE-A', 'SITE-B'] },
        { scopes: ['insights:read'], expires_in_days: 3650 },
        { scopes: ['insights:read'], expires_in_days: null },
      ];
      for (const body of broader) {
        const response = await app.request(
          '/admin/keys',
          withKey(restrictedAdmin, json({ name: 'broader', sites: ['SITE-A'], ...body })),
        );
        expect(response.status, JSON.stringify(body)).toBe(403);
        expect(((await response.json()) as { code: string }).code).toBe('exceeds_key_bounds');
      }
      const within = await app.request(
        '/admin/keys',
        withKey(
          restrictedAdmin,
          json({ name: 'within', scopes: ['insights:read'], sites: ['SITE-A'], expires_in_days: 7 }),
        ),
      );
      expect(within.status).toBe(201);

      const listed = (await (await app.request('/admin/keys', withKey(restrictedAdmin))).json()) as {
        data: Array<{ name: string; scopes: string[] }>;
      };
      expect(listed.data.some((key) => key.scopes.includes('admin'))).toBe(false);
      expect(listed.data.map((key) => key.name)).toContain('within');
      expect(listed.data.map((key) => key.name)).not.toContain('matrix reader SITE-B');

      const bootstrap = (await services.keys.list()).find((key) => key.name === 'matrix admin');
      expect(bootstrap).toBeDefined();
      const revoke = await app.request(
        `/admin/keys/${bootstrap?.id}`,
        withKey(restrictedAdmin, { method: 'DELETE' }),
      );
      expect(revoke.status).toBe(404);
      expect((await services.keys.get(bootstrap?.id ?? ''))?.revokedAt).toBeNull();
    },
  },
  {
    id: 'F8',
    finding:
      'listing uses the search visibility rule: a document is listed only when all its sites are allowed',
    async replay({ app, siteAWriter }) {
      const listed = (await (await app.request('/rag/documents?limit=500', withKey(siteAWriter))).json()) as {
        data: Array<{ uri: string; sites: string[] }>;
      };
      const uris = listed.data.map((document) => document.uri);
      expect(uris).toContain('runbooks/matrix-site-a.md');
      expect(uris).not.toContain('runbooks/matrix-site-ab.md');
      expect(uris).not.toContain('runbooks/matrix-site-b.md');
      for (const document of listed.data)
        expect(document.sites.every((site) => site === 'SITE-A')).toBe(true);
    },
  },
  {
    id: 'F9',
    finding: 'a site outside the allow-list is 403 whether it exists or not',
    async replay({ app, siteAReader }) {
      for (const site of ['SITE-B', 'SITE-Z']) {
        const response = await app.request(`/insights/daily?site=${site}`, withKey(siteAReader));
        expect(response.status, site).toBe(403);
        expect(((await response.json()) as { code: string }).code).toBe('site_forbidden');
      }
      for (const asset of ['WELL-B01', 'WELL-Z99']) {
        const response = await app.request(`/insights/daily?asset=${asset}`, withKey(siteAReader));
        expect(response.status, asset).toBe(403);
      }
      expect((await app.request('/insights/daily?site=SITE-A', withKey(siteAReader))).status).toBe(200);
    },
  },
  {
    id: 'I16-9',
    finding: "keys' site lists are validated against the catalogue: an unknown site is 400 naming it",
    async replay({ app, admin }) {
      for (const site of ['SITE-Z', 'site-a', "' OR 1=1--", '[]']) {
        const response = await app.request(
          '/admin/keys',
          withKey(admin, json({ name: 'bad sites', scopes: ['insights:read'], sites: ['SITE-A', site] })),
        );
        expect(response.status, site).toBe(400);
        const problem = (await response.json()) as { code: string; detail: string; param: string };
        expect(problem.code).toBe('unknown_member');
        expect(problem.param).toBe('sites');
        expect(problem.detail).toContain(`"${site}"`);
      }
      const good = await app.request(
        '/admin/keys',
        withKey(admin, json({ name: 'good sites', scopes: ['insights:read'], sites: ['SITE-A', 'SITE-C'] })),
      );
      expect(good.status).toBe(201);
    },
  },
];

describe('security matrix: every finding of the review, replayed', () => {
  let stores: TestStores;
  const matrix = {} as Matrix;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    const built = await buildTestApp(stores, { RATE_LIMIT_OVERRIDES: HIGH_LIMITS, TRUST_PROXY: '1' });
    matrix.app = built.app;
    matrix.services = built.services;
    const key = async (input: CreateKeyInput) => (await built.services.keys.create(input)).plaintext;
    matrix.admin = await key({
      name: 'matrix admin',
      scopes: SCOPES,
      rateTier: 'premium',
      expiresInDays: null,
    });
    matrix.siteAWriter = await key({
      name: 'matrix writer SITE-A',
      scopes: ['rag:write', 'rag:explain'],
      siteAllowlist: ['SITE-A'],
    });
    matrix.restrictedAdmin = await key({
      name: 'matrix restricted admin',
      scopes: ['admin', 'insights:read'],
      siteAllowlist: ['SITE-A'],
      expiresInDays: 30,
    });
    matrix.siteAReader = await key({
      name: 'matrix reader SITE-A',
      scopes: ['insights:read'],
      siteAllowlist: ['SITE-A'],
    });
    await key({ name: 'matrix reader SITE-B', scopes: ['insights:read'], siteAllowlist: ['SITE-B'] });
    const upload = async (uri: string, title: string, sites: string[]) => {
      const { document } = await built.services.rag.ingestContent({
        uri,
        path: uri,
        content: runbook(title, sites),
      });
      return document.id;
    };
    matrix.documentIds = {
      siteB: await upload('runbooks/matrix-site-b.md', 'Site B only', ['SITE-B']),
      siteC: await upload('runbooks/matrix-site-c.md', 'Site C only', ['SITE-C']),
      siteAB: await upload('runbooks/matrix-site-ab.md', 'Sites A and B', ['SITE-A', 'SITE-B']),
      siteA: await upload('runbooks/matrix-site-a.md', 'Site A only', ['SITE-A']),
    };
  });
  afterAll(async () => {
    await matrix.services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  for (const row of FINDINGS) {
    it(`${row.id}: ${row.finding}`, () => row.replay(matrix));
  }
});
