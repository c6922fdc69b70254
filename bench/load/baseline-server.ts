/**
 * The load baseline: a bare `node:http` server answering every request with a small JSON body (the
 * size of `/health`'s). What the machine can do with no framework, middleware or logging; every load
 * figure is printed as a ratio to it, measured in the same run.
 * Run: `node --import tsx bench/load/baseline-server.ts` (PORT, default 0; logs its URL as a JSON line).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({ status: 'ok', env: 'dev', version: '0.1.0', uptime_s: 1 });

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'baseline listening', url: `http://127.0.0.1:${port}` })}\n`);
});

process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
