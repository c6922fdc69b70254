import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates.js';
import { demoIncident } from '../../src/domain/demo/incidents.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { type FakeBedrock, startFakeBedrock } from '../support/fake-bedrock.js';
import { testEnv } from '../support/services.js';

/** `test/artifacts/` (ignored by git): screenshots of the console. */
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Citation {
  id: string;
  kind: 'data' | 'source';
  value?: number;
  unit?: string;
  query_id?: string;
  uri?: string;
  title?: string;
  snippet?: string;
  heading_path?: string[];
}
interface ExplainBody {
  answer: string;
  abstained: boolean;
  citations: Citation[];
  facts: Array<{ id: string; kind?: string; dims: Record<string, string> }>;
  scope: {
    intent: string;
    sites: string[];
    products: string[];
    periods: Array<{ from: string; to: string }>;
  };
}

/** The real server as a process (`node src/server.ts`), demo data seeded, every log line kept. */
interface ServerProcess {
  url: string;
  dataDir: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function startServerProcess(extra: Record<string, string> = {}): Promise<ServerProcess> {
  const env = testEnv({ PORT: '0', HOST: '127.0.0.1', SEED_DEMO: '1', LOG_LEVEL: 'debug', ...extra });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${output.slice(-3000)}`)),
      180_000,
    );
    const check = () => {
      const line = output.split('\n').find((candidate) => candidate.includes('datalive api listening'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${output.slice(-3000)}`)));
  });
  return {
    url,
    dataDir: env.DATALIVE_DATA_DIR as string,
    log: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A browser context that records what the page asks for and what goes wrong. */
interface Session {
  context: BrowserContext;
  page: Page;
  urls: string[];
  offOrigin: string[];
  problems: string[];
  apiStatuses: Array<{ url: string; status: number }>;
}

describe('/console in a real headless browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let adminKey: string;
  let operatorKey: string;
  let siteAKey: string;
  const badKey = `da_dev_${'Q'.repeat(32)}ABCDEF`;
  const sessions: Session[] = [];
  const keysUsed: string[] = [];

  const api = async <T>(pathAndQuery: string, key: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${server.url}${pathAndQuery}`, {
      ...init,
      headers: { 'X-API-Key': key, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    expect(response.status, `${pathAndQuery}: ${await response.clone().text()}`).toBeLessThan(300);
    return (await response.json()) as T;
  };
  const createKey = async (name: string, sites: string[] | null) =>
    (
      await api<{ api_key: string }>('/admin/keys', adminKey, {
        method: 'POST',
        body: JSON.stringify({ name, scopes: ['rag:explain', 'insights:read'], rate_tier: 'premium', sites }),
      })
    ).api_key;

  const openSession = async (locale = 'en-US', viewport = { width: 1280, height: 720 }): Promise<Session> => {
    const context = await browser.newContext({ locale, viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const session: Session = { context, page, urls: [], offOrigin: [], problems: [], apiStatuses: [] };
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of (401|403|429)/.test(message.text()))
        session.problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => session.problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      session.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('request', (request) => {
      const url = request.url();
      session.urls.push(url);
      if (!url.startsWith(`${server.url}/`)) session.offOrigin.push(url);
    });
    page.on('response', (response) =>
      session.apiStatuses.push({ url: response.url(), status: response.status() }),
    );
    sessions.push(session);
    return session;
  };

  const pasteKey = async (page: Page, key: string) => {
    const response = await page.goto(`${server.url}/console`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");
    await page.locator('#key-input').fill(key);
    await page.locator('#key-input').press('Enter');
    await page.locator('#key-form').waitFor({ state: 'hidden' });
  };
  const askQuestion = async (page: Page, question: string) => {
    await page.locator('#question').fill(question);
    await page.locator('#question').press('Enter');
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install the Debian package \`chromium\` (CI does) or set CHROMIUM_PATH.`,
      );
    }
    server = await startServerProcess();
    const keyFile = path.join(server.dataDir, 'local-admin-key');
    for (let attempt = 0; attempt < 100 && !existsSync(keyFile); attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    adminKey = readFileSync(keyFile, 'utf8').trim();
    operatorKey = await createKey('console-operator', null);
    siteAKey = await createKey('console-site-a', ['SITE-A']);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    for (const session of sessions) await session.context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('asks a demo question, streams the answer, opens both kinds of citation and charts the numbers', async () => {
    const catalog = await api<{ data: { as_of: string } }>('/insights', operatorKey);
    const asOf = catalog.data.as_of;
    const tripDay = demoIncident(asOf, 'INC-CMP-TRIP-B')?.start_date as string;
    const question = `Why was Site B under plan on ${tripDay}?`;
    const expected = await api<ExplainBody>('/rag/explain', operatorKey, {
      method: 'POST',
      body: JSON.stringify({ question }),
    });
    expect(expected.abstained).toBe(false);

    const { page, urls, offOrigin, problems, apiStatuses } = await openSession();
    await pasteKey(page, operatorKey);
    const streamed = page.waitForResponse((response) => response.url().endsWith('/rag/explain'));
    await askQuestion(page, question);
    const explainResponse = await streamed;
    expect(explainResponse.status()).toBe(200);
    expect(explainResponse.headers()['content-type']).toContain('text/event-stream');
    expect(explainResponse.request().postDataJSON()).toEqual({ question, stream: true });
    await page.locator('#answer-text[data-state="final"]').waitFor();
    expect((await explainResponse.text()).match(/^event: delta$/gm)?.length ?? 0).toBeGreaterThan(0);

    const cited = [...expected.answer.matchAll(/\[([DS]\d+)\]/g)].filter((match) =>
      expected.citations.some((citation) => citation.id === match[1]),
    );
    expect(await page.locator('#answer-text .cite').count()).toBe(cited.length);
    const answerText = await page.locator('#answer-text').innerText();
    expect(answerText.replace(/\s+/g, ' ')).toContain(
      expected.answer
        .split(/\[[DS]\d+\]/)[0]
        ?.replace(/\s+/g, ' ')
        .trim()
        .slice(0, 60),
    );

    const dataCitation = expected.citations.find((citation) => citation.kind === 'data') as Citation;
    await page.locator(`#answer-text .cite.data[data-citation="${dataCitation.id}"]`).first().click();
    const panel = page.locator('#citation');
    await panel.locator('.query-id').waitFor();
    const dataPanel = await panel.innerText();
    expect(await panel.getAttribute('data-kind')).toBe('data');
    expect(dataPanel).toContain(dataCitation.query_id);
    expect(dataPanel).toContain(
      `${new Intl.NumberFormat('en', { maximumFractionDigits: 6 }).format(dataCitation.value as number)} ${dataCitation.unit}`,
    );

    const sourceCitation = expected.citations.find((citation) => citation.kind === 'source') as Citation;
    const documents = await api<{ data: Array<{ id: string; uri: string }> }>(
      '/rag/documents?limit=500',
      operatorKey,
    );
    const documentId = documents.data.find((document) => document.uri === sourceCitation.uri)?.id;
    expect(documentId).toBeDefined();
    await page.locator(`#answer-text .cite.source[data-citation="${sourceCitation.id}"]`).first().click();
    await panel.locator(`.document-record[data-document-id="${documentId}"]`).waitFor();
    expect(await panel.getAttribute('data-kind')).toBe('source');
    const sourcePanel = await panel.innerText();
    expect(sourcePanel).toContain(sourceCitation.title);
    expect(sourcePanel).toContain((sourceCitation.heading_path ?? []).at(-1));
    expect(sourcePanel.replace(/\s+/g, ' ')).toContain(
      (sourceCitation.snippet ?? '')
        .replace(/\*\*|__/g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 40),
    );
    expect(sourcePanel).toContain(sourceCitation.uri);

    expect(expected.scope.sites).toEqual(['SITE-B']);
    const product =
      expected.scope.products[0] ?? expected.facts.find((fact) => fact.dims.product)?.dims.product ?? 'oil';
    const to = expected.scope.periods[0]?.to as string;
    const from = addDays(to, -13);
    const where = `site=SITE-B&product=${product}&from=${from}&to=${to}`;
    const daily = await api<{ data: Array<{ date: string }> }>(
      `/insights/daily?${where}&limit=10000`,
      operatorKey,
    );
    const expectedPoints = new Set(daily.data.map((row) => row.date)).size;
    const events = await api<{ data: Array<{ cause_code: string; start_ts: string; end_ts: string }> }>(
      `/insights/events?${where}&limit=1000`,
      operatorKey,
    );
    const expectedMarkers = new Set(
      events.data.map((event) => `${event.cause_code}|${event.start_ts}|${event.end_ts}`),
    ).size;
    const variance = await api<{ data: { contributors: Array<{ change: number }> } }>(
      `/insights/variance?site=SITE-B&product=${product}&date=${tripDay}&by=cause&compare=plan`,
      operatorKey,
    );
    const expectedBars = variance.data.contributors.filter((contributor) => contributor.change !== 0).length;
    expect(expectedPoints).toBe(14);
    expect(expectedMarkers).toBeGreaterThan(0);

    const chart = page.locator('#chart[data-state="ready"]');
    await chart.waitFor();
    expect(await chart.getAttribute('data-points')).toBe(String(expectedPoints));
    expect(await chart.locator('.event-marker').count()).toBe(expectedMarkers);
    expect(await page.locator('#event-list li').count()).toBe(expectedMarkers);
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    await page.locator('#bars[data-bars]').waitFor();
    expect(await page.locator('#bars').getAttribute('data-bars')).toBe(String(expectedBars));
    expect(await page.locator('#chart-table tbody').first().locator('tr').count()).toBe(expectedPoints);
    expect(await page.locator('#event-list').innerText()).toContain('CMP-TRIP');

    expect(await page.locator('#history li').count()).toBe(1);
    expect(await page.locator('#history li').first().innerText()).toContain(question);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-1280x720.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-1280x720-full.png'), fullPage: true });
    const image = readFileSync(path.join(ARTIFACTS, 'console-1280x720.png'));
    expect(image.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(image.readUInt32BE(16)).toBe(1280);
    expect(image.readUInt32BE(20)).toBe(720);

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.locator('#copy-markdown').click();
    const markdown = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(markdown).toContain(question);
    expect(markdown).toContain(`[${dataCitation.id}]`);
    expect(markdown).toContain(dataCitation.query_id);
    expect(markdown).toContain(sourceCitation.uri);

    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe(
      'question',
    );
    await askQuestion(page, 'What is the capital of France?');
    await page.locator('#answer[data-abstained="true"] #answer-text[data-state="final"]').waitFor();
    expect(await page.locator('#answer-banner').isVisible()).toBe(true);
    expect(await page.locator('#suggestions button').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-card').isHidden()).toBe(true);
    expect(await page.locator('#history li').count()).toBe(2);
    await page.locator('#history li button', { hasText: question }).click();
    await page.locator('#chart[data-state="ready"]').waitFor();
    expect(await page.locator('#answer').getAttribute('data-abstained')).toBe('false');

    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(300);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-tablet-820.png'), fullPage: true });

    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
    expect(urls.some((url) => url.includes('/insights/events?'))).toBe(true);
    expect(urls.some((url) => url.includes('/insights/daily?'))).toBe(true);
    expect(urls.some((url) => url.includes('/insights/variance?'))).toBe(true);
    expect(apiStatuses.filter((entry) => entry.status >= 400)).toEqual([]);
  }, 120_000);

  it('shows the forecast with its P10–P90 band when the question reaches into the future', async () => {
    const asOf = (await api<{ data: { as_of: string } }>('/insights', operatorKey)).data.as_of;
    const question = `What is the oil forecast for Site B between ${addDays(asOf, -6)} and ${addDays(asOf, 7)}?`;
    const expected = await api<ExplainBody>('/rag/explain', operatorKey, {
      method: 'POST',
      body: JSON.stringify({ question }),
    });
    expect(expected.abstained).toBe(false);
    expect(expected.scope.intent).toBe('forecast');
    const period = expected.scope.periods[0] as { from: string; to: string };
    const horizon = (Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${asOf}T00:00:00Z`)) / 86_400_000;
    const forecast = await api<{ data: { points: unknown[] } }>(
      `/insights/forecast?site=SITE-B&product=oil&horizon=${horizon}`,
      operatorKey,
    );
    const history = await api<{ data: Array<{ date: string }> }>(
      `/insights/daily?site=SITE-B&product=oil&from=${addDays(asOf, -27)}&to=${asOf}&limit=10000`,
      operatorKey,
    );
    const historyPoints = new Set(history.data.map((row) => row.date)).size;
    expect(historyPoints).toBe(28);
    expect(forecast.data.points).toHaveLength(7);

    const { page, offOrigin, problems } = await openSession();
    await pasteKey(page, operatorKey);
    await askQuestion(page, question);
    const chart = page.locator('#chart');
    await page.locator('#chart[data-state="ready"], #chart[data-state="failed"]').waitFor();
    expect(await chart.getAttribute('data-state'), await page.locator('#chart-note').innerText()).toBe(
      'ready',
    );
    expect(await chart.getAttribute('data-history')).toBe(String(historyPoints));
    expect(await chart.getAttribute('data-forecast')).toBe(String(forecast.data.points.length));
    expect(await chart.getAttribute('data-points')).toBe(String(historyPoints + forecast.data.points.length));
    expect(await page.locator('#chart .u-legend').innerText()).toContain('P90');
    expect(await page.locator('#chart-title').innerText()).toContain('P10–P90');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-forecast.png') });
    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  }, 90_000);

  it('says in words that a key restricted to another site may not read Site B (403)', async () => {
    const catalog = await api<{ data: { as_of: string } }>('/insights', operatorKey);
    const tripDay = demoIncident(catalog.data.as_of, 'INC-CMP-TRIP-B')?.start_date as string;
    const { page, offOrigin, problems } = await openSession();
    await pasteKey(page, siteAKey);
    await askQuestion(page, `Why was Site B under plan on ${tripDay}?`);
    const status = page.locator('#status.error');
    await status.waitFor();
    const text = await status.innerText();
    expect(text).toContain('Forbidden (403)');
    expect(text).toContain('SITE-B');
    expect(await page.locator('#answer').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  }, 60_000);

  it('says in words that a bad key is not accepted (401) and asks for another, in Spanish when preferred', async () => {
    const { page, offOrigin, problems } = await openSession('es-ES');
    await pasteKey(page, badKey);
    expect(await page.locator('#ask').innerText()).toBe('Preguntar');
    await askQuestion(page, '¿Por qué cayó la producción del sitio B ayer?');
    const status = page.locator('#status.error');
    await status.waitFor();
    expect(await status.innerText()).toContain('La clave de API no fue aceptada (401)');
    expect(await page.locator('#key-form').isVisible()).toBe(true);
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('es');
    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  }, 60_000);

  it('says in words that the rate limit is reached (429) and how long to wait, from Retry-After', async () => {
    const limitedKey = (
      await api<{ api_key: string }>('/admin/keys', adminKey, {
        method: 'POST',
        body: JSON.stringify({
          name: 'console-limited',
          scopes: ['rag:explain'],
          rate_tier: 'powerbi',
          sites: null,
        }),
      })
    ).api_key;
    keysUsed.push(limitedKey);
    let status = 200;
    for (let attempt = 0; attempt < 20 && status !== 429; attempt += 1) {
      const search = await fetch(`${server.url}/rag/search`, {
        method: 'POST',
        headers: { 'X-API-Key': limitedKey, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'compressor trip' }),
      });
      status = search.status;
    }
    expect(status).toBe(429);
    const { page, offOrigin, problems } = await openSession();
    await pasteKey(page, limitedKey);
    const limited = page.waitForResponse((response) => response.url().endsWith('/rag/explain'));
    await askQuestion(page, 'Why was Site B under plan yesterday?');
    const response = await limited;
    expect(response.status()).toBe(429);
    const retryAfter = response.headers()['retry-after'] as string;
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const message = page.locator('#status.error');
    await message.waitFor();
    expect(await message.innerText()).toContain(`Too many requests (429)`);
    expect(await message.innerText()).toContain(`Try again in ${retryAfter} s.`);
    expect(await page.locator('#ask').isDisabled()).toBe(true);
    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  }, 60_000);

  it('marks a degraded answer as such when the model answer fails verification', async () => {
    const bedrock: FakeBedrock = await startFakeBedrock();
    const modelServer = await startServerProcess({
      LLM: 'bedrock',
      BEDROCK_ENDPOINT: bedrock.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-fake-bedrock',
    });
    try {
      bedrock.respondWith({ text: 'Site B lost 987654 bbl because of sabotage [D9].' });
      const keyFile = path.join(modelServer.dataDir, 'local-admin-key');
      for (let attempt = 0; attempt < 100 && !existsSync(keyFile); attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const created = await fetch(`${modelServer.url}/admin/keys`, {
        method: 'POST',
        headers: {
          'X-API-Key': readFileSync(keyFile, 'utf8').trim(),
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'console-degraded',
          scopes: ['rag:explain', 'insights:read'],
          sites: null,
        }),
      });
      const modelKey = ((await created.json()) as { api_key: string }).api_key;
      keysUsed.push(modelKey);
      const asOf = (
        (await (
          await fetch(`${modelServer.url}/insights`, { headers: { 'X-API-Key': modelKey } })
        ).json()) as {
          data: { as_of: string };
        }
      ).data.as_of;
      const tripDay = demoIncident(asOf, 'INC-CMP-TRIP-B')?.start_date as string;

      const { page, offOrigin, problems } = await openSession();
      await page.goto(`${modelServer.url}/console`, { waitUntil: 'load' });
      await page.locator('#key-input').fill(modelKey);
      await page.locator('#key-input').press('Enter');
      await askQuestion(page, `Why was Site B under plan on ${tripDay}?`);
      await page
        .locator('#answer[data-degraded="true"] #answer-text[data-state="final"]')
        .waitFor({ timeout: 60_000 });
      const banner = await page.locator('#answer-banner.degraded').innerText();
      expect(banner).toContain('grounded composer');
      expect(banner).toContain('failed verification');
      const answer = await page.locator('#answer-text').innerText();
      expect(answer).not.toContain('987654');
      expect(answer).not.toContain('sabotage');
      expect(await page.locator('#answer-text .cite').count()).toBeGreaterThan(0);
      expect(
        bedrock.requestsFor('converse-stream').length + bedrock.requestsFor('converse').length,
      ).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      expect(offOrigin.filter((url) => !url.startsWith(`${modelServer.url}/`))).toEqual([]);
      expect(modelServer.log().includes(modelKey.slice(12))).toBe(false);
    } finally {
      await modelServer.stop();
      await bedrock.close();
    }
  }, 240_000);

  it('never puts a key in a URL or in the server log', async () => {
    const allUrls = sessions.flatMap((session) => session.urls);
    expect(allUrls.length).toBeGreaterThan(10);
    const log = server.log();
    expect(log).toContain('"path":"/rag/explain"');
    for (const key of [operatorKey, siteAKey, badKey, adminKey, ...keysUsed]) {
      const secret = key.slice(12);
      for (const url of allUrls) expect(url.includes(secret), url).toBe(false);
      expect(log.includes(secret)).toBe(false);
    }
  });
});
