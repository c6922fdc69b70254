import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../src/domain/dates.js';
import { DEMO_ASSETS, DEMO_CAUSE_CODES } from '../../../src/domain/demo/catalog.js';
import { demoIncidents } from '../../../src/domain/demo/incidents.js';
import { detectLanguage } from '../../../src/domain/rag/explain/language.js';
import { understandQuestion } from '../../../src/domain/rag/explain/understand.js';
import { DEMO_MEMBERS } from './fixtures.js';

interface BenchQuestion {
  id: string;
  question: string;
  language: 'en' | 'es';
  expect: { abstain: boolean; cause_codes?: string[]; site?: string };
}

const QUESTIONS = JSON.parse(
  readFileSync(new URL('../../../bench/rag/questions-explain.json', import.meta.url), 'utf8'),
) as BenchQuestion[];
const END = '2025-06-15';
const resolve = (question: string) =>
  question.replace(/\{\{end-(\d+)\}\}/g, (_placeholder, days: string) => addDays(END, -Number(days)));

describe('bench/rag/questions-explain.json', () => {
  it('has at least 20 answerable and 4 unanswerable questions, unique ids, in both languages', () => {
    expect(new Set(QUESTIONS.map((question) => question.id)).size).toBe(QUESTIONS.length);
    expect(QUESTIONS.filter((question) => !question.expect.abstain).length).toBeGreaterThanOrEqual(20);
    expect(QUESTIONS.filter((question) => question.expect.abstain).length).toBeGreaterThanOrEqual(4);
    expect(new Set(QUESTIONS.map((question) => question.language))).toEqual(new Set(['en', 'es']));
    for (const question of QUESTIONS) {
      expect(Object.keys(question).sort()).toEqual(['expect', 'id', 'language', 'question']);
      for (const code of question.expect.cause_codes ?? [])
        expect(Object.keys(DEMO_CAUSE_CODES)).toContain(code);
    }
  });

  it.each(QUESTIONS.map((question) => [question.id, question] as const))(
    '%s: the language is detected as labelled',
    (_id, question) => {
      expect(detectLanguage(resolve(question.question))).toBe(question.language);
    },
  );

  it.each(
    QUESTIONS.filter((question) => !question.expect.abstain).map(
      (question) => [question.id, question] as const,
    ),
  )('%s: the parser finds the site and a range covering the incident (end date %s)', (_id, question) => {
    const understanding = understandQuestion(resolve(question.question), {
      today: END,
      members: DEMO_MEMBERS,
    });
    const assetSites = understanding.assets.map(
      (assetId) => DEMO_ASSETS.find((asset) => asset.asset_id === assetId)?.site_id,
    );
    expect([...understanding.sites, ...assetSites]).toContain(question.expect.site);
    expect(understanding.range).not.toBeNull();
    for (const code of question.expect.cause_codes ?? []) {
      const incident = demoIncidents(END).find((candidate) => candidate.cause_code === code)!;
      expect(
        understanding.range!.from <= incident.end_date && incident.start_date <= understanding.range!.to,
      ).toBe(true);
    }
  });
});
