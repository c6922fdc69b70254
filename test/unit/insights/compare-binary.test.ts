import { describe, expect, it } from 'vitest';
import { compareBinary } from '../../../src/domain/insights/daily.js';

describe('compareBinary: the warehouse order of member ids', () => {
  it('orders a prefix first and compares the first differing character', () => {
    expect(['WELL-B10', 'CMP-B1', 'WELL-B1', 'WELL-B01'].sort(compareBinary)).toEqual([
      'CMP-B1',
      'WELL-B01',
      'WELL-B1',
      'WELL-B10',
    ]);
    expect(compareBinary('a', 'a')).toBe(0);
  });

  it('orders by code point, as UTF-8 bytes compare, where UTF-16 code units would not', () => {
    const astral = '\u{1F600}';
    const lastOfPlane = '\uFFFD';
    expect(astral < lastOfPlane).toBe(true);
    expect(compareBinary(astral, lastOfPlane)).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(astral), Buffer.from(lastOfPlane))).toBeGreaterThan(0);
    expect(compareBinary(`x${astral}a`, `x${astral}b`)).toBeLessThan(0);
  });

  it('puts upper case before lower case, as a binary collation does', () => {
    expect(['b', 'B', 'a', 'A'].sort(compareBinary)).toEqual(['A', 'B', 'a', 'b']);
  });
});
