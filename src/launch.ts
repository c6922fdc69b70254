import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseAllocator } from './allocator.js';

/**
 * `npm start`'s entry. With jemalloc on the system (ADR 0013) the server runs as a child started with it
 * preloaded, in its own process group (so a terminal's Ctrl-C reaches it once, through this process rather
 * than twice); this process forwards every SIGINT, SIGTERM and SIGHUP it gets and exits with the child's
 * status. Otherwise, or when jemalloc is already preloaded (the Docker image), the server runs in this
 * process.
 */
function launch(): void {
  const choice = chooseAllocator(process.env);
  if (!choice.relaunch) {
    void import('./server.js').then((server) => server.runServerProcess());
    return;
  }
  const extension = path.extname(fileURLToPath(import.meta.url));
  const serverEntry = fileURLToPath(new URL(`./server${extension}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, serverEntry, ...process.argv.slice(2)], {
    env: choice.env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.once('error', (error) => {
    process.stderr.write(`datalive: could not start the server process: ${error.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}

launch();
