import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SECURITY_HEADERS } from '../../../src/http/middleware/security-headers.js';
import { CONSOLE_ASSETS_ROOT, CONSOLE_CONTENT_SECURITY_POLICY } from '../../../src/routes/console.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

describe('GET /console and its assets', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];

  beforeAll(async () => {
    stores = await openTestStores();
    ({ services, app } = await buildTestApp(stores));
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const assetUrls = (html: string) =>
    [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);

  it('serves the page without a key under a same-origin CSP, with no inline script or style', async () => {
    const response = await app.request('/console');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    for (const name of ['X-Content-Type-Options', 'X-Frame-Options', 'Referrer-Policy']) {
      expect(response.headers.get(name), name).toBe(API_SECURITY_HEADERS[name]);
    }
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    const urls = assetUrls(html);
    expect(urls).toHaveLength(5);
    for (const url of urls) expect(url).toMatch(/^\/console\/assets\/[A-Za-z.]+\?v=[0-9a-f]{12}$/);
  });

  it('serves every asset with its type, gzip on request and a one-year immutable cache', async () => {
    const html = await (await app.request('/console')).text();
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      svg: 'image/svg+xml',
    };
    for (const url of assetUrls(html)) {
      const plain = await app.request(url);
      expect(plain.status, url).toBe(200);
      expect(plain.headers.get('content-type')).toBe(types[url.split('?')[0]?.split('.').at(-1) ?? '']);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await plain.arrayBuffer());
      expect(body.length).toBeGreaterThan(100);
      const zipped = await app.request(url, { headers: { 'Accept-Encoding': 'gzip, br' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).equals(body)).toBe(true);
    }
    const uplot = await app.request(assetUrls(html).find((url) => url.includes('uPlot.iife')) as string);
    expect(await uplot.text()).toContain('uPlot');
  });

  it('answers 404 problem+json for an unknown asset', async () => {
    for (const name of ['nope.js', '..%2Fpackage.json', 'console.ts']) {
      const response = await app.request(`/console/assets/${name}`);
      expect(response.status, name).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'not_found' });
    }
  });

  it('keeps the key out of URLs and storage other than sessionStorage, and talks only to its own origin', () => {
    const script = readFileSync(`${CONSOLE_ASSETS_ROOT}console.js`, 'utf8');
    expect(script).not.toMatch(
      /localStorage|document\.cookie|api_key=|console\.(log|info|debug)|https?:\/\//,
    );
    expect(script).toContain("headers.set('X-API-Key', readKey())");
    expect(script).toContain('sessionStorage.setItem(KEY_STORAGE, key)');
    const fetched = [...script.matchAll(/(?:api|getJson|getAll)\(\s*[`'"]([^`'"]+)/g)].map(
      (match) => match[1],
    );
    expect(fetched.length).toBeGreaterThan(5);
    for (const target of fetched) expect(target, target).toMatch(/^\/(rag|insights)\b/);
  });
});
