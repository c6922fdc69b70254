import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { ProblemError } from '../http/problem.js';

/** Where the operator console and its assets are served. */
export const CONSOLE_PATH = '/console';
const ASSETS_PATH = `${CONSOLE_PATH}/assets`;

/**
 * Content-Security-Policy of the console: scripts, styles and connections to this origin only, no
 * inline script or style (uPlot positions its elements through the CSSOM, which CSP allows), no frames,
 * no forms posting anywhere.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The repository's `console/` folder, resolved from this module (works from `src/` and from `dist/`). */
export const CONSOLE_ASSETS_ROOT = fileURLToPath(new URL('../../console/', import.meta.url));

const require = createRequire(import.meta.url);
const uplotDirectory = path.dirname(require.resolve('uplot/package.json'));
const uplotDist = (file: string) => path.join(uplotDirectory, 'dist', file);

const ASSET_SOURCES: Record<string, { contentType: string; file: string }> = {
  'console.js': {
    contentType: 'text/javascript; charset=utf-8',
    file: path.join(CONSOLE_ASSETS_ROOT, 'console.js'),
  },
  'console.css': {
    contentType: 'text/css; charset=utf-8',
    file: path.join(CONSOLE_ASSETS_ROOT, 'console.css'),
  },
  'icon.svg': { contentType: 'image/svg+xml', file: path.join(CONSOLE_ASSETS_ROOT, 'icon.svg') },
  'uPlot.iife.min.js': {
    contentType: 'text/javascript; charset=utf-8',
    file: uplotDist('uPlot.iife.min.js'),
  },
  'uPlot.min.css': { contentType: 'text/css; charset=utf-8', file: uplotDist('uPlot.min.css') },
};

interface Asset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
}

/** Every asset, read once at first use; the version in their URLs is a hash of all their bytes. */
let assets: { byName: Map<string, Asset>; version: string } | undefined;

function loadAssets() {
  if (assets) return assets;
  const hash = createHash('sha256');
  const byName = new Map<string, Asset>();
  for (const [name, source] of Object.entries(ASSET_SOURCES)) {
    const body = readFileSync(source.file);
    hash.update(name).update(body);
    byName.set(name, { contentType: source.contentType, body, gzipped: gzipSync(body) });
  }
  assets = { byName, version: hash.digest('hex').slice(0, 12) };
  return assets;
}

function page(version: string): string {
  const asset = (name: string) => `${ASSETS_PATH}/${name}?v=${version}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>DatAlive operator console</title>
  <link rel="icon" type="image/svg+xml" href="${asset('icon.svg')}">
  <link rel="stylesheet" href="${asset('uPlot.min.css')}">
  <link rel="stylesheet" href="${asset('console.css')}">
</head>
<body>
  <header class="bar">
    <h1><span class="brand">DatAlive</span> <span data-i18n="title">operator console</span></h1>
    <div class="key-status">
      <span id="key-label"></span>
      <button id="key-forget" type="button" class="link" data-i18n="forgetKey" hidden>Forget key</button>
    </div>
  </header>
  <main class="layout">
    <section class="main-column">
      <form id="key-form" class="card" autocomplete="off" hidden>
        <label for="key-input" data-i18n="keyLabel">API key</label>
        <div class="row">
          <input id="key-input" type="password" spellcheck="false" autocomplete="off" required>
          <button type="submit" data-i18n="keySave">Use this key</button>
        </div>
        <p class="hint" data-i18n="keyHint">Kept in this browser tab only; sent in a header, never in a URL.</p>
      </form>
      <form id="ask-form" class="card" autocomplete="off">
        <label for="question" data-i18n="questionLabel">Ask about production</label>
        <div class="row">
          <textarea id="question" rows="2" maxlength="2000" spellcheck="true"></textarea>
          <button id="ask" type="submit" data-i18n="ask">Ask</button>
        </div>
        <p class="hint" data-i18n="askHint">Enter asks · Shift+Enter adds a line · / goes back here</p>
      </form>
      <div id="status" class="status" role="status" aria-live="polite"></div>
      <article id="answer" class="card answer" hidden>
        <div id="answer-banner" class="banner" hidden></div>
        <div id="answer-text" class="answer-text" aria-live="polite"></div>
        <ul id="suggestions" class="suggestions" hidden></ul>
        <footer class="answer-meta">
          <span id="answer-meta"></span>
          <button id="copy-markdown" type="button" data-i18n="copyMarkdown">Copy as Markdown</button>
        </footer>
      </article>
      <aside id="citation" class="card citation" tabindex="-1" hidden></aside>
    </section>
    <section class="side-column">
      <section id="chart-card" class="card chart-card" hidden>
        <h2 id="chart-title"></h2>
        <p id="chart-note" class="hint"></p>
        <div id="chart" class="chart"></div>
        <ul id="event-list" class="event-list"></ul>
        <h2 id="bars-title" hidden></h2>
        <div id="bars" class="chart" hidden></div>
        <details>
          <summary data-i18n="numbers">Numbers behind the chart</summary>
          <table id="chart-table"></table>
        </details>
      </section>
      <nav class="card history" aria-labelledby="history-title">
        <h2 id="history-title" data-i18n="history">This session</h2>
        <ol id="history"></ol>
      </nav>
    </section>
  </main>
  <script src="${asset('uPlot.iife.min.js')}"></script>
  <script src="${asset('console.js')}"></script>
</body>
</html>
`;
}

/**
 * `GET /console`: the operator console, a page served entirely by this process (its script and style
 * from the repository's `console/` folder, the chart library from the `uplot` package, no CDN) under a
 * same-origin CSP. The page asks `/rag/explain` (SSE) and charts `/insights/*` with the key the operator
 * pasted, kept in `sessionStorage` and sent as `X-API-Key`. `GET /console/assets/{file}` serves the
 * assets with a one-year immutable cache (URLs carry a hash of their bytes). Not part of the OpenAPI
 * document; no key needed to load the page itself.
 */
export const consoleRoutes = new Hono<AppEnv>()
  .get(CONSOLE_PATH, (c) => {
    c.header('Content-Security-Policy', CONSOLE_CONTENT_SECURITY_POLICY);
    c.header('Cache-Control', 'no-cache');
    return c.html(page(loadAssets().version));
  })
  .get(`${ASSETS_PATH}/:file`, (c) => {
    const name = c.req.param('file');
    const asset = loadAssets().byName.get(name);
    if (!asset) throw new ProblemError('not_found', `No console asset named ${name.slice(0, 80)}.`);
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    c.header('Content-Type', asset.contentType);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Vary', 'Accept-Encoding');
    if (gzip) c.header('Content-Encoding', 'gzip');
    return c.body(new Uint8Array(gzip ? asset.gzipped : asset.body), 200);
  });
