import { describe, expect, it } from 'vitest';
import {
  detectLanguage,
  foldText,
  formatNumber,
  formatPercent,
  formatQuantity,
} from '../../../src/domain/rag/explain/language.js';

describe('detectLanguage', () => {
  it.each([
    ['¿Por qué cayó el sitio B ayer?', 'es'],
    ['Por que cayo el sitio B ayer', 'es'],
    ['¿Qué pasó en marzo?', 'es'],
    ['Explica la variación del pozo C-03', 'es'],
    ['Why was Site B 12 % under plan yesterday?', 'en'],
    ['Why did Río Claro drop in March?', 'en'],
    ['What happened at Sierra Alta last week?', 'en'],
    ['CMP-TRIP', 'en'],
    ['', 'en'],
  ] as const)('%s → %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });
});

describe('foldText', () => {
  it('strips accents and lower-cases without moving any character', () => {
    const text = 'Río Claro — MAÑANA ¿Qué?';
    const folded = foldText(text);
    expect(folded).toBe('rio claro — manana ¿que?');
    expect(folded).toHaveLength(text.length);
  });
});

describe('formatNumber', () => {
  it.each([
    [1741.2, 'en', '1,741.2'],
    [1741.2, 'es', '1.741,2'],
    [-272.7, 'en', '−272.7'],
    [-272.7, 'es', '−272,7'],
    [243.123, 'en', '243.1'],
    [12.25, 'en', '12.25'],
    [1000, 'en', '1,000'],
    [0.1234, 'en', '0.123'],
    [-0.0001, 'en', '0'],
    [1234567.89, 'es', '1.234.567,9'],
  ] as const)('%d in %s → %s', (value, language, expected) => {
    expect(formatNumber(value, language)).toBe(expected);
  });

  it('formats percentages with two decimals and quantities with their unit', () => {
    expect(formatPercent(12.254, 'en')).toBe('12.25 %');
    expect(formatPercent(-7.5, 'es')).toBe('−7,5 %');
    expect(formatQuantity(1741.2, 'bbl', 'en')).toBe('1,741.2 bbl');
    expect(formatQuantity(12.25, '%', 'es')).toBe('12,25 %');
    expect(formatQuantity(3, '', 'en')).toBe('3');
  });
});
