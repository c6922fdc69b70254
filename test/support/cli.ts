import type { CliIo } from '../../src/cli/command.js';

/** A non-interactive CLI io that keeps every line written to stdout and stderr. */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    interactive: false,
    out: (line) => void stdout.push(line),
    err: (line) => void stderr.push(line),
  };
}
