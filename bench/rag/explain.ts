/**
 * Answer evaluation of /rag/explain on the embedded default (local grounded composer): seeds the demo
 * data with end date = today (so "yesterday" means the compressor trip), indexes the demo documents,
 * asks every question of bench/rag/questions-explain.json through the HTTP app, and reports citation
 * validity, numbers matching facts, cause recall, abstention and latency. Run: `npx tsx bench/rag/explain.ts`.
 */
import { readFileSync } from 'node:fs';
import { addDays } from '../../src/domain/dates.js';
import { defaultDemoEndDate, seedDemoData } from '../../src/domain/demo/seed.js';
import { DEMO_DOCUMENT_DIRS } from '../../src/services.js';
import { buildTestApp, openTestStores } from '../../test/support/services.js';

interface ExplainQuestion {
  id: string;
  question: string;
  language: string;
  expect: { abstain: boolean; cause_codes?: string[]; site?: string };
}

interface ExplainBody {
  answer: string;
  abstained: boolean;
  language: string;
  citations: Array<{ id: string }>;
  verification: { ok: boolean; unknownCitations: string[]; unmatchedNumbers: string[]; citedIds: string[] };
}

export interface ExplainReport {
  questions: number;
  answerable: number;
  unanswerable: number;
  citationValidity: number;
  numbersMatchingFacts: number;
  verifiedAnswers: number;
  causeRecall: number;
  languageMatch: number;
  abstentionOnUnanswerable: number;
  falseAbstentions: number;
  p50Ms: number;
  p95Ms: number;
  failures: string[];
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
const ratio = (part: number, whole: number) => (whole === 0 ? 1 : Math.round((part / whole) * 1000) / 1000);

/** Runs the explain evaluation and returns its report. */
export async function runExplainBench(log: (line: string) => void = () => {}): Promise<ExplainReport> {
  const endDate = defaultDemoEndDate();
  const stores = await openTestStores();
  await seedDemoData(stores.warehouse, { endDate });
  const { app, services } = await buildTestApp(stores);
  try {
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
    const key = (await services.keys.create({ name: 'bench', scopes: ['rag:explain'], rateTier: 'premium' }))
      .plaintext;
    const questions = JSON.parse(
      readFileSync('bench/rag/questions-explain.json', 'utf8'),
    ) as ExplainQuestion[];
    const latencies: number[] = [];
    const failures: string[] = [];
    let validCitations = 0;
    let numbersOk = 0;
    let verified = 0;
    let causesFound = 0;
    let causesExpected = 0;
    let languageOk = 0;
    let abstainedWhenUnanswerable = 0;
    let falseAbstentions = 0;
    for (const [index, entry] of questions.entries()) {
      const question = entry.question.replace(/\{\{end-(\d+)\}\}/g, (_, days: string) =>
        addDays(endDate, -Number(days)),
      );
      const started = performance.now();
      const response = await app.request('/rag/explain', {
        method: 'POST',
        headers: { 'X-API-Key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
      });
      if (index > 0) latencies.push(performance.now() - started);
      const body = (await response.json()) as ExplainBody;
      if (body.verification.unknownCitations.length === 0) validCitations += 1;
      else failures.push(`${entry.id}: unknown citations ${body.verification.unknownCitations.join(',')}`);
      if (body.verification.unmatchedNumbers.length === 0) numbersOk += 1;
      else failures.push(`${entry.id}: unmatched numbers ${body.verification.unmatchedNumbers.join(',')}`);
      if (body.verification.ok) verified += 1;
      if (body.language === entry.language) languageOk += 1;
      if (entry.expect.abstain) {
        if (body.abstained) abstainedWhenUnanswerable += 1;
        else failures.push(`${entry.id}: answered an unanswerable question`);
      } else {
        if (body.abstained) {
          falseAbstentions += 1;
          failures.push(`${entry.id}: abstained`);
        }
        for (const code of entry.expect.cause_codes ?? []) {
          causesExpected += 1;
          if (body.answer.includes(code)) causesFound += 1;
          else failures.push(`${entry.id}: ${code} not named`);
        }
      }
    }
    const unanswerable = questions.filter((entry) => entry.expect.abstain).length;
    const report: ExplainReport = {
      questions: questions.length,
      answerable: questions.length - unanswerable,
      unanswerable,
      citationValidity: ratio(validCitations, questions.length),
      numbersMatchingFacts: ratio(numbersOk, questions.length),
      verifiedAnswers: ratio(verified, questions.length),
      causeRecall: ratio(causesFound, causesExpected),
      languageMatch: ratio(languageOk, questions.length),
      abstentionOnUnanswerable: ratio(abstainedWhenUnanswerable, unanswerable),
      falseAbstentions,
      p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      p95Ms: Math.round(percentile(latencies, 95) * 10) / 10,
      failures,
    };
    log(JSON.stringify(report));
    return report;
  } finally {
    await services.close();
    await stores.db.close();
    await stores.warehouse.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runExplainBench();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
