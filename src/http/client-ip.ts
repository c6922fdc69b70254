import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/**
 * The caller's IP address. Behind the ALB (`trustProxy`), the last address appended to
 * `X-Forwarded-For` is the one the load balancer saw; otherwise the socket's peer address.
 */
export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return c.env?.incoming?.socket?.remoteAddress ?? 'local';
}
