import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { PROBLEM_CODES } from '../../src/http/problem.js';
import { testOutputDir } from '../support/http-server.js';

/** The subset of JSON Schema the OpenAPI document uses. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
}

/** One operation of the OpenAPI document. */
export interface Operation {
  method: string;
  path: string;
  parameters: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema }>;
  body: JsonSchema | undefined;
}

/** The parts of `/openapi.json` the fuzzer reads. */
export interface OpenApiDocumentShape {
  paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: unknown }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, with `$ref`s of request bodies left for {@link schemaValue} to resolve. */
export function operationsOf(document: OpenApiDocumentShape): Operation[] {
  return Object.entries(document.paths).flatMap(([pathName, item]) =>
    HTTP_METHODS.filter((method) => method in item).map((method) => {
      const operation = item[method] as { parameters?: Operation['parameters']; requestBody?: unknown };
      const content = (
        operation.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined
      )?.content;
      return {
        method: method.toUpperCase(),
        path: pathName,
        parameters: operation.parameters ?? [],
        body: content?.['application/json']?.schema,
      };
    }),
  );
}

/** Strings that have broken APIs before: SQL, template and shell injection, traversal, encodings, magic words. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE analytics.production_daily; --",
  "SITE-A' UNION SELECT key_hash, name FROM api_keys --",
  '1; SELECT pg_sleep(10) --',
  '" OR 1=1 --',
  "') OR ('x'='x",
  '%27%20OR%201%3D1',
  '1 AND 1=CAST((SELECT version()) AS int)',
  '$(reboot)',
  '`id`',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${7*7}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'file:///etc/passwd',
  'a\u0000b',
  '\u0000',
  '\uFEFF',
  '\uFFFF',
  '\uD800',
  '\u202Etxt.exe',
  'Ω≈ç√∫',
  '🛢️💥',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '-1e309',
  '9007199254740993',
  '99999999999999999999999999999999999999',
  '0x7fffffff',
  '2025-02-30',
  '2025-13-01',
  '0000-00-00',
  '9999-12-31',
  '1970-01-01',
  ' ',
  '',
  ',',
  ',,,',
  'SITE-A,',
  'x'.repeat(3_000),
  'SITE-A,'.repeat(400),
];

/** Numbers at and beyond the edges of what JSON, JavaScript and SQL integers can hold. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -1,
  -0,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_VALUE,
];

/** Any text: hostile constants, arbitrary code points (lone surrogates included), numbers. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS).map(String) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
);

/** Any JSON value, including the hostile strings and numbers. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);

/** A query-string value: text (percent-encoded as UTF-8) or raw bytes (possibly invalid UTF-8). */
export type QueryValue = string | Uint8Array;

/** Percent-encodes every byte outside the unreserved set; lone surrogates become U+FFFD. */
export function percentEncode(value: QueryValue): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split('/').at(-1) as string;
    return resolve(components[name] ?? {}, components);
  }
  return schema;
}

/**
 * A value for `schema`: mostly valid (enums, patterns via `stringMatching`, ranges, required keys), and
 * at every level sometimes replaced by hostile JSON, so generated requests get past validation often
 * enough to reach handlers, and past it with a bad field just as often.
 */
export function schemaValue(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
): fc.Arbitrary<unknown> {
  const valid = validValue(schema, components, depth, true);
  const resolved = resolve(schema, components);
  const isText = !resolved.enum && (resolved.type === 'string' || resolved.type === undefined);
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: hostileJson },
    ...(isText ? [{ weight: 2, arbitrary: withNastyCharacter(valid) }] : []),
  );
}

/** Characters that text columns, parsers and terminals mishandle. */
export const NASTY_CHARACTERS: readonly string[] = [
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  '\uFFFD',
  "'",
  '"',
  '\\',
  '%',
  '\r\n',
];

/** A valid value with one nasty character inserted somewhere (strings only; other values pass through). */
function withNastyCharacter(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.constantFrom(...NASTY_CHARACTERS), fc.nat()).map(([value, nasty, at]) => {
    if (typeof value !== 'string') return value;
    const index = value.length === 0 ? 0 : at % (value.length + 1);
    return `${value.slice(0, index)}${nasty}${value.slice(index)}`;
  });
}

/**
 * A value that satisfies `schema` as far as the generator can tell (patterns, ranges, enums, required
 * keys); with `mixed`, nested fields are sometimes hostile (see {@link schemaValue}).
 */
export function validValue(
  raw: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
  mixed = false,
): fc.Arbitrary<unknown> {
  const schema = resolve(raw, components);
  const child = (next: JsonSchema) =>
    mixed ? schemaValue(next, components, depth + 1) : validValue(next, components, depth + 1);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants && variants.length > 0)
    return fc.oneof(...variants.map((variant) => validValue(variant, components, depth, mixed)));
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'string'];
  const arbitraries = types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
      case 'array':
        return depth > 3
          ? fc.constant([])
          : fc.array(child(schema.items ?? {}), {
              minLength: schema.minItems ?? 0,
              maxLength: Math.min(schema.maxItems ?? 4, 4),
            });
      case 'object': {
        if (depth > 3) return fc.constant({});
        const properties = Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([name, property]) => [name, child(property)]),
        );
        return fc.record(properties, { requiredKeys: schema.required ?? [] });
      }
      default:
        if (schema.pattern) {
          return fc
            .stringMatching(new RegExp(schema.pattern), { size: 'xsmall' })
            .filter(
              (text) => text.length >= (schema.minLength ?? 0) && text.length <= (schema.maxLength ?? 2000),
            );
        }
        return fc.string({
          minLength: schema.minLength ?? 0,
          maxLength: Math.min(schema.maxLength ?? 40, 40),
          unit: 'grapheme',
        });
    }
  });
  return arbitraries.length === 1 ? (arbitraries[0] as fc.Arbitrary<unknown>) : fc.oneof(...arbitraries);
}

/** A header value the Fetch `Headers` class accepts: printable Latin-1 and tab, no CR, LF or NUL. */
export const headerText: fc.Arbitrary<string> = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }), fc.constant(0x09))
    .map((code) => String.fromCharCode(code)),
  maxLength: 60,
});

/** What a response must never contain: stack frames, internal paths, module names. */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat [\w$.<>]+ \(/,
  /\n\s+at /,
  /node:internal/,
  /node_modules\//,
  /\.[cm]?[jt]s:\d+:\d+/,
  /\/work\/main\//,
];

/** A captured response. */
export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

/**
 * The invariants every response keeps, whatever the request: no 5xx; errors are problem+json with a
 * known code and the HTTP status in `status`; successes are a declared media type; no stack trace or
 * internal path; never the presented API key.
 */
export function assertWellFormed(answer: Answer, secrets: readonly string[]): void {
  if (answer.status >= 500) throw new Error(`server error ${answer.status}: ${answer.text.slice(0, 500)}`);
  for (const pattern of LEAK_PATTERNS) {
    if (pattern.test(answer.text))
      throw new Error(`response leaks internals (${pattern}): ${answer.text.slice(0, 500)}`);
  }
  for (const secret of secrets) {
    if (answer.text.includes(secret)) throw new Error('response echoes the API key');
  }
  if (answer.status >= 400) {
    if (answer.contentType !== 'application/problem+json')
      throw new Error(
        `error ${answer.status} is ${answer.contentType}, not problem+json: ${answer.text.slice(0, 300)}`,
      );
    const body = JSON.parse(answer.text) as {
      status?: unknown;
      code?: unknown;
      type?: unknown;
      title?: unknown;
    };
    if (body.status !== answer.status)
      throw new Error(`problem status ${String(body.status)} ≠ HTTP ${answer.status}`);
    if (typeof body.code !== 'string' || !(body.code in PROBLEM_CODES))
      throw new Error(`unknown problem code ${String(body.code)}`);
    if (body.type !== `/problems/${body.code}` || typeof body.title !== 'string')
      throw new Error(`malformed problem: ${answer.text.slice(0, 300)}`);
    return;
  }
  if (answer.status === 204 || answer.status === 304) return;
  const type = answer.contentType ?? '';
  if (type.startsWith('application/json')) JSON.parse(answer.text);
  else if (!/^(text\/csv|text\/event-stream|text\/plain|text\/html|application\/openmetrics-text)/.test(type))
    throw new Error(`unexpected content type ${type} for ${answer.status}`);
}

/** Per-suite counts written to `test-output/hostile/<suite>.json` for the record. */
export class CaseLog {
  private readonly counts = new Map<
    string,
    { cases: number; statuses: Record<string, number>; problems: Record<string, number> }
  >();

  constructor(private readonly suite: string) {}

  /** Counts one case; for problem responses also its `code` and `param`. */
  record(name: string, answer: Answer): void {
    const entry = this.counts.get(name) ?? { cases: 0, statuses: {}, problems: {} };
    entry.cases += 1;
    entry.statuses[answer.status] = (entry.statuses[answer.status] ?? 0) + 1;
    if (answer.status >= 400 && answer.contentType === 'application/problem+json') {
      try {
        const body = JSON.parse(answer.text) as { code?: string; param?: string };
        const label = `${body.code}${body.param ? `:${body.param}` : ''}`;
        entry.problems[label] = (entry.problems[label] ?? 0) + 1;
      } catch {
        // assertWellFormed reports it
      }
    }
    this.counts.set(name, entry);
  }

  total(): number {
    return [...this.counts.values()].reduce((sum, entry) => sum + entry.cases, 0);
  }

  write(): string {
    const file = path.join(testOutputDir('hostile'), `${this.suite}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ suite: this.suite, written_at: new Date().toISOString(), total: this.total(), groups: Object.fromEntries(this.counts) }, null, 2)}\n`,
    );
    return file;
  }
}

/** What came back on a raw TCP connection. */
export interface RawExchange {
  /** The status of the first response line, or 0 when nothing came back. */
  status: number;
  text: string;
  /** The server closed the connection (before `waitMs` ran out). */
  closed: boolean;
  ms: number;
}

/**
 * Writes `chunks` to a fresh TCP connection (`everyMs` apart when given), then reads until the server
 * closes or `waitMs` passes. For requests `fetch` refuses to send: control characters, bad framing,
 * oversized heads, slow senders.
 */
export function rawExchange(
  port: number,
  chunks: ReadonlyArray<string | Buffer>,
  options: { waitMs?: number; everyMs?: number } = {},
): Promise<RawExchange> {
  const waitMs = options.waitMs ?? 5_000;
  return new Promise((resolve) => {
    const started = performance.now();
    const received: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let pacer: NodeJS.Timeout | undefined;
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = () => {
      clearTimeout(timer);
      clearInterval(pacer);
      const text = Buffer.concat(received).toString('latin1');
      const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, text, closed, ms: performance.now() - started });
    };
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      timer = setTimeout(finish, waitMs);
      if (!options.everyMs) {
        for (const chunk of chunks) socket.write(chunk);
        return;
      }
      let next = 0;
      pacer = setInterval(() => {
        if (next < chunks.length && !socket.destroyed) socket.write(chunks[next++] as string | Buffer);
      }, options.everyMs);
    });
  });
}
