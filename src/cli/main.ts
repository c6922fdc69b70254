import { loadConfig } from '../config.js';
import { type CliIo, type Command, UsageError } from './command.js';
import { auditCommand } from './commands/audit.js';
import { backtestCommand } from './commands/backtest.js';
import { ingestCommand } from './commands/ingest.js';
import { keysCommand } from './commands/keys.js';
import { loadCsvCommand } from './commands/load-csv.js';
import { migrateCommand } from './commands/migrate.js';
import { reembedCommand } from './commands/reembed.js';
import { seedDemoCommand } from './commands/seed-demo.js';

/** Every `datalive` command, in help order. */
export const COMMANDS: readonly Command[] = [
  migrateCommand,
  seedDemoCommand,
  loadCsvCommand,
  ingestCommand,
  reembedCommand,
  backtestCommand,
  keysCommand,
  auditCommand,
];

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

function help(io: CliIo): void {
  io.out('datalive — DatAlive API command line\n');
  io.out('Usage: datalive <command> [options]\n');
  io.out('Commands:');
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  for (const command of COMMANDS) io.out(`  ${command.name.padEnd(width)}  ${command.summary}`);
  io.out(
    '\nRun `datalive <command> --help` for a command. Configuration comes from the environment (see README).',
  );
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(
  argv: string[],
  io: CliIo = defaultIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    help(io);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`datalive: unknown command "${name}"`);
    help(io);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run({
      args,
      io,
      config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`datalive ${command.name}: ${(error as Error).message}`);
      io.err(`usage: ${command.usage}`);
      return 2;
    }
    io.err(`datalive ${command.name}: ${(error as Error).message}`);
    return 1;
  }
}
