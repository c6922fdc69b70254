import { describe, expect, it } from 'vitest';
import { compileDateFormat, parseNumber } from '../../../src/domain/importer/values.js';

const value = <T>(parsed: { ok: true; value: T } | { ok: false; message: string }): T | string =>
  parsed.ok ? parsed.value : `error: ${parsed.message}`;
const isoDate = (epochMs: number | string) =>
  typeof epochMs === 'number' ? new Date(epochMs).toISOString() : epochMs;

describe('parseNumber', () => {
  it.each([
    ['0', 0],
    ['24', 24],
    ['-14.19', -14.19],
    ['289.42136166666666', 289.42136166666666],
    ['.5', 0.5],
    ['+3', 3],
    ['1e3', 1000],
    ['-1.5E-2', -0.015],
    ['90,439', 90439],
    ['1,234,567.25', 1234567.25],
    ['-1,234', -1234],
  ])('reads %s with a decimal point', (text, expected) => {
    expect(value(parseNumber(text))).toBe(expected);
  });

  it.each(['abc', '1,5', '12,34', '1,2345', 'NaN', 'Infinity', '-', '1.2.3', '1 000', '0x10', '1e999'])(
    'rejects %s with a decimal point',
    (text) => {
      expect(parseNumber(text).ok).toBe(false);
    },
  );

  it('reads decimal commas with dot or space grouping when asked', () => {
    expect(value(parseNumber('1234,5', ','))).toBe(1234.5);
    expect(value(parseNumber('1.234.567,5', ','))).toBe(1234567.5);
    expect(value(parseNumber('1 234,5', ','))).toBe(1234.5);
    expect(parseNumber('1.234 567,5', ',').ok).toBe(false);
  });
});

describe('compileDateFormat', () => {
  it('reads ISO dates and timestamps, converting offsets to UTC', () => {
    const iso = compileDateFormat('iso');
    expect(isoDate(value(iso.parse('2014-04-07')))).toBe('2014-04-07T00:00:00.000Z');
    expect(isoDate(value(iso.parse('2024-03-01 06:30')))).toBe('2024-03-01T06:30:00.000Z');
    expect(isoDate(value(iso.parse('2024-03-01T06:30:15.250Z')))).toBe('2024-03-01T06:30:15.250Z');
    expect(isoDate(value(iso.parse('2024-03-01T08:30:00+02:00')))).toBe('2024-03-01T06:30:00.000Z');
    expect(iso.parse('2014-02-30').ok).toBe(false);
    expect(iso.parse('07-Apr-14').ok).toBe(false);
  });

  it('reads the raw Volve dates (DD-MMM-YY) with a 1969–2068 window for two-digit years', () => {
    const format = compileDateFormat('DD-MMM-YY');
    expect(isoDate(value(format.parse('07-Apr-14')))).toBe('2014-04-07T00:00:00.000Z');
    expect(isoDate(value(format.parse('26-oct-08')))).toBe('2008-10-26T00:00:00.000Z');
    expect(isoDate(value(format.parse('01-Jan-69')))).toBe('1969-01-01T00:00:00.000Z');
    expect(format.parse('07-Foo-14')).toEqual({
      ok: false,
      message: expect.stringContaining('unknown month'),
    });
    expect(format.parse('31-Apr-14')).toEqual({
      ok: false,
      message: expect.stringContaining('not a valid calendar date'),
    });
  });

  it('reads day-first, month-first and timestamp patterns literally', () => {
    expect(isoDate(value(compileDateFormat('DD/MM/YYYY').parse('03/02/2024')))).toBe(
      '2024-02-03T00:00:00.000Z',
    );
    expect(isoDate(value(compileDateFormat('M/D/YYYY').parse('2/3/2024')))).toBe('2024-02-03T00:00:00.000Z');
    expect(isoDate(value(compileDateFormat('D MMMM YYYY').parse('3 February 2024')))).toBe(
      '2024-02-03T00:00:00.000Z',
    );
    expect(isoDate(value(compileDateFormat('DD.MM.YYYY HH:mm').parse('03.02.2024 17:45')))).toBe(
      '2024-02-03T17:45:00.000Z',
    );
    expect(compileDateFormat('DD/MM/YYYY').parse('2024-02-03').ok).toBe(false);
  });

  it('refuses patterns without a year, month and day, or with a repeated part', () => {
    expect(() => compileDateFormat('MM/YYYY')).toThrow(/needs a year/);
    expect(() => compileDateFormat('YYYY-MM-DD YY')).toThrow(/repeats YY/);
  });
});
