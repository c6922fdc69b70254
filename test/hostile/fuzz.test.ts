import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { generateApiKey } from '../../src/domain/keys/token.js';
import { SCOPES } from '../../src/ports/key-store.js';
import { DEMO_DOCUMENT_DIRS } from '../../src/services.js';
import { buildTestApp, capturingLogger, openTestStores } from '../support/services.js';
import {
  type Answer,
  assertWellFormed,
  CaseLog,
  headerText,
  hostileJson,
  hostileText,
  NASTY_CHARACTERS,
  type OpenApiDocumentShape,
  type Operation,
  operationsOf,
  percentEncode,
  type QueryValue,
  schemaValue,
  validValue,
} from './support.js';

const END_DATE = '2025-06-15';
/** Generated requests per operation (property runs). */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 100);
/** Fewer for the operations that do real work per valid request (retrieval, grounded explanation, ingest). */
const HEAVY_RUNS = Math.max(20, Math.round(RUNS * 0.6));
const HEAVY = new Set(['POST /rag/explain', 'POST /rag/documents']);
const HIGH_LIMITS = JSON.stringify({
  premium: {
    insights: { limit: 100_000_000, periodSeconds: 60 },
    rag: { limit: 100_000_000, periodSeconds: 60 },
    admin: { limit: 100_000_000, periodSeconds: 60 },
  },
});

const capture = capturingLogger('debug');
const stores = await openTestStores();
await seedDemoData(stores.warehouse, { endDate: END_DATE });
const { services, app } = await buildTestApp(
  stores,
  { TRUST_PROXY: '1', RATE_LIMIT_OVERRIDES: HIGH_LIMITS },
  capture.logger,
);
await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
const key = (await services.keys.create({ name: 'fuzz', scopes: SCOPES, rateTier: 'premium' })).plaintext;
const document = (await (await app.request('/openapi.json')).json()) as OpenApiDocumentShape;
const components = document.components?.schemas ?? {};
const operations = operationsOf(document);
const log = new CaseLog('fuzz');
let clientCounter = 0;

const catalog = (await (await app.request('/insights', { headers: { 'X-API-Key': key } })).json()) as {
  dimensions: Array<{ name: string; members?: Array<{ id: string }> }>;
};
const members = (name: string) =>
  catalog.dimensions.find((dimension) => dimension.name === name)?.members?.map((member) => member.id) ?? [];

/** One real member most of the time, sometimes several, now and then one that does not exist. */
const memberList = (ids: string[], unknown: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.subarray(ids, { minLength: 1, maxLength: 3 }).map((list) => list.join(',')) },
    { weight: 1, arbitrary: fc.constant(unknown) },
  );
const day = fc
  .date({ min: new Date('2023-05-20'), max: new Date('2025-06-20'), noInvalidDate: true })
  .map((value) => value.toISOString().slice(0, 10));

/** Realistic values for the parameters that select data, so plausible requests reach the queries. */
const realistic: Record<string, fc.Arbitrary<string>> = {
  site: memberList(members('site'), 'SITE-Z'),
  asset: memberList(members('asset'), 'NOPE-1'),
  product: memberList(members('product'), 'sand'),
};
/** None, one day, or an ordered range: the date selections the API accepts. */
const dateSelection: fc.Arbitrary<Array<[string, QueryValue]>> = fc.oneof(
  fc.constant<Array<[string, QueryValue]>>([]),
  day.map((date): Array<[string, QueryValue]> => [['date', date]]),
  fc.tuple(day, day).map(
    ([a, b]): Array<[string, QueryValue]> => [
      ['from', a < b ? a : b],
      ['to', a < b ? b : a],
    ],
  ),
);
const DATE_PARAMETERS = new Set(['date', 'from', 'to']);

interface GeneratedRequest {
  query: Array<[string, QueryValue]>;
  pathParams: Record<string, QueryValue>;
  auth: 'bearer' | 'header' | 'query';
  headers: Record<string, string>;
  body:
    | { kind: 'json'; value: unknown }
    | { kind: 'text'; value: string }
    | { kind: 'bytes'; value: Uint8Array }
    | null;
  contentType: string | undefined;
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}

function queryValue(
  name: string,
  parameter: Operation['parameters'][number],
  valid: boolean,
): fc.Arbitrary<QueryValue> {
  const known = realistic[name];
  const schemaValid = validValue(parameter.schema ?? {}, components).map(stringOf);
  if (valid)
    return known
      ? fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: schemaValid })
      : schemaValid;
  return fc.oneof(
    { weight: 2, arbitrary: schemaValue(parameter.schema ?? {}, components).map(stringOf) },
    { weight: 3, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }) },
  );
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const ANY_TYPES = [
  ...JSON_TYPES,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
];

/**
 * Requests for one operation, in two families: plausible ones (declared parameters with realistic or
 * schema-valid values, a schema-shaped JSON body) that reach the handlers and the warehouse, and hostile
 * ones (any parameter or field replaced by injection strings, odd code points, raw bytes, wrong types,
 * unknown parameters, other content types).
 */
function requestFor(operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const plausible = family(operation, true);
  return fc.oneof(
    { weight: 2, arbitrary: plausible },
    {
      weight: 2,
      arbitrary: fc.tuple(plausible, mutation).map(([request, change]) => mutate(request, change)),
    },
    { weight: 1, arbitrary: family(operation, false) },
  );
}

/** One change to an otherwise plausible request: where (by index) and what. */
interface Mutation {
  target: 'query' | 'path' | 'body';
  at: number;
  replacement:
    | { kind: 'nasty'; character: string }
    | { kind: 'value'; value: unknown }
    | { kind: 'bytes'; value: Uint8Array };
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  target: fc.constantFrom('query', 'path', 'body'),
  at: fc.nat(),
  replacement: fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...NASTY_CHARACTERS)
        .map((character) => ({ kind: 'nasty' as const, character })),
    },
    { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'value' as const, value })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 6 })
        .map((value) => ({ kind: 'bytes' as const, value })),
    },
  ),
});

/** Every place a value sits in a JSON value, as a path of keys and indexes. */
function slots(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value))
    return [prefix, ...value.flatMap((item, index) => slots(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([name, item]) => slots(item, [...prefix, name]))];
  return [prefix];
}

function replaceAt(
  value: unknown,
  path: Array<string | number>,
  replace: (old: unknown) => unknown,
): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  if (Array.isArray(value))
    return value.map((item, index) => (index === head ? replaceAt(item, rest, replace) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [head]: replaceAt(record[head], rest, replace) };
}

function applyTo(old: unknown, replacement: Mutation['replacement'], at: number): unknown {
  if (replacement.kind === 'value') return replacement.value;
  if (replacement.kind === 'bytes') return Buffer.from(replacement.value).toString('latin1');
  const text = typeof old === 'string' ? old : (JSON.stringify(old) ?? '');
  const index = at % (text.length + 1);
  return `${text.slice(0, index)}${replacement.character}${text.slice(index)}`;
}

/** Applies one mutation; when the chosen part is empty (no query, no body) the request is returned as is. */
function mutate(request: GeneratedRequest, change: Mutation): GeneratedRequest {
  if (change.target === 'query' && request.query.length > 0) {
    const index = change.at % request.query.length;
    const query = request.query.map((entry, position): [string, QueryValue] => {
      if (position !== index) return entry;
      if (change.replacement.kind === 'bytes') return [entry[0], change.replacement.value];
      return [entry[0], stringOf(applyTo(entry[1], change.replacement, change.at))];
    });
    return { ...request, query };
  }
  const names = Object.keys(request.pathParams);
  if (change.target === 'path' && names.length > 0) {
    const name = names[change.at % names.length] as string;
    const value =
      change.replacement.kind === 'bytes'
        ? change.replacement.value
        : stringOf(applyTo(request.pathParams[name], change.replacement, change.at));
    return { ...request, pathParams: { ...request.pathParams, [name]: value } };
  }
  if (request.body?.kind === 'json') {
    const places = slots(request.body.value);
    const place = places[change.at % places.length] as Array<string | number>;
    const value = replaceAt(request.body.value, place, (old) => applyTo(old, change.replacement, change.at));
    return { ...request, body: { kind: 'json', value } };
  }
  return request;
}

function family(operation: Operation, plausible: boolean): fc.Arbitrary<GeneratedRequest> {
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const individually = plausible
    ? queryParameters.filter(
        (parameter) => !DATE_PARAMETERS.has(parameter.name) && parameter.name !== 'cursor',
      )
    : queryParameters;
  const dates =
    plausible && queryParameters.some((parameter) => parameter.name === 'from')
      ? dateSelection
      : plausible && queryParameters.some((parameter) => parameter.name === 'date')
        ? dateSelection.filter((selection) => selection.every(([name]) => name === 'date'))
        : fc.constant([] as Array<[string, QueryValue]>);
  const declared = fc.tuple(
    ...individually.map((parameter) =>
      fc.option(
        queryValue(parameter.name, parameter, plausible).map((value): [string, QueryValue] => [
          parameter.name,
          value,
        ]),
        { freq: plausible ? 3 : 2 },
      ),
    ),
  );
  const extra = plausible
    ? dates
    : fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              '__proto__',
              'constructor',
              'api_key',
              'limit',
              'date',
              'format',
              'a[b]',
              '',
              'x'.repeat(300),
            ),
            fc.string({ maxLength: 12 }),
          ),
          hostileText as fc.Arbitrary<QueryValue>,
        ),
        { maxLength: 2 },
      );
  const body: fc.Arbitrary<GeneratedRequest['body']> = !operation.body
    ? plausible
      ? fc.constant(null)
      : fc.option(
          hostileText.map((value) => ({ kind: 'text' as const, value })),
          { freq: 4 },
        )
    : plausible
      ? validValue(operation.body, components).map((value) => ({ kind: 'json' as const, value }))
      : fc.oneof(
          {
            weight: 4,
            arbitrary: schemaValue(operation.body, components).map((value) => ({
              kind: 'json' as const,
              value,
            })),
          },
          { weight: 1, arbitrary: hostileText.map((value) => ({ kind: 'text' as const, value })) },
          {
            weight: 1,
            arbitrary: fc.uint8Array({ maxLength: 64 }).map((value) => ({ kind: 'bytes' as const, value })),
          },
          { weight: 1, arbitrary: fc.constant(null) },
        );
  return fc.record({
    query: fc
      .tuple(declared, extra)
      .map(([known, more]) => [
        ...known.filter((entry): entry is [string, QueryValue] => entry !== null),
        ...more,
      ]),
    pathParams: fc.record(
      Object.fromEntries(
        pathParameters.map((parameter) => [
          parameter.name,
          plausible
            ? (validValue(parameter.schema ?? {}, components).map(stringOf) as fc.Arbitrary<QueryValue>)
            : (fc.oneof(
                schemaValue(parameter.schema ?? {}, components).map(stringOf),
                hostileText,
              ) as fc.Arbitrary<QueryValue>),
        ]),
      ),
    ),
    auth: fc.constantFrom('bearer', 'header', 'query'),
    headers: fc.record(
      {
        accept: fc.oneof(
          fc.constantFrom(
            'application/json',
            'text/csv',
            'text/event-stream',
            '*/*',
            'application/xml',
            'text/html',
          ),
          headerText,
        ),
        'if-none-match': fc.oneof(fc.constantFrom('*', '"x"', 'W/"abc"'), headerText),
        'x-request-id': headerText,
        'accept-language': headerText,
      },
      { requiredKeys: [] },
    ),
    body,
    contentType: plausible
      ? fc.constantFrom(...JSON_TYPES)
      : fc.option(fc.oneof(fc.constantFrom(...ANY_TYPES), headerText), { freq: 4 }),
  });
}

async function send(operation: Operation, request: GeneratedRequest): Promise<Answer> {
  const pathName = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    percentEncode(request.pathParams[name] ?? ''),
  );
  const query = [...request.query];
  if (request.auth === 'query') query.push(['api_key', key]);
  const search = query.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
  const headers: Record<string, string> = {
    ...request.headers,
    'x-forwarded-for': `10.${(clientCounter >> 16) & 255}.${(clientCounter >> 8) & 255}.${clientCounter++ & 255}`,
  };
  if (request.auth === 'bearer') headers.authorization = `Bearer ${key}`;
  if (request.auth === 'header') headers['x-api-key'] = key;
  let body: string | Uint8Array | undefined;
  if (request.body?.kind === 'json') body = JSON.stringify(request.body.value) ?? 'null';
  else if (request.body) body = request.body.value;
  if (body !== undefined && operation.method !== 'GET') {
    headers['content-type'] = request.contentType ?? 'application/json';
  }
  const response = await app.request(`${pathName}${search ? `?${search}` : ''}`, {
    method: operation.method,
    headers,
    ...(body !== undefined && operation.method !== 'GET' ? { body } : {}),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

describe(`hostile input: generated requests for every operation of /openapi.json (${RUNS} per operation)`, () => {
  afterAll(async () => {
    log.write();
    await services.close();
    await stores.db.close();
    await stores.warehouse.close();
  });

  it('finds every operation the app serves in the document', () => {
    const served = app.routes.filter((route) => route.method !== 'ALL').map((route) => route.method);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(served.length).toBeGreaterThanOrEqual(operations.length);
  });

  for (const operation of operations) {
    const name = `${operation.method} ${operation.path}`;
    const runs = HEAVY.has(name) ? HEAVY_RUNS : RUNS;
    it(`${name}: ${runs} generated requests answer well-formed, never 5xx, never a stack or the key`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(operation), async (request) => {
          const answer = await send(operation, request);
          log.record(name, answer);
          assertWellFormed(answer, [key]);
        }),
        { numRuns: runs, endOnFailure: true },
      );
    });
  }

  it(`forged and malformed credentials (${RUNS} cases) are 401/403/429 problem+json and never echoed`, async () => {
    const forged = fc.oneof(
      fc
        .constantFrom('dev', 'qa', 'prod')
        .map((env) => generateApiKey(env as 'dev' | 'qa' | 'prod').plaintext),
      headerText.filter((text) => text.trim().length > 0),
      fc.constant(`${key.slice(0, -3)}abc`),
      fc.constant(`${key} ${key}`),
    );
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom('bearer', 'header', 'query'), async (credential, where) => {
        const headers: Record<string, string> = {
          'x-forwarded-for': `172.16.${clientCounter++ % 250}.${clientCounter % 250}`,
        };
        let url = '/insights/daily';
        if (where === 'bearer') headers.authorization = `Bearer ${credential}`;
        else if (where === 'header') headers['x-api-key'] = credential;
        else url += `?api_key=${percentEncode(credential)}`;
        const response = await app.request(url, { headers });
        const answer = {
          status: response.status,
          contentType: response.headers.get('content-type'),
          text: await response.text(),
        };
        log.record('credentials', answer);
        expect([401, 403, 429]).toContain(answer.status);
        assertWellFormed(answer, credential.trim().length >= 16 ? [key, credential.trim()] : [key]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('never wrote an API key or an api_key query string to the logs', () => {
    const text = capture.lines.join('\n');
    expect(capture.lines.length).toBeGreaterThan(RUNS);
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/da_(dev|qa|prod)_[0-9A-Za-z]{20}/);
    expect(text).not.toContain('api_key=');
  });
});
