#!/usr/bin/env node
/**
 * `npm start`: compiles `src/` into `dist/` with tsc only when there is no build or its sources changed
 * since the last build this script made (`dist/.build-fingerprint.json`, see `src/build-freshness.ts`),
 * then runs the launcher (`dist/launch.js`) in this process. Arguments after `--` go to the server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const freshnessModule = new URL('../dist/build-freshness.js', import.meta.url);

async function decide() {
  if (!existsSync(freshnessModule)) return { rebuild: true, reason: 'no build', fingerprint: undefined };
  const { decideBuild } = await import(freshnessModule.href);
  return decideBuild(root);
}

const decision = await decide();
if (decision.rebuild) {
  const started = performance.now();
  process.stderr.write(`datalive: compiling (${decision.reason})…\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const { decideBuild, recordBuild } = await import(`${freshnessModule.href}?built=${Date.now()}`);
  recordBuild(root, decision.fingerprint ?? decideBuild(root).fingerprint);
  process.stderr.write(`datalive: compiled in ${Math.round(performance.now() - started)} ms\n`);
}
await import(new URL('../dist/launch.js', import.meta.url).href);
