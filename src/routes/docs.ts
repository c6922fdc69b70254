import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { OPENAPI_PATH } from '../http/openapi-document.js';
import { ProblemError } from '../http/problem.js';

/** Where the page and its assets are served. */
export const DOCS_PATH = '/docs';
const ASSETS_PATH = `${DOCS_PATH}/assets`;

/**
 * Content-Security-Policy of the reference page: everything from this origin only. Swagger UI sets
 * `style` attributes, hence `'unsafe-inline'` for styles (never for scripts); its CSS embeds SVG icons
 * as `data:` images.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_PATH}',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    persistAuthorization: false,
    queryConfigEnabled: false,
    validatorUrl: null
  });
});
`;

interface Asset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
}

const require = createRequire(import.meta.url);
const swaggerUiDirectory = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const swaggerUiVersion = (
  JSON.parse(readFileSync(path.join(swaggerUiDirectory, 'package.json'), 'utf8')) as { version: string }
).version;

const ASSET_SOURCES: Record<string, { contentType: string; read: () => Buffer }> = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', read: () => readSwaggerUi('swagger-ui.css') },
  'swagger-ui-bundle.js': {
    contentType: 'text/javascript; charset=utf-8',
    read: () => readSwaggerUi('swagger-ui-bundle.js'),
  },
  'favicon-32x32.png': { contentType: 'image/png', read: () => readSwaggerUi('favicon-32x32.png') },
  'docs-init.js': { contentType: 'text/javascript; charset=utf-8', read: () => Buffer.from(INITIALIZER) },
};

function readSwaggerUi(file: string): Buffer {
  return readFileSync(path.join(swaggerUiDirectory, file));
}

const loaded = new Map<string, Asset>();

function loadAsset(name: string): Asset | undefined {
  const cached = loaded.get(name);
  if (cached) return cached;
  const source = ASSET_SOURCES[name];
  if (!source) return undefined;
  const body = source.read();
  const asset = { contentType: source.contentType, body, gzipped: gzipSync(body) };
  loaded.set(name, asset);
  return asset;
}

const assetVersion = `${swaggerUiVersion}-${createHash('sha256').update(INITIALIZER).digest('hex').slice(0, 8)}`;
const assetUrl = (name: string) => `${ASSETS_PATH}/${name}?v=${assetVersion}`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>DatAlive API reference</title>
  <link rel="icon" type="image/png" href="${assetUrl('favicon-32x32.png')}">
  <link rel="stylesheet" href="${assetUrl('swagger-ui.css')}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${assetUrl('swagger-ui-bundle.js')}"></script>
  <script src="${assetUrl('docs-init.js')}"></script>
</body>
</html>
`;

/**
 * `GET /docs`: an interactive reference (Swagger UI) of `/openapi.json`, served entirely from this
 * process (assets from the `swagger-ui-dist` package, no CDN) under a same-origin CSP. The Authorize
 * button offers the three ways to send a key. `GET /docs/assets/{file}` serves the page's assets with
 * a one-year immutable cache (URLs carry the Swagger UI version and a hash of the initializer). Not part of the OpenAPI document.
 */
export const docsRoutes = new Hono<AppEnv>()
  .get(DOCS_PATH, (c) => {
    c.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    c.header('Cache-Control', 'no-cache');
    return c.html(PAGE);
  })
  .get(`${ASSETS_PATH}/:file`, (c) => {
    const name = c.req.param('file');
    const asset = loadAsset(name);
    if (!asset) throw new ProblemError('not_found', `No documentation asset named ${name}.`);
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    c.header('Content-Type', asset.contentType);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Vary', 'Accept-Encoding');
    if (gzip) c.header('Content-Encoding', 'gzip');
    return c.body(new Uint8Array(gzip ? asset.gzipped : asset.body), 200);
  });
