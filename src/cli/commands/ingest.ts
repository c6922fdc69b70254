import path from 'node:path';
import { parseArgs } from 'node:util';
import { ENVIRONMENTS } from '../../profiles.js';
import { type Command, UsageError } from '../command.js';
import { createProgress } from '../progress.js';
import { resourcesOf } from '../resources.js';

/** `datalive ingest PATH...`: index runbooks and dashboards into the environment's vector index. */
export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Index Markdown, HTML, text, PDF and dashboard files into the RAG index',
  usage:
    'datalive ingest PATH... [--env E] [--type runbook|dashboard] [--source NAME] [--prune] [--exclude GLOB_OR_NAME]... [--json]\n\n' +
    "A document is identified by its source name (the folder's name, or --source) and its path inside the folder,\n" +
    'so ingesting the same folder from anywhere finds the same documents.',
  async run(context) {
    const { args, io, config } = context;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        env: { type: 'string' },
        type: { type: 'string' },
        prune: { type: 'boolean', default: false },
        source: { type: 'string' },
        exclude: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError('give at least one file or folder');
    if (values.env && !(ENVIRONMENTS as readonly string[]).includes(values.env)) {
      throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
    }
    if (
      values.source !== undefined &&
      (positionals.length !== 1 || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(values.source))
    )
      throw new UsageError('--source takes one name (letters, digits, . _ -) and exactly one PATH');
    if (values.type && values.type !== 'runbook' && values.type !== 'dashboard') {
      throw new UsageError('--type must be runbook or dashboard');
    }
    const settings = config(values.env ? { DATALIVE_ENV: values.env } : {});
    const lease = await resourcesOf(context).ragIndex(settings, { checkCompatible: true });
    const index = lease.value;
    const roots = positionals.map((target) => path.resolve(context.cwd ?? process.cwd(), target));
    let progress: ReturnType<typeof createProgress> | undefined;
    try {
      const summary = await index.rag.ingestPaths(roots, {
        type: values.type as 'runbook' | 'dashboard' | undefined,
        prune: values.prune,
        ...(values.source ? { source: values.source } : {}),
        exclude: values.exclude ?? [],
        onProgress: (done, total, file) => {
          progress ??= createProgress(io, `ingest ${settings.profile.ragSchema}`, total);
          progress.tick(1, file.slice(-40));
          if (done === total) {
            progress.stop();
            progress = undefined;
          }
        },
      });
      if (values.json) io.out(JSON.stringify(summary, null, 2));
      else {
        io.out(
          `${settings.profile.ragSchema}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed; ${summary.chunks} chunks embedded with ${index.embedder.model} in ${summary.seconds}s`,
        );
        for (const failure of summary.failed) io.err(`skipped ${failure.file}: ${failure.reason}`);
      }
      return summary.failed.length > 0 ? 1 : 0;
    } finally {
      await lease.release();
    }
  },
};
