import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvStreamParser, parseCsv, parseCsvStream } from '../../../src/domain/importer/csv.js';

/** Parses `text` split at `cuts` (sorted offsets) with the streaming parser. */
function parseInPieces(text: string, cuts: readonly number[], delimiter?: string) {
  const parser = new CsvStreamParser(delimiter ? { delimiter } : {});
  const records = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    records.push(...parser.push(text.slice(start, cut)));
    start = cut;
  }
  records.push(...parser.end());
  return records;
}

const whole = (text: string, delimiter?: string) => [...parseCsv(text, delimiter ? { delimiter } : {})];

/** CSV-ish text rich in the characters that matter: quotes, delimiters, CR, LF, a BOM. */
const csvText = fc
  .array(fc.constantFrom('a', 'b', '1', ' ', ',', ';', '"', '""', '\n', '\r', '\r\n', '\uFEFF', 'é'), {
    maxLength: 80,
  })
  .map((parts) => parts.join(''));

const withCuts = csvText.chain((text) =>
  fc.tuple(
    fc.constant(text),
    fc
      .uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 12 })
      .map((cuts) => [...cuts].sort((left, right) => left - right)),
  ),
);

describe('CsvStreamParser', () => {
  it('equals the whole-string parse however the text is split (property)', () => {
    fc.assert(
      fc.property(withCuts, ([text, cuts]) => {
        expect(parseInPieces(text, cuts)).toEqual(whole(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('equals the whole-string parse with another delimiter (property)', () => {
    fc.assert(
      fc.property(withCuts, ([text, cuts]) => {
        expect(parseInPieces(text, cuts, ';')).toEqual(whole(text, ';'));
      }),
      { numRuns: 500 },
    );
  });

  it('splits one character at a time inside quotes, doubled quotes, CRLF and the BOM', () => {
    const text = '\uFEFFid,note\r\n1,"a ""quoted""\r\nnote, with comma"\r\n2,"x"y\r3,"open\n';
    const cuts = Array.from({ length: text.length - 1 }, (_, index) => index + 1);
    const records = parseInPieces(text, cuts);
    expect(records).toEqual(whole(text));
    expect(records).toEqual([
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'a "quoted"\r\nnote, with comma'] },
      { line: 4, fields: ['2', 'xy'], error: 'unexpected text "y" after a closing quote' },
      {
        line: 5,
        fields: ['3', 'open\n'],
        error: 'unclosed quoted field (a quote opened here is never closed)',
      },
    ]);
  });

  it('keeps a CR at the end of one chunk and the LF at the start of the next as one line break', () => {
    expect(parseInPieces('a\r\nb\r\n', [2])).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
    ]);
  });

  it('reads an async sequence of chunks', async () => {
    async function* chunks() {
      yield 'a,b\n1,"x';
      yield '\ny"\n';
      yield '2,3';
    }
    const records = [];
    for await (const record of parseCsvStream(chunks())) records.push(record);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x\ny'] },
      { line: 4, fields: ['2', '3'] },
    ]);
  });
});
