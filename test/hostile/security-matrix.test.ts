import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createDeflate } from 'node:zlib';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysCommand } from '../../src/cli/commands/keys.js';
import { loadConfig } from '../../src/config.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import type { CreateKeyInput } from '../../src/domain/keys/key-service.js';
import { WorkerExtractor } from '../../src/domain/rag/ingest/extractor.js';
import { DEFAULT_EXTRACTION_LIMITS } from '../../src/domain/rag/ingest/limits.js';
import { answerClientErrors, createGuardedServer } from '../../src/http/client-errors.js';
import { untrustedAddress } from '../../src/http/client-ip.js';
import { toCsv } from '../../src/http/delivery.js';
import { SCOPES } from '../../src/ports/key-store.js';
import type { Services } from '../../src/services.js';
import { captureIo } from '../support/cli.js';
import { buildTestApp, openTestStores, type TestStores, tempDir, testEnv } from '../support/services.js';

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

/** Sends raw bytes and returns everything the server wrote until it closed the connection. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

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
    id: 'F1c',
    finding: 'TRUST_PROXY is a hop count: the client is the right-most entry not written by a trusted proxy',
    async replay() {
      expect(untrustedAddress('1.1.1.1, 2.2.2.2', '10.0.0.1', 0)).toBe('10.0.0.1');
      expect(untrustedAddress('1.1.1.1, 2.2.2.2', '10.0.0.1', 1)).toBe('2.2.2.2');
      expect(untrustedAddress('1.1.1.1, 2.2.2.2, 10.0.0.9', '10.0.0.1', 2)).toBe('2.2.2.2');
      expect(untrustedAddress('2.2.2.2', '10.0.0.1', 5)).toBe('2.2.2.2');
      expect(untrustedAddress(undefined, '10.0.0.1', 1)).toBe('10.0.0.1');
      expect(untrustedAddress(' , 2.2.2.2 ,', '10.0.0.1', 1)).toBe('2.2.2.2');
      const hops = (value: string) => loadConfig(testEnv({ TRUST_PROXY: value })).trustProxyHops;
      expect([hops('0'), hops('1'), hops('2'), hops('true'), hops('false')]).toEqual([0, 1, 2, 1, 0]);
      expect(() => hops('all')).toThrow(/TRUST_PROXY/);
      expect(loadConfig(testEnv()).trustProxyHops).toBe(0);
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
    id: 'F6',
    finding: 'forged, altered or unsigned paging cursors are 400 naming cursor, never 500',
    async replay({ app, admin }) {
      const path = `/insights/daily?from=2025-06-01&to=2025-06-15&limit=5`;
      const first = (await (await app.request(path, withKey(admin))).json()) as { links: { next: string } };
      const genuine = new URL(first.links.next, 'http://x').searchParams.get('cursor') as string;
      expect((await app.request(first.links.next, withKey(admin))).status).toBe(200);
      const entries = [...new URL(path, 'http://x').searchParams.entries()]
        .filter(([name]) => !['cursor', 'limit', 'format', 'api_key'].includes(name))
        .sort();
      const fingerprint = createHash('sha256')
        .update(JSON.stringify(entries))
        .digest('base64url')
        .slice(0, 16);
      const unsigned = (p: unknown) =>
        Buffer.from(JSON.stringify({ p, q: fingerprint })).toString('base64url');
      const [payload, signature] = genuine.split('.') as [string, string];
      const forged = [
        unsigned(['not-a-date', 'WELL-A01', 'oil']),
        unsigned(['2025-06-01', 'WELL-A01', 'oil']),
        `${unsigned(["2025-06-01') OR 1=1 --", 'x', 'y'])}.${signature}`,
        `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
        `${payload}x.${signature}`,
        `${payload}.${signature}.extra`,
        '....',
        '%00',
        'e30',
        genuine.replace(/[A-Za-z]/, (letter) => (letter === 'a' ? 'b' : 'a')),
      ];
      for (const cursor of forged) {
        const response = await app.request(`${path}&cursor=${encodeURIComponent(cursor)}`, withKey(admin));
        expect(response.status, cursor).toBe(400);
        expect(((await response.json()) as { param: string }).param).toBe('cursor');
      }
    },
  },
  {
    id: 'F7',
    finding:
      'CSV cells that are text and start with = + - @ tab CR are neutralised (insights CSV, audit export)',
    async replay({ app, admin }) {
      const response = await app.request(
        `/insights/daily?date=${END_DATE}&asset=WELL-A01&format=csv`,
        withKey(admin),
      );
      expect(response.status).toBe(200);
      const csv = await response.text();
      expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")`);
      for (const line of csv.trimEnd().split('\r\n')) {
        for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+@\t\r]/);
      }
      const cells = toCsv(
        ['text', 'number'],
        [
          { text: '=1+1', number: -5 },
          { text: '+1', number: 3.5 },
          { text: '-2', number: null },
          { text: '@SUM(A1)', number: 0 },
          { text: '\tx', number: 1 },
          { text: '\rx', number: 1 },
          { text: 'plain', number: -0.25 },
        ],
      );
      expect(cells.split('\r\n').slice(1, -1)).toEqual([
        `"'=1+1",-5`,
        `"'+1",3.5`,
        `"'-2",`,
        `"'@SUM(A1)",0`,
        `"'\tx",1`,
        `"'\rx",1`,
        'plain,-0.25',
      ]);
      expect(readFileSync(new URL('../../src/cli/commands/audit.ts', import.meta.url), 'utf8')).toMatch(
        /toCsv\(COLUMNS/,
      );
    },
  },
  {
    id: 'F10',
    finding:
      '`keys list` strips ANSI/OSC escape sequences from key names; the API refuses control characters',
    async replay({ app, admin }) {
      const hostileName =
        '\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007\u001b[2J\u001b[31mred\u009b0m';
      const refused = await app.request(
        '/admin/keys',
        withKey(admin, json({ name: hostileName, scopes: ['insights:read'] })),
      );
      expect(refused.status).toBe(400);

      const dataDir = tempDir('datalive-matrix-cli-');
      const io = captureIo();
      const context = (args: string[]) => ({
        args,
        io,
        config: () => loadConfig(testEnv({ DATALIVE_DATA_DIR: dataDir })),
      });
      expect(
        await keysCommand.run(context(['create', '--name', hostileName, '--scopes', 'insights:read'])),
      ).toBe(0);
      expect(await keysCommand.run(context(['list']))).toBe(0);
      const printed = [...io.stdout, ...io.stderr].join('\n');
      expect(printed).toContain('clickred');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
      expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    },
  },
  {
    id: 'F12',
    finding: '`OPTIONS *` (and any target that is not a path) gets problem+json, not a bare 400',
    async replay({ app }) {
      const server = createGuardedServer({}, getRequestListener(app.fetch));
      answerClientErrors(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        for (const target of ['*', 'insights']) {
          const raw = await rawRequest(
            port,
            `OPTIONS ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          );
          expect(raw, target).toMatch(/^HTTP\/1\.1 400/);
          expect(raw).toMatch(/content-type: application\/problem\+json/i);
          expect(raw).toContain('"code":"invalid_request"');
        }
        const ok = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        expect(ok).toMatch(/^HTTP\/1\.1 200/);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  },
  {
    id: 'I16-7',
    finding: 'unknown query parameters are 400 naming the closest valid one on every insights route',
    async replay({ app, admin }) {
      const cases: Array<[string, string, string]> = [
        ['/insights/daily?form=2025-06-01', 'form', 'from'],
        ['/insights/daily?from=2025-06-01&to=2025-06-02&limt=5', 'limt', 'limit'],
        ['/insights/variance?date=2025-06-10&bye=cause', 'bye', 'by'],
        ['/insights/anomalies?sensitivty=high', 'sensitivty', 'sensitivity'],
        ['/insights/digest?dat=2025-06-10', 'dat', 'date'],
        ['/insights/forecast?horizn=7', 'horizn', 'horizon'],
        ['/insights?x=1', 'x', ''],
      ];
      for (const [path, param, closest] of cases) {
        const response = await app.request(path, withKey(admin));
        expect(response.status, path).toBe(400);
        const problem = (await response.json()) as {
          code: string;
          param: string;
          detail: string;
          did_you_mean?: string;
        };
        expect(problem.code).toBe('invalid_parameter');
        expect(problem.param).toBe(param);
        if (closest) expect(problem.did_you_mean, path).toBe(closest);
      }
      const keyInQuery = await app.request(`/insights/daily?date=2025-06-10&api_key=${admin}`);
      expect(keyInQuery.status).toBe(200);
    },
  },
  {
    id: 'I16-7b',
    finding: '`from` without `to` (and the reverse) is refused naming the missing one',
    async replay({ app, admin }) {
      for (const [path, missing] of [
        ['/insights/daily?from=2025-06-01', 'to'],
        ['/insights/daily?to=2025-06-01', 'from'],
        ['/insights/variance?from=2025-06-01', 'to'],
      ] as const) {
        const response = await app.request(path, withKey(admin));
        expect(response.status, path).toBe(400);
        expect(((await response.json()) as { param: string }).param).toBe(missing);
      }
    },
  },
  {
    id: 'I16-7c',
    finding: 'CSV pages carry Link rel="next" and X-Has-More; following them returns every row exactly once',
    async replay({ app, admin }) {
      const range = 'from=2025-05-01&to=2025-06-15';
      const all = (await (
        await app.request(`/insights/daily?${range}&limit=10000`, withKey(admin))
      ).json()) as {
        data: Array<{ date: string; asset_id: string; product_id: string }>;
      };
      const expected = all.data.map((row) => `${row.date},${row.asset_id},${row.product_id}`);
      expect(expected.length).toBeGreaterThan(500);
      const seen: string[] = [];
      let next: string | null = `/insights/daily?${range}&limit=97&format=csv`;
      let pages = 0;
      while (next) {
        const response = await app.request(next, withKey(admin));
        expect(response.status).toBe(200);
        pages += 1;
        const [, ...lines] = (await response.text()).trimEnd().split('\r\n');
        for (const line of lines)
          seen.push(
            line
              .split(',')
              .slice(0, 4)
              .filter((_, index) => index !== 1)
              .join(','),
          );
        const hasMore = response.headers.get('x-has-more');
        const link = response.headers.get('link');
        if (hasMore === 'true') {
          expect(link).toMatch(/^<\/insights\/daily\?[^>]*cursor=[^>]+>; rel="next"$/);
          next = link?.slice(1, link.indexOf('>')) ?? null;
        } else {
          expect(hasMore).toBe('false');
          expect(link).toBeNull();
          next = null;
        }
      }
      expect(pages).toBe(Math.ceil(expected.length / 97));
      expect(seen).toEqual(expected);
    },
  },
  {
    id: 'I16-7d',
    finding: '`GET /` answers 200 with a small index, without a key',
    async replay({ app }) {
      const response = await app.request('/');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        name: 'DatAlive API',
        links: { insights: '/insights', openapi: '/openapi.json', console: '/console' },
      });
      expect((await app.request(`/?api_key=${encodeURIComponent('anything')}`)).status).toBe(200);
      expect((await app.request('/?format=csv')).status).toBe(400);
      const openapi = (await (await app.request('/openapi.json')).json()) as {
        paths: Record<string, unknown>;
      };
      expect(openapi.paths['/']).toBeDefined();
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
    await stores.warehouse.query(
      `INSERT INTO analytics.downtime_events VALUES ('matrix-formula', 'WELL-A01', 'oil', CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, 'unplanned', 1, 'typed as a question')`,
      [`${END_DATE} 01:00:00`, `${END_DATE} 03:00:00`, '=HYPERLINK("http://evil.example","x")'],
    );
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
