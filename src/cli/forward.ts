import { request } from 'node:http';
import type { CliIo } from './command.js';

/** One line of a forwarded command's output stream (NDJSON): a line for stdout or stderr, or the exit code. */
export type ForwardedLine = { out: string } | { err: string } | { exit: number };

/** Path of the control-socket operation that runs a CLI command inside the server. */
export const controlCommandPath = (name: string): string => `/control/commands/${encodeURIComponent(name)}`;

/**
 * Runs `datalive <name> <args>` inside the embedded server listening on `socketPath` (its owner-only control
 * socket), writing the command's output to `io` as it streams back; resolves to the command's exit code.
 */
export function forwardCommand(
  socketPath: string,
  name: string,
  args: readonly string[],
  cwd: string,
  io: CliIo,
): Promise<number> {
  const payload = JSON.stringify({ args, cwd });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        socketPath,
        method: 'POST',
        path: controlCommandPath(name),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        let exit: number | undefined;
        let pending = '';
        let body = '';
        const handle = (line: string): void => {
          if (line.trim() === '') return;
          const parsed = JSON.parse(line) as ForwardedLine;
          if ('out' in parsed) io.out(parsed.out);
          else if ('err' in parsed) io.err(parsed.err);
          else exit = parsed.exit;
        };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (response.statusCode !== 200) {
            body += chunk;
            return;
          }
          pending += chunk;
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            handle(pending.slice(0, newline));
            pending = pending.slice(newline + 1);
            newline = pending.indexOf('\n');
          }
        });
        response.on('end', () => {
          if (response.statusCode !== 200) {
            const detail = (() => {
              try {
                return (JSON.parse(body) as { detail?: string }).detail;
              } catch {
                return undefined;
              }
            })();
            reject(
              new Error(`the running server refused the command: ${detail ?? `HTTP ${response.statusCode}`}`),
            );
            return;
          }
          handle(pending);
          if (exit === undefined) reject(new Error('the running server stopped before the command finished'));
          else resolve(exit);
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
