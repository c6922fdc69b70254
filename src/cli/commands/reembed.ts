import { parseArgs } from 'node:util';
import { ENVIRONMENTS } from '../../profiles.js';
import { type Command, UsageError } from '../command.js';
import { createProgress } from '../progress.js';
import { resourcesOf } from '../resources.js';

/** `datalive reembed`: rebuilds the environment's vectors with the configured embedding model and dimension. */
export const reembedCommand: Command = {
  name: 'reembed',
  summary: 'Re-embed every chunk with the configured embedder (after a model or dimension change)',
  usage: 'datalive reembed [--env E]',
  async run(context) {
    const { args, io, config } = context;
    const { values } = parseArgs({ args, strict: true, options: { env: { type: 'string' } } });
    if (values.env && !(ENVIRONMENTS as readonly string[]).includes(values.env)) {
      throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
    }
    const settings = config(values.env ? { DATALIVE_ENV: values.env } : {});
    const lease = await resourcesOf(context).ragIndex(settings, { checkCompatible: false });
    const index = lease.value;
    try {
      let progress: ReturnType<typeof createProgress> | undefined;
      let reported = 0;
      const result = await index.rag.reembed(
        (done, total) => {
          progress ??= createProgress(io, `reembed ${settings.profile.ragSchema}`, total);
          progress.tick(done - reported);
          reported = done;
        },
        (pause) =>
          io.err(
            `reembed paused at ${pause.done}/${pause.total} for ${Math.round(pause.waitMs / 1000)} s, then resumes: ${pause.reason}`,
          ),
      );
      progress?.stop();
      io.out(
        `${settings.profile.ragSchema}: ${result.chunks} chunks re-embedded with ${result.model} (${result.dimension} dimensions)`,
      );
      return 0;
    } finally {
      await lease.release();
    }
  },
};
