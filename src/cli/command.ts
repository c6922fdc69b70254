import type { Config } from '../config.js';

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
