import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/**
 * The right-most untrusted address of a forwarding chain. The chain is every `X-Forwarded-For` entry
 * followed by the socket peer; the last `trustedHops` of it are our own proxies (the ALB is one hop), so
 * the address just before them is the client as the outermost trusted proxy saw it. Entries further
 * left were written by the client and are never believed. With fewer entries than hops, the left-most
 * address is the best there is.
 */
export function untrustedAddress(
  forwardedFor: string | undefined,
  peer: string,
  trustedHops: number,
): string {
  if (trustedHops <= 0 || !forwardedFor) return peer;
  const chain = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  chain.push(peer);
  return chain[Math.max(0, chain.length - 1 - trustedHops)] ?? peer;
}

/**
 * The caller's IP address: the socket peer, or behind `trustedHops` proxies (`TRUST_PROXY`, 1 for the
 * ALB) the right-most untrusted `X-Forwarded-For` entry.
 */
export function clientIp(c: Context<AppEnv>, trustedHops: number): string {
  const peer = c.env?.incoming?.socket?.remoteAddress ?? 'local';
  return untrustedAddress(trustedHops > 0 ? c.req.header('x-forwarded-for') : undefined, peer, trustedHops);
}
