import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/domain/importer/csv.js';

const parse = (text: string, delimiter?: string) => [...parseCsv(text, delimiter ? { delimiter } : {})];

describe('parseCsv', () => {
  it('splits plain records and numbers lines from 1', () => {
    expect(parse('a,b,c\n1,2,3\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
    ]);
  });

  it('reads quoted fields with delimiters, doubled quotes and thousands separators', () => {
    expect(parse('name,volume\n"Smith, J.","90,439"\n"say ""hi""",""\n')).toEqual([
      { line: 1, fields: ['name', 'volume'] },
      { line: 2, fields: ['Smith, J.', '90,439'] },
      { line: 3, fields: ['say "hi"', ''] },
    ]);
  });

  it('keeps line breaks inside quotes and still reports the physical line of later records', () => {
    const records = parse('id,note\n1,"first\nsecond\r\nthird"\n2,plain\n');
    expect(records[1]).toEqual({ line: 2, fields: ['1', 'first\nsecond\r\nthird'] });
    expect(records[2]).toEqual({ line: 5, fields: ['2', 'plain'] });
  });

  it('accepts CRLF, LF and CR line endings, a byte-order mark and a missing final newline', () => {
    expect(parse('\uFEFFa,b\r\n1,2\r3,4\n5,6')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
      { line: 4, fields: ['5', '6'] },
    ]);
  });

  it('skips blank lines but keeps empty fields, including a trailing one', () => {
    expect(parse('a,b\n\n1,\n,\n\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', ''] },
      { line: 4, fields: ['', ''] },
    ]);
  });

  it('uses another delimiter when asked', () => {
    expect(parse('a;b\n"1;5";2\n', ';')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1;5', '2'] },
    ]);
  });

  it('reports malformed quoting on the record instead of throwing', () => {
    const records = parse('a,b\n"x"y,2\n3,4\n5,"never closed\n6,7\n');
    expect(records[1]).toMatchObject({ line: 2, error: expect.stringContaining('after a closing quote') });
    expect(records[2]).toEqual({ line: 3, fields: ['3', '4'] });
    expect(records[3]).toMatchObject({ line: 4, error: expect.stringContaining('unclosed quoted field') });
    expect(records).toHaveLength(4);
  });

  it('round-trips any fields written with RFC 4180 quoting', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Æ', ' ', ',', '"', '\n', '\r\n', '1', '.') });
    const record = fc.array(field, { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), fc.boolean(), (records, crlf) => {
        const quoteField = (value: string) => `"${value.replaceAll('"', '""')}"`;
        const text = records.map((fields) => fields.map(quoteField).join(',')).join(crlf ? '\r\n' : '\n');
        expect(parse(text).map((parsed) => parsed.fields)).toEqual(records);
      }),
    );
  });
});
