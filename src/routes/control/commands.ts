import { Hono } from 'hono';
import { z } from 'zod';
import type { CliIo } from '../../cli/command.js';
import type { ForwardedLine } from '../../cli/forward.js';
import { COMMANDS, executeCommand } from '../../cli/main.js';
import { serverResources } from '../../cli/resources.js';
import type { AppEnv } from '../../http/context.js';
import { ProblemError } from '../../http/problem.js';

const BodySchema = z.strictObject({
  args: z.array(z.string().max(4_096)).max(256),
  cwd: z
    .string()
    .min(1)
    .max(4_096)
    .refine((value) => value.startsWith('/'), 'must be an absolute path'),
});

/**
 * `POST /control/commands/{name}`: runs a `datalive` command inside this server, on its open stores, for the
 * local CLI. Served only on the owner-only control socket (anywhere else it does not exist), so it is not part
 * of the public OpenAPI document. The command's output streams back as NDJSON lines (`{"out"}`, `{"err"}`,
 * then `{"exit"}`), so progress shows while a long load or ingest runs.
 */
export const controlCommandRoutes = new Hono<AppEnv>().post('/control/commands/:name', async (c) => {
  if (c.env?.controlPlane !== true) throw new ProblemError('route_not_found', `No route ${c.req.path}.`);
  const name = c.req.param('name');
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new ProblemError('not_found', `No datalive command "${name.slice(0, 40)}".`);
  let body: z.infer<typeof BodySchema>;
  try {
    body = BodySchema.parse(await c.req.json());
  } catch {
    throw new ProblemError(
      'invalid_request',
      'The body must be {"args": string[], "cwd": "/absolute/path"}.',
    );
  }
  const services = c.get('services');
  const encoder = new TextEncoder();
  const stream = new TransformStream<ForwardedLine, Uint8Array>({
    transform: (line, controller) => controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`)),
  });
  const writer = stream.writable.getWriter();
  const send = (line: ForwardedLine): void => void writer.write(line).catch(() => {});
  const io: CliIo = {
    out: (text) => send({ out: text }),
    err: (text) => send({ err: text }),
    interactive: false,
  };
  void (async () => {
    const exit = await executeCommand(command, {
      args: body.args,
      io,
      cwd: body.cwd,
      resources: serverResources(services),
      config: (overrides = {}) => {
        const wanted = overrides.DATALIVE_ENV;
        if (wanted && wanted !== services.config.env) {
          throw new Error(
            `the server running on ${services.config.dataDir} serves ${services.config.env}, not ${wanted}; run the command without --env, or stop the server`,
          );
        }
        return services.config;
      },
    });
    send({ exit });
    await writer.close().catch(() => {});
  })();
  return c.body(stream.readable, 200, {
    'Content-Type': 'application/x-ndjson',
    'Cache-Control': 'no-store',
  });
});
