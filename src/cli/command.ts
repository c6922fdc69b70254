import type { Config } from '../config.js';
import type { CommandResources } from './resources.js';

/** Where a command writes; injectable so tests capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
}

/** Context handed to every command. */
export interface CommandContext {
  args: string[];
  io: CliIo;
  /** Loads configuration lazily so `--help` works with a broken environment. */
  config(overrides?: Record<string, string | undefined>): Config;
  /** The stores to work on: lent by the running server, or (default) opened by the command itself. */
  resources?: CommandResources;
  /** Directory relative paths in `args` are resolved against (default: the process's). */
  cwd?: string;
}

/** One `datalive` sub-command. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<number>;
}

/** Raised for wrong usage; printed with the command's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
