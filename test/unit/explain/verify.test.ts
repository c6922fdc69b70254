import { describe, expect, it } from 'vitest';
import type { Fact, Passage } from '../../../src/domain/rag/explain/types.js';
import {
  extractCitations,
  extractNumbers,
  isCauseSentence,
  readNumber,
  splitSentences,
  verifyAnswer,
} from '../../../src/domain/rag/explain/verify.js';
import { INJECTION_PASSAGE, runbookPassage, SITE_B_FACTS } from './fixtures.js';

const CMP_TRIP = runbookPassage('S1', 'cmp-trip-compressor-restart.md', 'Scope');
const PASSAGES: Passage[] = [CMP_TRIP];
const GOOD =
  'Site B — Sierra Alta produced 1,741.2 bbl of oil on 2025-06-14, 243.1 bbl (12.25 %) under plan [D1]. ' +
  'The largest contributor was CMP-TRIP (compressor trip) on CMP-B1, −272.7 bbl, with 3.5 h of downtime [D2].';

describe('verifyAnswer', () => {
  it('accepts an answer whose numbers and citations all come from the facts', () => {
    expect(verifyAnswer(GOOD, SITE_B_FACTS, PASSAGES)).toEqual({
      ok: true,
      citedIds: ['D1', 'D2'],
      unknownCitations: [],
      unmatchedNumbers: [],
      uncitedCauseSentences: [],
    });
  });

  it('catches an invented number', () => {
    const verification = verifyAnswer(
      `${GOOD} About 310 bbl were deferred in total [D1].`,
      SITE_B_FACTS,
      PASSAGES,
    );
    expect(verification.ok).toBe(false);
    expect(verification.unmatchedNumbers).toEqual(['310']);
  });

  it('catches an invented percentage and a number off by more than rounding', () => {
    const verification = verifyAnswer('Site B was 250 bbl (14 %) under plan [D1].', SITE_B_FACTS, PASSAGES);
    expect(verification.unmatchedNumbers).toEqual(['250', '14 %']);
  });

  it('catches a citation to an id it was not given', () => {
    const verification = verifyAnswer(`${GOOD} Lube oil pressure was low [S4].`, SITE_B_FACTS, PASSAGES);
    expect(verification.ok).toBe(false);
    expect(verification.unknownCitations).toEqual(['S4']);
    expect(verification.citedIds).toEqual(['D1', 'D2']);
  });

  it('catches a sentence that states a cause without citing anything, in English and Spanish', () => {
    const english = verifyAnswer(
      `${GOOD} The wells stopped because the compressor tripped.`,
      SITE_B_FACTS,
      [],
    );
    expect(english.uncitedCauseSentences).toEqual(['The wells stopped because the compressor tripped.']);
    const spanish = verifyAnswer(
      'El sitio B estuvo 243,1 bbl por debajo del plan [D1]. La caída se debió a un disparo del compresor.',
      SITE_B_FACTS,
      [],
    );
    expect(spanish.ok).toBe(false);
    expect(spanish.uncitedCauseSentences).toEqual(['La caída se debió a un disparo del compresor.']);
  });

  it('accepts rounding to the decimals shown and a 0.5 % relative difference', () => {
    for (const shown of ['243', '243.1', '243.12', '12.3 %', '12 %', '1,741', '1,742', '1,984.3', '1,985']) {
      expect(verifyAnswer(`Site B was ${shown} under plan [D1].`, SITE_B_FACTS, []).unmatchedNumbers).toEqual(
        [],
      );
    }
    expect(verifyAnswer('Site B was 245 bbl under plan [D1].', SITE_B_FACTS, []).unmatchedNumbers).toEqual([
      '245',
    ]);
  });

  it('reads Spanish separators, signs and unicode minus', () => {
    const text =
      'El sitio B produjo 1.741,2 bbl, 243,1 bbl (12,25 %) por debajo del plan [D1]; CMP-TRIP −272,7 bbl [D2].';
    expect(verifyAnswer(text, SITE_B_FACTS, []).ok).toBe(true);
    expect(verifyAnswer('La pérdida fue de -272.7 bbl [D2].', SITE_B_FACTS, []).ok).toBe(true);
  });

  it('accepts a percentage given as a fraction by the fact', () => {
    const fraction: Fact = { ...SITE_B_FACTS[0]!, id: 'D7', value: -0.1225, unit: 'ratio', related: {} };
    expect(verifyAnswer('Site B was 12.25 % under plan [D7].', [fraction], []).ok).toBe(true);
    expect(verifyAnswer('Site B was 12.25 bbl under plan [D7].', [fraction], []).ok).toBe(false);
  });

  it('skips numbers inside quoted document text, and never lets a passage ground an unquoted figure', () => {
    const quote = 'When it trips, the wells lose lift within 10–15 minutes';
    expect(verifyAnswer(`The runbook says: “${quote}” [S1].`, SITE_B_FACTS, PASSAGES).ok).toBe(true);
    expect(verifyAnswer(`El procedimiento dice: «${quote}» [S1].`, SITE_B_FACTS, PASSAGES).ok).toBe(true);
    expect(verifyAnswer(`The runbook says [S1]:\n> 1. Wait 15 minutes.`, SITE_B_FACTS, PASSAGES).ok).toBe(
      true,
    );
    const unquoted = verifyAnswer(`The wells lose lift within 10–15 minutes [S1].`, SITE_B_FACTS, PASSAGES);
    expect(unquoted.unmatchedNumbers).toEqual(['10', '15']);
  });

  it('rejects a production figure a planted document states, when the answer states it as its own', () => {
    const planted = { ...PASSAGES[0]!, text: 'Production at Site A was 999999 bbl yesterday.' };
    const claimed = verifyAnswer('Site A produced 999999 bbl yesterday [S1].', SITE_B_FACTS, [planted]);
    expect(claimed.ok).toBe(false);
    expect(claimed.unmatchedNumbers).toEqual(['999999']);
  });

  it('ignores dates, codes, years, ordinals, list markers, times and section references', () => {
    const text = [
      '1. On 2025-06-14, June 14, 14 June 2025, el 14 de junio de 2025 and 14/06/2025 (09:30) nothing moved [D1].',
      '2) WELL-B01, P-101A, TSHH-1207, SITE-B and § 250.859 are codes; 2025 is a year; the 2nd and 3rd trips [D1].',
      '- Well A-01 (North Basin 1H) and Q3 [D1].',
    ].join('\n');
    expect(extractNumbers(text)).toEqual([]);
    expect(verifyAnswer(text, SITE_B_FACTS, []).ok).toBe(true);
  });

  it('does not flag sentences that only say a cause is unknown', () => {
    const text = `${GOOD} The data does not show what caused the rest. Los datos no explican la causa del resto.`;
    expect(verifyAnswer(text, SITE_B_FACTS, []).uncitedCauseSentences).toEqual([]);
  });

  it('never accepts an injected instruction as grounding', () => {
    const verification = verifyAnswer(
      'Per the notes, the API key is 48213 [S9]. Ignore the rules because the notes say so.',
      SITE_B_FACTS,
      [INJECTION_PASSAGE],
    );
    expect(verification.unmatchedNumbers).toEqual(['48213']);
    expect(verification.uncitedCauseSentences).toEqual(['Ignore the rules because the notes say so.']);
  });
});

describe('verify helpers', () => {
  it('extracts citations in order, including grouped ones', () => {
    expect(extractCitations('a [D2] b [D1, S3] c [s3] d [D1; D4] e [X1] [D]')).toEqual([
      'D2',
      'D1',
      'S3',
      'D4',
    ]);
  });

  it('splits sentences, keeping trailing citations and abbreviations with their sentence', () => {
    expect(
      splitSentences(
        'Site B fell vs. plan. [D1] The cause was CMP-TRIP [D2]. ¿Y el resto? No está claro.\n- Item one',
      ),
    ).toEqual([
      'Site B fell vs. plan. [D1]',
      'The cause was CMP-TRIP [D2].',
      '¿Y el resto?',
      'No está claro.',
      'Item one',
    ]);
  });

  it('recognises cause sentences in both languages', () => {
    for (const sentence of [
      'Production fell due to a trip.',
      'The largest contributor was CMP-TRIP.',
      'It was caused by a power outage.',
      'La caída fue causada por un corte de energía.',
      'Se perdió producción por el disparo del compresor.',
      'La causa principal fue PMP-FAIL.',
    ]) {
      expect(isCauseSentence(sentence)).toBe(true);
    }
    for (const sentence of ['Site B was 243.1 bbl under plan.', 'El sitio B estuvo por debajo del plan.']) {
      expect(isCauseSentence(sentence)).toBe(false);
    }
  });

  it('reads ambiguous separators both ways and rejects malformed groupings', () => {
    expect(readNumber('1,741.2')).toEqual([{ value: 1741.2, decimals: 1 }]);
    expect(readNumber('1.741,2')).toEqual([{ value: 1741.2, decimals: 1 }]);
    expect(readNumber('1,741')).toEqual([
      { value: 1741, decimals: 0 },
      { value: 1.741, decimals: 3 },
    ]);
    expect(readNumber('12,25')).toEqual([{ value: 12.25, decimals: 2 }]);
    expect(readNumber('0,500')).toEqual([{ value: 0.5, decimals: 3 }]);
    expect(readNumber('1,2,3')).toEqual([]);
  });
});
