import cliProgress from 'cli-progress';
import type { CliIo } from './command.js';

/** A progress reporter: a bar on a terminal, periodic lines otherwise (CI logs stay readable). */
export interface Progress {
  tick(increment?: number, label?: string): void;
  stop(): void;
}

/** Creates a progress reporter for `total` units of work. */
export function createProgress(io: CliIo, title: string, total: number): Progress {
  if (io.interactive && total > 0) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${title} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left | {label}`,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: '' });
    return {
      tick: (increment = 1, label = '') => bar.increment(increment, { label }),
      stop: () => bar.stop(),
    };
  }
  let done = 0;
  let lastReported = -1;
  return {
    tick(increment = 1) {
      done += increment;
      const percent = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
      if (percent !== lastReported && (percent % 20 === 0 || done === total)) {
        lastReported = percent;
        io.err(`${title}: ${done}/${total} (${percent}%)`);
      }
    },
    stop() {},
  };
}
