import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { startTestServer, type TestServer, testOutputDir } from '../support/http-server.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('/docs in a real headless browser', () => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const problems: string[] = [];
  const offOrigin: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install the Debian package \`chromium\` (CI does) or set CHROMIUM_PATH.`,
      );
    }
    server = await startTestServer();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'datalive-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(server.url) && !url.startsWith('data:')) offOrigin.push(url);
    });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await server?.stop();
  });

  it('renders every operation of the document, grouped by tag, without console errors', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operationCount = Object.values(document.paths).reduce(
      (count, item) => count + HTTP_METHODS.filter((method) => method in item).length,
      0,
    );

    const response = await page.goto(`${server.url}/docs`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });

    expect(await page.locator('.opblock').count()).toBe(operationCount);
    for (const tag of ['health', 'insights', 'admin', 'operations']) {
      const section = page.locator(`.opblock-tag-section:has(h3[data-tag="${tag}"]) .opblock`);
      expect(await section.count(), tag).toBeGreaterThan(0);
    }
    await expect(page.locator('#operations-insights-getInsightsDaily').count()).resolves.toBe(1);
    expect(await page.locator('.info .title').textContent()).toContain('DatAlive API');

    const screenshot = path.join(testOutputDir(), 'docs.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const image = readFileSync(screenshot);
    expect(image.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(image.length).toBeGreaterThan(50_000);

    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  });

  it('offers the three key schemes and calls the API with one of them (Try it out)', async () => {
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const scheme of ['bearerAuth', 'apiKeyHeader', 'apiKeyQuery', 'X-API-Key', 'api_key']) {
      expect(text).toContain(scheme);
    }
    const headerScheme = dialog.locator('.auth-container', { hasText: 'apiKeyHeader' });
    await headerScheme.locator('input').fill(await server.adminKey());
    await headerScheme.locator('button.authorize').click();
    await dialog.locator('button.btn-done').first().click();

    const operation = page.locator('#operations-admin-getAdminKeys');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 10_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await operation.locator('.live-responses-table .microlight').first().textContent()).toContain(
      'local-admin',
    );

    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
  });
});
