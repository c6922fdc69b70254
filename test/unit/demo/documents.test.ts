import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEMO_ASSETS, DEMO_CAUSE_CODES, DEMO_SITES } from '../../../src/domain/demo/catalog.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const RUNBOOKS = 'data/demo/runbooks';
const DASHBOARDS = 'data/demo/dashboards';

const frontMatterSchema = z.object({
  title: z.string().min(10),
  doc_type: z.literal('runbook'),
  tags: z.array(z.string()).min(3),
  sites: z.array(z.string()).min(1),
  assets: z.array(z.string()),
  language: z.enum(['en', 'es']),
  cause_codes: z.array(z.string()).min(1),
  owner: z.string(),
  revision: z.number().int().positive(),
});

const dashboardSchema = z
  .object({
    report: z.string().min(3),
    doc_type: z.literal('dashboard').optional(),
    language: z.enum(['en', 'es']).optional(),
    description: z.string().min(20),
    sites: z.array(z.string()).optional(),
    assets: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    pages: z
      .array(
        z
          .object({
            name: z.string(),
            description: z.string(),
            visuals: z
              .array(
                z
                  .object({
                    title: z.string(),
                    type: z.string(),
                    description: z.string(),
                    measures: z.array(z.string()),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
    measures: z
      .array(
        z.object({ name: z.string(), dax: z.string(), description: z.string(), format: z.string() }).strict(),
      )
      .min(1),
  })
  .strict();

const questionSchema = z
  .object({
    id: z.string(),
    question: z.string().min(10),
    expected: z.array(z.string()),
    kind: z.enum(['paraphrase', 'exact_code', 'negative', 'spanish']),
  })
  .strict();

function runbooks(): Array<{ file: string; meta: z.infer<typeof frontMatterSchema>; body: string }> {
  return readdirSync(path.join(ROOT, RUNBOOKS))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(ROOT, RUNBOOKS, file), 'utf8');
      const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
      if (!match) throw new Error(`${file}: no front matter`);
      return { file, meta: frontMatterSchema.parse(parse(match[1] ?? '')), body: match[2] ?? '' };
    });
}

describe('demo runbooks', () => {
  const documents = runbooks();
  const assetIds = new Set(DEMO_ASSETS.map((asset) => asset.asset_id));
  const siteIds = new Set(DEMO_SITES.map((site) => site.site_id));

  it('are 6–10 Markdown files in English and Spanish with valid front matter', () => {
    expect(documents.length).toBeGreaterThanOrEqual(6);
    expect(documents.length).toBeLessThanOrEqual(10);
    expect(new Set(documents.map((document) => document.meta.language))).toEqual(new Set(['en', 'es']));
    for (const { file, meta, body } of documents) {
      expect(
        meta.sites.filter((site) => !siteIds.has(site)),
        file,
      ).toEqual([]);
      expect(
        meta.assets.filter((asset) => !assetIds.has(asset)),
        file,
      ).toEqual([]);
      expect(
        meta.cause_codes.filter((code) => !(code in DEMO_CAUSE_CODES)),
        file,
      ).toEqual([]);
      expect(body, file).toMatch(/^## /m);
      expect(body, file).toMatch(/^(### |\| |1\. )/m);
    }
  });

  it('cover every injected cause code and a general investigation guide', () => {
    for (const code of ['CMP-TRIP', 'PWR-OUT', 'TAR-PLN', 'DEC-RES', 'PMP-FAIL']) {
      const covering = documents.filter(
        (document) => document.meta.cause_codes[0] === code && document.body.includes(code),
      );
      expect(covering.length, code).toBeGreaterThanOrEqual(1);
    }
    const guide = documents.find((document) => document.file === 'production-loss-investigation-guide.md');
    expect(guide?.meta.cause_codes).toEqual(expect.arrayContaining(Object.keys(DEMO_CAUSE_CODES)));
  });
});

describe('demo dashboards', () => {
  const files = readdirSync(path.join(ROOT, DASHBOARDS)).filter((file) => file.endsWith('.yaml'));

  it('follow the documented format and define every measure they use', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(ROOT, DASHBOARDS, 'README.md'))).toBe(true);
    for (const file of files) {
      const dashboard = dashboardSchema.parse(parse(readFileSync(path.join(ROOT, DASHBOARDS, file), 'utf8')));
      const defined = new Set(dashboard.measures.map((measure) => measure.name));
      expect(defined.size, file).toBe(dashboard.measures.length);
      const used = dashboard.pages.flatMap((page) => page.visuals.flatMap((visual) => visual.measures));
      expect(
        used.filter((name) => !defined.has(name)),
        file,
      ).toEqual([]);
    }
  });
});

describe('demo retrieval questions', () => {
  const questions = z
    .array(questionSchema)
    .parse(JSON.parse(readFileSync(path.join(ROOT, 'bench/rag/questions-demo.json'), 'utf8')));

  it('has 12+ questions of every kind pointing at existing demo documents', () => {
    expect(questions.length).toBeGreaterThanOrEqual(12);
    expect(new Set(questions.map((question) => question.id)).size).toBe(questions.length);
    expect(new Set(questions.map((question) => question.kind))).toEqual(
      new Set(['paraphrase', 'exact_code', 'negative', 'spanish']),
    );
    for (const question of questions) {
      expect(question.expected.length === 0, question.id).toBe(question.kind === 'negative');
      for (const expected of question.expected) {
        expect(expected, question.id).toMatch(/^data\/demo\/(runbooks|dashboards)\//);
        expect(existsSync(path.join(ROOT, expected)), expected).toBe(true);
      }
    }
  });
});
