import { loadConfig, stateDirectory } from '../config.js';
import {
  type DataDirLocation,
  type DataDirSource,
  findRunningServer,
  locateDataDir,
} from '../control-plane.js';
import { type CliIo, type Command, type CommandContext, UsageError } from './command.js';
import { auditCommand } from './commands/audit.js';
import { backtestCommand } from './commands/backtest.js';
import { ingestCommand } from './commands/ingest.js';
import { keysCommand } from './commands/keys.js';
import { loadCsvCommand } from './commands/load-csv.js';
import { migrateCommand } from './commands/migrate.js';
import { reembedCommand } from './commands/reembed.js';
import { seedDemoCommand } from './commands/seed-demo.js';
import { forwardCommand } from './forward.js';

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

/** Commands that may start a new data directory (the first load or seed); the others need an existing one. */
const CREATES_DATA_DIR = new Set(['migrate', 'seed-demo', 'load-csv', 'ingest']);

/** Commands that manage their own route to a running server (keys talk to the admin API on the socket). */
const OWN_SERVER_ROUTE = new Set(['keys']);

const SOURCE_LABEL: Record<DataDirSource, string> = {
  DATALIVE_DATA_DIR: 'from DATALIVE_DATA_DIR',
  found: 'found from the current folder',
  'running-server': 'of the running server',
  new: 'new',
};

/** Options of {@link main}. */
export interface MainOptions {
  /** Folder the command runs from (default: the process's). */
  cwd?: string;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(
  argv: string[],
  io: CliIo = defaultIo,
  env: NodeJS.ProcessEnv = process.env,
  options: MainOptions = {},
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
  const cwd = options.cwd ?? process.cwd();
  let location: DataDirLocation;
  try {
    location = locateDataDir(env, cwd, stateDirectory(env));
  } catch (error) {
    io.err(`datalive ${command.name}: ${(error as Error).message}`);
    return 1;
  }
  const running = findRunningServer(location.dir);
  io.err(
    `datalive: data directory ${location.dir} (${SOURCE_LABEL[location.source]}${running ? `; server pid ${running.pid} running` : ''})`,
  );
  const embedded = !env.DATABASE_URL && !env.DATABASE_HOST;
  if (running && !OWN_SERVER_ROUTE.has(command.name)) {
    try {
      return await forwardCommand(running.controlSocket, command.name, args, cwd, io);
    } catch (error) {
      io.err(`datalive ${command.name}: ${(error as Error).message}`);
      return 1;
    }
  }
  if (embedded && !location.exists && !CREATES_DATA_DIR.has(command.name)) {
    io.err(
      `datalive ${command.name}: no data directory at ${location.dir} and no datalive server running; ` +
        'start the server (npm start) in the folder that holds your .datalive, run the command from there, or set DATALIVE_DATA_DIR',
    );
    return 1;
  }
  const commandEnv = { ...env, DATALIVE_DATA_DIR: location.dir };
  return executeCommand(command, {
    args,
    io,
    cwd,
    config: (overrides = {}) => loadConfig({ ...commandEnv, ...overrides }),
  });
}

/** Runs one command with its context; maps usage errors to exit code 2 and other failures to 1. */
export async function executeCommand(command: Command, context: CommandContext): Promise<number> {
  const { io } = context;
  try {
    return await command.run(context);
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
