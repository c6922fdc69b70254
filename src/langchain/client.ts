/** The environments a DatAlive deployment runs (each with its own base URL and API keys). */
export type DataliveEnvironment = 'dev' | 'qa' | 'prod';

/** Options of {@link DataliveClient}. */
export interface DataliveClientOptions {
  /** Base URL of the environment's API, e.g. `https://datalive-qa.example.com`. */
  baseUrl: string;
  /** An API key of that environment (`da_<env>_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Per-request deadline in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** A problem+json answer of the API (4xx/5xx), with its stable `code`. */
export class DataliveApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`DatAlive API ${status} ${code}: ${detail}`);
    this.name = 'DataliveApiError';
  }
}

const KEY_ENVIRONMENT = /^da_(dev|qa|prod)_/;

/**
 * A small JSON client for one DatAlive environment, shared by the LangChain retriever and tools. It never
 * logs or echoes the key; errors carry the problem's `code` and `detail` only.
 */
export class DataliveClient {
  readonly baseUrl: string;
  readonly environment: DataliveEnvironment | undefined;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private document: Promise<Record<string, unknown>> | undefined;

  constructor(options: DataliveClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new Error('baseUrl must be an http(s) URL');
    if (!options.apiKey) throw new Error('apiKey is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.environment = KEY_ENVIRONMENT.exec(options.apiKey)?.[1] as DataliveEnvironment | undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * The client of one environment from variables `DATALIVE_<ENV>_URL` and `DATALIVE_<ENV>_API_KEY`
   * (e.g. `DATALIVE_QA_URL`). Refuses a key issued for another environment before any request is sent.
   */
  static forEnvironment(
    environment: DataliveEnvironment,
    variables: Record<string, string | undefined> = process.env,
    options: Pick<DataliveClientOptions, 'timeoutMs' | 'fetch'> = {},
  ): DataliveClient {
    const prefix = `DATALIVE_${environment.toUpperCase()}`;
    const baseUrl = variables[`${prefix}_URL`];
    const apiKey = variables[`${prefix}_API_KEY`];
    if (!baseUrl || !apiKey) throw new Error(`set ${prefix}_URL and ${prefix}_API_KEY`);
    const client = new DataliveClient({ ...options, baseUrl, apiKey });
    if (client.environment && client.environment !== environment) {
      throw new Error(`${prefix}_API_KEY is a ${client.environment} key, not a ${environment} key`);
    }
    return client;
  }

  /** `GET path?query` → parsed JSON; array values are sent comma-separated, undefined ones left out. */
  get<T>(path: string, query: Record<string, unknown> = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return this.request<T>(url, { method: 'GET' });
  }

  /** `POST path` with a JSON body → parsed JSON. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(new URL(`${this.baseUrl}${path}`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** The environment's OpenAPI document (`GET /openapi.json`), fetched once. */
  openApiDocument(): Promise<Record<string, unknown>> {
    this.document ??= this.get<Record<string, unknown>>('/openapi.json').catch((error: unknown) => {
      this.document = undefined;
      throw error;
    });
    return this.document;
  }

  private async request<T>(url: URL, init: RequestInit): Promise<T> {
    const response = await this.fetchImpl(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        accept: 'application/json',
        authorization: `Bearer ${this.apiKey}`,
      },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const problem = (body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown };
      throw new DataliveApiError(
        response.status,
        typeof problem.code === 'string' ? problem.code : 'http_error',
        typeof problem.detail === 'string'
          ? problem.detail
          : typeof problem.title === 'string'
            ? problem.title
            : response.statusText,
      );
    }
    if (body === undefined)
      throw new DataliveApiError(response.status, 'invalid_response', 'response is not JSON');
    return body as T;
  }
}
