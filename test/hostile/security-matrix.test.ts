import { once } from 'node:events';
import { createDeflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import type { CreateKeyInput } from '../../src/domain/keys/key-service.js';
import { WorkerExtractor } from '../../src/domain/rag/ingest/extractor.js';
import { DEFAULT_EXTRACTION_LIMITS } from '../../src/domain/rag/ingest/limits.js';
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

/** A one-page PDF whose content stream is `stream` (FlateDecode), with a Helvetica font; offsets exact. */
function pdfWith(stream: Buffer, filtered: boolean): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  let length = parts[0]?.length ?? 0;
  const push = (part: Buffer) => {
    parts.push(part);
    length += part.length;
  };
  objects.forEach((body, index) => {
    offsets.push(length);
    if (body === null) {
      const filter = filtered ? ' /Filter /FlateDecode' : '';
      push(Buffer.from(`${index + 1} 0 obj\n<< /Length ${stream.length}${filter} >>\nstream\n`));
      push(stream);
      push(Buffer.from('\nendstream\nendobj\n'));
    } else push(Buffer.from(`${index + 1} 0 obj\n${body}\nendobj\n`));
  });
  const xrefAt = length;
  const xref = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`,
    ),
  );
  return Buffer.concat(parts);
}

/**
 * The review's document bomb, built here: one page whose FlateDecode content stream inflates to
 * `inflatedBytes` of text-showing operators (≈ 130 KB of PDF for 100 MB), compressed as a stream so the
 * test never holds the inflated text itself.
 */
async function pdfBomb(inflatedBytes: number, line = `BT /F1 12 Tf 72 712 Td (${'A'.repeat(8000)}) Tj ET\n`) {
  const block = Buffer.from(line.repeat(8));
  const deflate = createDeflate({ level: 9, memLevel: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  for (let written = 0; written < inflatedBytes; written += block.length) {
    if (!deflate.write(block)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return pdfWith(Buffer.concat(compressed), true);
}

/** A small ordinary PDF with one line of text. */
const plainPdf = (text: string) => pdfWith(Buffer.from(`BT /F1 12 Tf 72 712 Td (${text}) Tj ET\n`), false);

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
    id: 'F4',
    finding: 'a 130 KB PDF bomb (100 MB inflated) is refused with 422 while extracting, RSS growing < 50 MB',
    async replay({ app, admin }) {
      const upload = (uri: string, pdf: Buffer) =>
        app.request(
          '/rag/documents',
          withKey(admin, json({ uri, content_base64: pdf.toString('base64'), format: 'pdf' })),
        );
      const warm = await upload('manuals/matrix-plain.pdf', plainPdf('Separator SEP-A1 restart procedure'));
      expect(warm.status).toBe(201);
      const bomb = await pdfBomb(100 * 1024 * 1024);
      expect(bomb.length).toBeLessThan(140 * 1024);
      expect(bomb.length).toBeGreaterThan(80 * 1024);
      const body = json({
        uri: 'manuals/matrix-bomb.pdf',
        content_base64: bomb.toString('base64'),
        format: 'pdf',
      });

      const before = process.memoryUsage().rss;
      let peak = before;
      let samples = 0;
      const sampler = setInterval(() => {
        samples += 1;
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      let response: Response;
      try {
        response = await app.request('/rag/documents', withKey(admin, body));
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { code: string; detail: string; limit: string };
      expect(problem.code).toBe('unprocessable');
      expect(problem.limit).toBe('RAG_MAX_DECODED_BYTES');
      expect(samples).toBeGreaterThan(0);
      expect((peak - before) / 1024 / 1024).toBeLessThan(50);
      const listed = await app.request('/rag/documents?limit=500', withKey(admin));
      expect(JSON.stringify(await listed.json())).not.toContain('matrix-bomb');
    },
  },
  {
    id: 'F4b',
    finding:
      'text, page and chunk caps refuse a document while extracting (RAG_MAX_TEXT_BYTES, RAG_MAX_PAGES, RAG_MAX_CHUNKS)',
    async replay({ services }) {
      const extractor = new WorkerExtractor();
      try {
        const limits = { ...DEFAULT_EXTRACTION_LIMITS, maxChunks: 5 };
        const many = Array.from(
          { length: 40 },
          (_, index) => `## Step ${index}\n\n${'word '.repeat(300)}`,
        ).join('\n\n');
        await expect(
          extractor.extract({ kind: 'content', input: { uri: 'many.md', content: many } }, limits),
        ).rejects.toMatchObject({ failure: 'too_large', limit: 'RAG_MAX_CHUNKS' });
        await expect(
          extractor.extract(
            { kind: 'content', input: { uri: 'one.pdf', content: plainPdf('One page') } },
            {
              ...limits,
              maxPages: 0,
            },
          ),
        ).rejects.toMatchObject({ failure: 'too_large', limit: 'RAG_MAX_PAGES' });
        await expect(
          extractor.extract(
            { kind: 'content', input: { uri: 'big.md', content: 'x'.repeat(2048) } },
            {
              ...limits,
              maxTextBytes: 1024,
            },
          ),
        ).rejects.toMatchObject({ failure: 'too_large', limit: 'RAG_MAX_TEXT_BYTES' });
        const visibleText = `BT /F1 1 Tf 10 700 Td (${'A'.repeat(800)}) Tj ET\n`;
        const textBomb = await pdfBomb(1024 * 1024, visibleText);
        await expect(
          extractor.extract(
            { kind: 'content', input: { uri: 'text.pdf', content: textBomb } },
            { ...limits, maxTextBytes: 256 * 1024 },
          ),
        ).rejects.toMatchObject({ failure: 'too_large', limit: 'RAG_MAX_TEXT_BYTES' });
        expect(services.config.ingestLimits).toEqual(DEFAULT_EXTRACTION_LIMITS);
      } finally {
        await extractor.close();
      }
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
