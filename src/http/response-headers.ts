import { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/**
 * Sets a response header. Under `@hono/node-server` it goes straight onto the Node response, which
 * merges it into the head Hono writes (a header the handler sets itself wins, as `/docs` does with
 * its Content-Security-Policy). That keeps Hono's fast path: a response whose only header is its
 * content type is written from a plain object, while one header set with `c.header()` makes every
 * response build and validate a WHATWG `Headers` and copy it back out (about a quarter of `/health`'s
 * JavaScript time). Elsewhere (`app.request` in tests, other runtimes) it is `c.header()`.
 */
export function setResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  const outgoing = c.env?.outgoing;
  if (outgoing instanceof ServerResponse) outgoing.setHeader(name, value);
  else c.header(name, value);
}
