import { createHash, createPublicKey, type KeyObject, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** Snowflake logical column types the fake can describe in a result's `rowtype`. */
export type FakeColumnType =
  | 'fixed'
  | 'real'
  | 'text'
  | 'boolean'
  | 'date'
  | 'timestamp_ntz'
  | 'timestamp_ltz'
  | 'timestamp_tz';

/** One column of a scripted result, as Snowflake describes it (upper-case names, as the server sends them). */
export interface FakeColumn {
  name: string;
  type: FakeColumnType;
  scale?: number;
  precision?: number;
}

/** What the fake answers to one query-request. */
export type FakeReply =
  | {
      kind: 'rows';
      columns: FakeColumn[];
      rows: Array<Array<string | null>>;
      queryId?: string;
      delayMs?: number;
    }
  | { kind: 'error'; code: string; message: string; sqlState?: string; queryId?: string }
  | { kind: 'hang' };

/** A bind variable exactly as the driver put it on the wire. */
export interface FakeBinding {
  type: string;
  value: string | null;
}

/** A login-request as received, with the outcome of the JWT check. */
export interface RecordedLogin {
  accountName: string;
  loginName: string;
  authenticator: string;
  /** Query-string parameters: warehouse, databaseName, schemaName, roleName. */
  search: Record<string, string>;
  jwtVerified: boolean;
  jwtClaims: Record<string, unknown> | undefined;
}

/** A query-request as received. */
export interface RecordedQuery {
  requestId: string;
  sessionToken: string;
  sqlText: string;
  bindings: Record<string, FakeBinding> | undefined;
  parameters: Record<string, unknown> | undefined;
}

/** Options for {@link startFakeSnowflake}. */
export interface FakeSnowflakeOptions {
  /** Public key the login JWT must be signed with; a bad signature gets Snowflake's 390144. */
  publicKey: KeyObject | string;
  /** Answers each query-request; defaults to one `1` row for anything. */
  onQuery?: (query: RecordedQuery) => FakeReply;
  /**
   * The account's warehouses as `SHOW WAREHOUSES` lists them to the role. The readiness probe's statements
   * (`SELECT CURRENT_WAREHOUSE() …`, `SHOW WAREHOUSES LIKE …`) are answered from it and the session's login
   * context; by default every warehouse a login names exists, is STARTED and auto-resumes.
   */
  warehouses?: FakeWarehouse[];
}

/** One warehouse of the fake account. */
export interface FakeWarehouse {
  name: string;
  state: 'STARTED' | 'SUSPENDED' | 'RESIZING';
  autoResume: boolean;
}

/** A running fake; `url` goes into the driver's `accessUrl`. */
export interface FakeSnowflake {
  readonly url: string;
  readonly logins: RecordedLogin[];
  readonly queries: RecordedQuery[];
  /** Request ids (or query ids) named by abort-requests. */
  readonly aborts: string[];
  /** Number of session delete requests (connections destroyed). */
  sessionDeletes(): number;
  close(): Promise<void>;
}

const SESSION_PARAMETERS = [
  { name: 'TIMEZONE', value: 'America/Los_Angeles' },
  { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
  { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
  { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
  { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
];

/** Encoders from readable literals to the raw JSON-result wire values Snowflake sends. */
export const wire = {
  /** DATE: days since the Unix epoch. */
  date: (isoDate: string): string => String(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000),
  /** TIMESTAMP_NTZ / LTZ: epoch seconds with nine fractional digits. */
  timestamp: (isoWithoutZone: string): string => `${Date.parse(`${isoWithoutZone}Z`) / 1000}.000000000`,
  /** TIMESTAMP_TZ (result version 1): UTC epoch seconds, then the offset in minutes plus 1440. */
  timestampTz: (utcIso: string, offsetMinutes: number): string =>
    `${Date.parse(`${utcIso}Z`) / 1000}.000000000 ${offsetMinutes + 1440}`,
};

/**
 * Starts a local HTTP server speaking the part of the Snowflake REST protocol the Node.js driver uses for
 * key-pair login, query execution, statement abort, telemetry and session deletion.
 */
export async function startFakeSnowflake(options: FakeSnowflakeOptions): Promise<FakeSnowflake> {
  const publicKey =
    typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  const onQuery = options.onQuery ?? (() => oneRow());
  const logins: RecordedLogin[] = [];
  const queries: RecordedQuery[] = [];
  const aborts: string[] = [];
  const hanging = new Map<string, ServerResponse>();
  const sessions = new Map<string, URLSearchParams>();
  let deletes = 0;
  let sessionCounter = 0;

  const server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const token = /Snowflake Token="([^"]*)"/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (url.pathname === '/session/v1/login-request') {
        const data = (body.data ?? {}) as Record<string, unknown>;
        const jwt = verifyJwt(String(data.TOKEN ?? ''), publicKey);
        logins.push({
          accountName: String(data.ACCOUNT_NAME ?? ''),
          loginName: String(data.LOGIN_NAME ?? ''),
          authenticator: String(data.AUTHENTICATOR ?? ''),
          search: Object.fromEntries(url.searchParams),
          jwtVerified: jwt.verified,
          jwtClaims: jwt.claims,
        });
        if (!jwt.verified) return send(response, failure('390144', 'JWT token is invalid.'));
        sessionCounter += 1;
        const sessionToken = `session-${sessionCounter}-${randomUUID()}`;
        sessions.set(sessionToken, url.searchParams);
        return send(response, {
          data: {
            token: sessionToken,
            masterToken: `master-${sessionCounter}`,
            validityInSeconds: 3600,
            masterValidityInSeconds: 14_400,
            sessionId: sessionCounter,
            parameters: SESSION_PARAMETERS,
            sessionInfo: {
              databaseName: url.searchParams.get('databaseName'),
              schemaName: url.searchParams.get('schemaName'),
              warehouseName: url.searchParams.get('warehouse'),
              roleName: url.searchParams.get('roleName'),
            },
          },
          code: null,
          message: null,
          success: true,
        });
      }
      if (!sessions.has(token)) return send(response, failure('390104', 'Session token is invalid.'));
      if (url.pathname === '/queries/v1/query-request') {
        const query: RecordedQuery = {
          requestId: url.searchParams.get('requestId') ?? '',
          sessionToken: token,
          sqlText: String(body.sqlText ?? ''),
          bindings: body.bindings as Record<string, FakeBinding> | undefined,
          parameters: body.parameters as Record<string, unknown> | undefined,
        };
        queries.push(query);
        const reply =
          probeReply(query.sqlText, sessions.get(token) as URLSearchParams, options.warehouses) ??
          onQuery(query);
        if (reply.kind === 'hang') {
          hanging.set(query.requestId, response);
          return;
        }
        if (reply.kind === 'error') return send(response, errorBody(reply));
        setTimeout(() => send(response, rowsBody(reply)), reply.delayMs ?? 0);
        return;
      }
      if (url.pathname.endsWith('/abort-request')) {
        const requestId = String(body.requestId ?? url.pathname.split('/')[2]);
        aborts.push(requestId);
        const held = hanging.get(requestId);
        hanging.delete(requestId);
        if (held)
          send(held, errorBody({ code: '000604', message: 'SQL execution canceled', sqlState: '57014' }));
        return send(response, { data: null, code: null, message: null, success: true });
      }
      if (url.pathname === '/session' && url.searchParams.get('delete') === 'true') {
        deletes += 1;
        sessions.delete(token);
        return send(response, { data: null, code: null, message: null, success: true });
      }
      if (url.pathname === '/telemetry/send') return send(response, { data: 'Log Received', success: true });
      send(response, failure('000000', `fake Snowflake does not serve ${url.pathname}`), 404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    logins,
    queries,
    aborts,
    sessionDeletes: () => deletes,
    close: async () => {
      for (const held of hanging.values()) held.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function probeReply(
  sqlText: string,
  login: URLSearchParams,
  warehouses: FakeWarehouse[] | undefined,
): FakeReply | undefined {
  const loginWarehouse = login.get('warehouse') ?? '';
  const account = warehouses ?? [{ name: loginWarehouse.toUpperCase(), state: 'STARTED', autoResume: true }];
  if (/^SELECT CURRENT_WAREHOUSE\(\) AS warehouse/.test(sqlText)) {
    const usable = account.some((warehouse) => warehouse.name === loginWarehouse.toUpperCase());
    const text = (name: string): FakeColumn => ({ name, type: 'text' });
    return {
      kind: 'rows',
      columns: [text('WAREHOUSE'), text('DATABASE'), text('SCHEMA')],
      rows: [
        [
          usable ? loginWarehouse.toUpperCase() : null,
          login.get('databaseName')?.toUpperCase() ?? null,
          login.get('schemaName')?.toUpperCase() ?? null,
        ],
      ],
    };
  }
  const show = /^SHOW WAREHOUSES LIKE '([^']*)'$/.exec(sqlText);
  if (show) {
    const pattern = new RegExp(`^${(show[1] as string).replace(/_/g, '.').replace(/%/g, '.*')}$`, 'i');
    const text = (name: string): FakeColumn => ({ name, type: 'text' });
    return {
      kind: 'rows',
      columns: [text('name'), text('state'), text('auto_resume')],
      rows: account
        .filter((warehouse) => pattern.test(warehouse.name))
        .map((warehouse) => [warehouse.name, warehouse.state, String(warehouse.autoResume)]),
    };
  }
  return undefined;
}

/** A default reply: one `1` in a column named `1`, like `SELECT 1`. */
export function oneRow(): FakeReply {
  return { kind: 'rows', columns: [{ name: '1', type: 'fixed' }], rows: [['1']] };
}

function rowsBody(reply: Extract<FakeReply, { kind: 'rows' }>): Record<string, unknown> {
  return {
    data: {
      parameters: SESSION_PARAMETERS,
      rowtype: reply.columns.map((column) => ({
        name: column.name,
        database: '',
        schema: '',
        table: '',
        nullable: true,
        type: column.type,
        scale: column.scale ?? defaultScale(column.type),
        precision: column.precision ?? (column.type === 'fixed' ? 38 : 0),
        length: column.type === 'text' ? 16_777_216 : null,
        byteLength: column.type === 'text' ? 16_777_216 : null,
        collation: null,
      })),
      rowset: reply.rows,
      total: reply.rows.length,
      returned: reply.rows.length,
      queryId: reply.queryId ?? fakeQueryId(),
      databaseProvider: null,
      numberOfBinds: 0,
      arrayBindSupported: false,
      statementTypeId: 4096,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: 'json',
    },
    code: null,
    message: null,
    success: true,
  };
}

function errorBody(reply: { code: string; message: string; sqlState?: string; queryId?: string }) {
  return {
    data: {
      internalError: false,
      errorCode: reply.code,
      age: 0,
      sqlState: reply.sqlState ?? '42000',
      queryId: reply.queryId ?? fakeQueryId(),
      line: -1,
      pos: -1,
      type: 'COMPILATION',
    },
    code: reply.code,
    message: reply.message,
    success: false,
    headers: null,
  };
}

function failure(code: string, message: string) {
  return { data: { nextAction: 'RETRY_LOGIN', authnMethod: 'KEY_PAIR' }, code, message, success: false };
}

function defaultScale(type: FakeColumnType): number {
  if (type === 'real' || type === 'fixed') return 0;
  return type.startsWith('timestamp') ? 9 : 0;
}

function fakeQueryId(): string {
  return `01b${randomUUID().replaceAll('-', '').slice(0, 29)}`;
}

function verifyJwt(
  token: string,
  publicKey: KeyObject,
): { verified: boolean; claims: Record<string, unknown> | undefined } {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return { verified: false, claims: undefined };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const signatureValid = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  const fingerprint = `SHA256:${createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64')}`;
  const issuerMatches = String(claims.iss ?? '').endsWith(`.${fingerprint}`);
  return { verified: signatureValid && issuerMatches, claims };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  const raw = Buffer.concat(chunks);
  const text =
    request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function send(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
