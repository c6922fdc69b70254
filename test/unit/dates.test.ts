import { describe, expect, it } from 'vitest';
import { isIsoDate } from '../../src/domain/dates.js';

describe('isIsoDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['2025-02-28', true],
    ['2025-12-31', true],
    ['0000-01-01', true],
    ['2025-02-29', false],
    ['1900-02-29', false],
    ['2100-02-29', false],
    ['2025-04-31', false],
    ['2025-13-01', false],
    ['2025-00-10', false],
    ['2025-01-00', false],
    ['2025-1-01', false],
    ['2025-01-01T00:00:00Z', false],
    [' 2025-01-01', false],
    ['20250101', false],
  ])('%s → %s', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });
});
