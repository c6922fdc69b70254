import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_ENTRIES, decideBuild, recordBuild } from '../../src/build-freshness.js';

/** A project tree with sources, configs and (optionally) a build. */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'datalive-freshness-'));
  mkdirSync(path.join(root, 'src', 'http'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'server.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'src', 'http', 'app.ts'), 'export const b = 2;\n');
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    writeFileSync(path.join(root, file), '{}\n');
  }
  return root;
}

function build(root: string): void {
  const decision = decideBuild(root);
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  for (const entry of BUILD_ENTRIES) writeFileSync(path.join(root, entry), '// built\n');
  recordBuild(root, decision.fingerprint);
}

describe('decideBuild (npm start compiles only when the sources changed)', () => {
  const roots: string[] = [];
  const fresh = () => {
    const root = project();
    roots.push(root);
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('builds when there is no build, or a build this script did not record', () => {
    const root = fresh();
    expect(decideBuild(root)).toMatchObject({ rebuild: true, reason: 'no build' });
    mkdirSync(path.join(root, 'dist'));
    for (const entry of BUILD_ENTRIES) writeFileSync(path.join(root, entry), '');
    expect(decideBuild(root)).toMatchObject({ rebuild: true, reason: 'no record' });
  });

  it('starts without building when nothing changed since the recorded build', () => {
    const root = fresh();
    build(root);
    expect(decideBuild(root)).toMatchObject({ rebuild: false, reason: 'up to date', files: 6 });
  });

  it.each([
    [
      'an edited source',
      (root: string) => writeFileSync(path.join(root, 'src', 'server.ts'), 'export {};\n'),
    ],
    [
      'a touched source (same bytes, new mtime)',
      (root: string) =>
        utimesSync(path.join(root, 'src', 'http', 'app.ts'), new Date(), new Date(Date.now() + 5_000)),
    ],
    ['a new source', (root: string) => writeFileSync(path.join(root, 'src', 'http', 'new.ts'), '')],
    ['a deleted source', (root: string) => rmSync(path.join(root, 'src', 'http', 'app.ts'))],
    [
      'a renamed source',
      (root: string) => renameSync(path.join(root, 'src', 'server.ts'), path.join(root, 'src', 'server2.ts')),
    ],
    ['a changed tsconfig', (root: string) => writeFileSync(path.join(root, 'tsconfig.build.json'), '{ }\n')],
    ['a new package-lock.json', (root: string) => writeFileSync(path.join(root, 'package-lock.json'), '{}')],
  ])('builds again after %s', (_label, change) => {
    const root = fresh();
    build(root);
    change(root);
    expect(decideBuild(root)).toMatchObject({ rebuild: true, reason: 'sources changed' });
    build(root);
    expect(decideBuild(root).rebuild).toBe(false);
  });

  it('builds again when an entry of the build is missing or the record is unreadable', () => {
    const root = fresh();
    build(root);
    rmSync(path.join(root, BUILD_ENTRIES[0] as string));
    expect(decideBuild(root)).toMatchObject({ rebuild: true, reason: 'no build' });
    build(root);
    writeFileSync(path.join(root, 'dist', '.build-fingerprint.json'), 'not json');
    expect(decideBuild(root)).toMatchObject({ rebuild: true, reason: 'no record' });
  });

  it('ignores what is outside the build inputs (tests, data, the build itself)', () => {
    const root = fresh();
    build(root);
    mkdirSync(path.join(root, 'test'));
    writeFileSync(path.join(root, 'test', 'a.test.ts'), '');
    writeFileSync(path.join(root, 'dist', 'extra.js'), '');
    writeFileSync(path.join(root, 'README.md'), '');
    expect(decideBuild(root).rebuild).toBe(false);
  });
});
