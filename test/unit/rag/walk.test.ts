import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  detectEntityCodes,
  ENTITY_CODE_PATTERNS,
  walkSources,
} from '../../../src/domain/rag/ingest/index.js';

const RUNBOOKS = '../shared/data/runbooks';
const scratch = mkdtempSync(path.join(tmpdir(), 'rag-walk-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('walkSources', () => {
  it('lists the runbooks corpus recursively, sorted, without LICENSE files or MANIFEST.csv', async () => {
    const files = await walkSources([RUNBOOKS]);
    expect(files).toHaveLength(59);
    expect(files).toEqual([...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(files[0]).toBe(`${RUNBOOKS}/README.md`);
    expect(files).toContain(`${RUNBOOKS}/gitlab-com-runbooks/certificates/README.md`);
    expect(files.some((file) => /LICENSE|MANIFEST/.test(file))).toBe(false);
    expect(files.every((file) => file.endsWith('.md'))).toBe(true);
  });

  it('excludes by relative path and de-duplicates overlapping roots', async () => {
    const files = await walkSources([RUNBOOKS, `${RUNBOOKS}/openshift-runbooks`], { exclude: ['README.md'] });
    expect(files).toHaveLength(58);
    expect(files).toContain(`${RUNBOOKS}/gitlab-com-runbooks/certificates/README.md`);
    const noEcfr = await walkSources([RUNBOOKS], { exclude: [/^ecfr-/] });
    expect(noEcfr).toHaveLength(51);
  });

  it('picks supported extensions and skips hidden entries, node_modules and licence files', async () => {
    const write = (relative: string) => {
      mkdirSync(path.dirname(path.join(scratch, relative)), { recursive: true });
      writeFileSync(path.join(scratch, relative), 'x');
    };
    for (const relative of [
      'b/guide.markdown',
      'a/page.HTM',
      'a/notes.txt',
      'manual.pdf',
      'dash.yml',
      'dash2.json',
      'c.yaml',
      'LICENSE.md',
      'NOTICE',
      'MANIFEST.csv',
      'data.csv',
      'image.png',
      '.hidden.md',
      '.git/config.md',
      'node_modules/pkg/readme.md',
    ]) {
      write(relative);
    }
    const files = await walkSources([scratch]);
    expect(files.map((file) => path.relative(scratch, file))).toEqual([
      'a/notes.txt',
      'a/page.HTM',
      'b/guide.markdown',
      'c.yaml',
      'dash.yml',
      'dash2.json',
      'manual.pdf',
    ]);
    expect(await walkSources([path.join(scratch, 'a/notes.txt'), path.join(scratch, 'data.csv')])).toEqual([
      path.join(scratch, 'a/notes.txt'),
    ]);
  });

  it('fails on a path that does not exist', async () => {
    await expect(walkSources([path.join(scratch, 'missing')])).rejects.toThrow(/ENOENT/);
  });
});

describe('entity codes', () => {
  it('documents every pattern and finds sites and assets as whole words only', () => {
    expect(
      ENTITY_CODE_PATTERNS.every((pattern) => pattern.description.length > 0 && !pattern.pattern.global),
    ).toBe(true);
    const text =
      'SITE-B: P-101A and P-7 tripped; WELL-C03 and CMP-A1 ok. Not codes: CMP-TRIP, site-b, XP-101A, SITE-BB.';
    expect(detectEntityCodes(text)).toEqual({
      sites: ['SITE-B'],
      assets: ['CMP-A1', 'P-101A', 'P-7', 'WELL-C03'],
    });
    expect(detectEntityCodes(text)).toEqual(detectEntityCodes(text));
  });
});
