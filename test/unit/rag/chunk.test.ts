import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  chunkDocument,
  countTokens,
  documentHash,
  isPageSpan,
  type LineSpan,
  type LoadedDocument,
  loadDocument,
  loadFile,
  sha256Hex,
  splitByTokens,
  walkSources,
} from '../../../src/domain/rag/ingest/index.js';
import { buildPdf } from '../../fixtures/rag/minimal-pdf.js';

const RUNBOOKS = '../shared/data/runbooks';
const REDIS = `${RUNBOOKS}/gitlab-com-runbooks/docs/redis/redis-survival-guide-for-sres.md`;
const LOCKING = `${RUNBOOKS}/gitlab-com-runbooks/docs/patroni/postgresql-locking.md`;
const ECFR_859 =
  `${RUNBOOKS}/ecfr-30cfr250-subpartH/subjectgroup-ECFR081ef9e2fac31ea-Additional-Production-System-Requirements/` +
  'section-250.859.md';
const FSYNC = `${RUNBOOKS}/prometheus-operator-runbooks/content/runbooks/etcd/etcdHighFsyncDurations.md`;

function lineSpan(chunk: Chunk): LineSpan {
  if (isPageSpan(chunk.span)) throw new Error('expected a line span');
  return chunk.span;
}

/** Every line of the chunk text occurs, in order, within the source lines of its span (spacing aside). */
function expectSpanCoversText(chunk: Chunk, source: readonly string[]): void {
  const span = lineSpan(chunk);
  expect(span.startLine).toBeGreaterThanOrEqual(1);
  expect(span.endLine).toBeLessThanOrEqual(source.length);
  const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
  const window = squash(source.slice(span.startLine - 1, span.endLine).join('\n'));
  let cursor = 0;
  for (const line of chunk.text.split('\n').filter((text) => text.trim())) {
    const found = window.indexOf(squash(line), cursor);
    expect(
      found,
      `"${line.slice(0, 60)}" not within lines ${span.startLine}-${span.endLine}`,
    ).toBeGreaterThanOrEqual(0);
    cursor = found;
  }
  const textLines = chunk.text.split('\n').filter((text) => text.trim());
  expect(squash(source[span.startLine - 1]!)).toContain(squash(textLines[0]!));
  expect(squash(source[span.endLine - 1]!)).toContain(squash(textLines[textLines.length - 1]!));
}

function sameSection(a: Chunk, b: Chunk): boolean {
  return a.headingPath.join('\n') === b.headingPath.join('\n');
}

describe('chunkDocument', () => {
  it('keeps every chunk of the corpus within maxTokens, for default and small sizes', async () => {
    const files = await walkSources([RUNBOOKS], { exclude: ['README.md'] });
    const documents = await Promise.all(files.map((file) => loadFile(file)));
    for (const [maxTokens, overlapTokens] of [
      [350, 50],
      [120, 30],
      [40, 10],
    ] as const) {
      let count = 0;
      for (const document of documents) {
        for (const chunk of chunkDocument(document, { maxTokens, overlapTokens })) {
          expect(chunk.tokenCount).toBeLessThanOrEqual(maxTokens);
          expect(chunk.tokenCount).toBe(countTokens(chunk.embeddingText));
          expect(chunk.text.trim()).not.toBe('');
          count++;
        }
      }
      expect(count).toBeGreaterThan(documents.length);
    }
  });

  it('maps chunk spans back to the source lines they were cut from', async () => {
    for (const file of [REDIS, LOCKING, ECFR_859, FSYNC]) {
      const source = readFileSync(file, 'utf8').split('\n');
      const document = await loadFile(file);
      for (const options of [{}, { maxTokens: 80, overlapTokens: 20 }]) {
        for (const chunk of chunkDocument(document, options)) expectSpanCoversText(chunk, source);
      }
    }
  });

  it('attaches heading paths, title, metadata and a header-prefixed embedding text', async () => {
    const document = await loadFile(FSYNC);
    const chunks = chunkDocument(document);
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual(chunks.map((_, index) => index));
    const slowDisk = chunks.find(
      (chunk) => chunk.headingPath.at(-1) === 'PromQL queries used to troubleshoot',
    )!;
    expect(slowDisk.headingPath).toEqual([
      'etcdHighFsyncDurations',
      'Diagnosis',
      'Slow disk',
      'PromQL queries used to troubleshoot',
    ]);
    expect(slowDisk.embeddingText).toBe(
      `etcdHighFsyncDurations > Diagnosis > Slow disk > PromQL queries used to troubleshoot\n\n${slowDisk.text}`,
    );
    expect(slowDisk).toMatchObject({
      title: 'etcdHighFsyncDurations',
      uri: FSYNC,
      docType: 'runbook',
      format: 'markdown',
    });
    const crash = chunkDocument(
      await loadFile(
        `${RUNBOOKS}/prometheus-operator-runbooks/content/runbooks/kubernetes/KubePodCrashLooping.md`,
      ),
    );
    expect(
      crash[0]!.embeddingText.startsWith('Kube Pod Crash Looping > KubePodCrashLooping > Meaning\n\n'),
    ).toBe(true);
  });

  it('keeps a fenced code block whole when it fits', async () => {
    const chunks = chunkDocument(await loadFile(FSYNC), { maxTokens: 120, overlapTokens: 20 });
    const withQuery = chunks.filter((chunk) => chunk.text.includes('histogram_quantile(0.99'));
    expect(withQuery.length).toBeGreaterThan(0);
    for (const chunk of withQuery) {
      expect(chunk.text).toMatch(/```promql\nhistogram_quantile\(0\.99, .*\n```/);
    }
  });

  it('keeps a table whole when it fits and splits larger ones by rows', async () => {
    const rows = Array.from({ length: 12 }, (_, index) => `| P-${100 + index}A | ${index * 10} | running |`);
    const content = [
      '# Pumps',
      '',
      'Status table:',
      '',
      '| Pump | Rate | State |',
      '| --- | --- | --- |',
      ...rows,
    ].join('\n');
    const document = await loadDocument({ uri: 'pumps.md', content });
    const whole = chunkDocument(document, { maxTokens: 200, overlapTokens: 20 });
    expect(whole).toHaveLength(1);
    expect(whole[0]!.text).toContain(`| Pump | Rate | State |\n| --- | --- | --- |\n${rows.join('\n')}`);
    const split = chunkDocument(document, { maxTokens: 60, overlapTokens: 10 });
    expect(split.length).toBeGreaterThan(1);
    for (const chunk of split) {
      for (const line of chunk.text.split('\n').filter((text) => text.startsWith('|'))) {
        expect(line).toMatch(/^\|.*\|$/);
      }
    }
  });

  it('overlaps consecutive chunks of a section', async () => {
    const chunks = chunkDocument(await loadFile(ECFR_859), { maxTokens: 150, overlapTokens: 40 });
    let pairs = 0;
    for (let index = 1; index < chunks.length; index++) {
      const previous = chunks[index - 1]!;
      const current = chunks[index]!;
      if (!sameSection(previous, current)) continue;
      const head = current.text.split(/\s+/).slice(0, 6).join(' ');
      expect(previous.text).toContain(head);
      expect(lineSpan(current).startLine).toBeLessThanOrEqual(lineSpan(previous).endLine);
      pairs++;
    }
    expect(pairs).toBeGreaterThan(2);
    const noOverlap = chunkDocument(await loadFile(ECFR_859), { maxTokens: 150, overlapTokens: 0 });
    const words = (list: Chunk[]) => list.reduce((total, chunk) => total + chunk.text.split(/\s+/).length, 0);
    expect(words(chunks)).toBeGreaterThan(words(noOverlap));
  });

  it('splits one very long line at word boundaries, with the same line span', async () => {
    const sentence = 'The separator level transmitter reading must be confirmed before reset. ';
    const document = await loadDocument({ uri: 'long.txt', content: `intro\n\n${sentence.repeat(40)}\n` });
    const chunks = chunkDocument(document, { maxTokens: 64, overlapTokens: 12 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks.slice(1)) expect(chunk.span).toEqual({ startLine: 3, endLine: 3 });
    for (const chunk of chunks) expect(chunk.text).not.toMatch(/^\S*[a-z]\S* $/);
  });

  it('gives PDF chunks page spans', async () => {
    const pdf = buildPdf([['First page text about P-101A.'], ['Second page text.']]);
    const chunks = chunkDocument(await loadDocument({ path: 'manual.pdf', content: pdf }));
    expect(chunks.map((chunk) => chunk.span)).toEqual([{ page: 1 }, { page: 2 }]);
    expect(chunks[0]!.assets).toEqual(['P-101A']);
  });

  it('rejects sizes that cannot work', async () => {
    const document = await loadDocument({ uri: 'a.md', content: 'text' });
    expect(() => chunkDocument(document, { maxTokens: 8 })).toThrow(RangeError);
    expect(() => chunkDocument(document, { maxTokens: 100, overlapTokens: 60 })).toThrow(RangeError);
  });
});

describe('hashes', () => {
  it('content hashes are the SHA-256 of the chunk text and stable across runs', async () => {
    const first = chunkDocument(await loadFile(LOCKING));
    const second = chunkDocument(await loadFile(LOCKING));
    expect(second.map((chunk) => chunk.contentHash)).toEqual(first.map((chunk) => chunk.contentHash));
    for (const chunk of first) expect(chunk.contentHash).toBe(sha256Hex(chunk.text));
    expect(new Set(first.map((chunk) => chunk.contentHash)).size).toBe(first.length);
  });

  it('an edit changes the hash of the edited chunk only', async () => {
    const source = readFileSync(FSYNC, 'utf8');
    const edited = source.replace('should be less\nthan 10ms', 'should be less\nthan 8ms');
    expect(edited).not.toBe(source);
    const before = chunkDocument(await loadDocument({ uri: 'a.md', content: source }));
    const after = chunkDocument(await loadDocument({ uri: 'a.md', content: edited }));
    const changed = before.filter((chunk, index) => chunk.contentHash !== after[index]!.contentHash);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.text).toContain('than 10ms');
  });

  it('documentHash is stable, ignores the URI and line-ending style, and follows content and metadata', async () => {
    const source = readFileSync(FSYNC, 'utf8');
    const load = (content: string, uri = 'a.md'): Promise<LoadedDocument> => loadDocument({ uri, content });
    const hash = documentHash(await load(source));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(documentHash(await load(source))).toBe(hash);
    expect(documentHash(await load(source, 'moved/b.md'))).toBe(hash);
    expect(documentHash(await load(source.replace(/\n/g, '\r\n')))).toBe(hash);
    expect(documentHash(await load(source.replace('10ms', '8ms')))).not.toBe(hash);
    expect(documentHash(await load(`---\ntags: [etcd]\n---\n${source}`))).not.toBe(hash);
  });
});

describe('token helpers', () => {
  it('counts words and punctuation, with runs of one punctuation character as one token', () => {
    expect(countTokens('Close P-101A, then (re)start.')).toBe(11);
    expect(countTokens('-------+-------')).toBe(3);
    expect(countTokens('')).toBe(0);
  });

  it('splits at whitespace into pieces whose counts add up', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const pieces = splitByTokens(text, 3);
    expect(pieces).toEqual(['alpha beta gamma', 'delta epsilon zeta', 'eta theta iota', 'kappa']);
    expect(splitByTokens('a'.repeat(5), 1)).toEqual(['aaaaa']);
    const code = 'x=1;y=2;z=3';
    expect(splitByTokens(code, 4).reduce((total, piece) => total + countTokens(piece), 0)).toBe(
      countTokens(code),
    );
  });
});
