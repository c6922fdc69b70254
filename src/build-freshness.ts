import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files outside `src/` whose change calls for a new build. */
export const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** Where the fingerprint of the sources of the last successful build is kept (inside the build). */
export const BUILD_RECORD = path.join('dist', '.build-fingerprint.json');

/** Build outputs `npm start` runs; if one is missing the build is redone whatever the record says. */
export const BUILD_ENTRIES = [path.join('dist', 'launch.js'), path.join('dist', 'server.js')];

/** What {@link decideBuild} concluded, with the fingerprint to record once a build succeeds. */
export interface BuildDecision {
  rebuild: boolean;
  reason: 'no build' | 'no record' | 'sources changed' | 'up to date';
  fingerprint: string;
  files: number;
}

/**
 * Fingerprint of the build's inputs under `root`: every file under `src/` plus {@link BUILD_INPUTS}, each
 * by relative path, size and modification time, so an edit, a new file, a deletion or a rename all
 * change it. Costs one `stat` per file (a few milliseconds), never a read.
 */
export function sourceFingerprint(root: string): { fingerprint: string; files: number } {
  const entries: string[] = [];
  const visit = (directory: string) => {
    for (const entry of readdirSync(path.join(root, directory), { withFileTypes: true })) {
      const relative = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(relative);
      else if (entry.isFile()) entries.push(describe(root, relative));
    }
  };
  if (existsSync(path.join(root, 'src'))) visit('src');
  for (const input of BUILD_INPUTS) {
    entries.push(existsSync(path.join(root, input)) ? describe(root, input) : `${input}\0absent`);
  }
  entries.sort();
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry}\n`);
  return { fingerprint: hash.digest('hex'), files: entries.length };
}

function describe(root: string, relative: string): string {
  const stats = statSync(path.join(root, relative));
  return `${relative.split(path.sep).join('/')}\0${stats.size}\0${stats.mtimeMs}`;
}

/** Decides whether `root`'s build is stale: no build, no record of its sources, or sources changed. */
export function decideBuild(root: string): BuildDecision {
  const { fingerprint, files } = sourceFingerprint(root);
  const verdict = (rebuild: boolean, reason: BuildDecision['reason']): BuildDecision => ({
    rebuild,
    reason,
    fingerprint,
    files,
  });
  if (!BUILD_ENTRIES.every((entry) => existsSync(path.join(root, entry)))) return verdict(true, 'no build');
  const recorded = readRecord(root);
  if (recorded === undefined) return verdict(true, 'no record');
  return recorded === fingerprint ? verdict(false, 'up to date') : verdict(true, 'sources changed');
}

/** Records `fingerprint` (taken before the build started) as the sources of the build in `root`. */
export function recordBuild(root: string, fingerprint: string): void {
  writeFileSync(
    path.join(root, BUILD_RECORD),
    `${JSON.stringify({ fingerprint, built_at: new Date().toISOString() })}\n`,
  );
}

function readRecord(root: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(root, BUILD_RECORD), 'utf8')) as {
      fingerprint?: unknown;
    };
    return typeof parsed.fingerprint === 'string' ? parsed.fingerprint : undefined;
  } catch {
    return undefined;
  }
}
