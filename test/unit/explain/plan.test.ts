import { describe, expect, it } from 'vitest';
import { planQuestion } from '../../../src/domain/rag/explain/plan/deterministic.js';
import { fuzzyMember } from '../../../src/domain/rag/explain/plan/entities.js';
import { parseModelPlan } from '../../../src/domain/rag/explain/plan/model.js';
import { planJsonSchema, QuestionPlanSchema } from '../../../src/domain/rag/explain/plan/schema.js';
import type { UnderstandMembers } from '../../../src/domain/rag/explain/understand.js';
import { DEMO_MEMBERS, TODAY } from './fixtures.js';

const VOLVE_MEMBERS: UnderstandMembers = {
  sites: [{ id: 'VOLVE', name: 'Volve' }],
  assets: ['15/9-F-1 C', '15/9-F-11', '15/9-F-12', '15/9-F-14', '15/9-F-15 D', '15/9-F-4', '15/9-F-5'].map(
    (id) => ({
      id,
      name: `NO ${id}`,
      site_id: 'VOLVE',
    }),
  ),
  products: [
    { id: 'gas', name: 'Gas' },
    { id: 'oil', name: 'Oil' },
    { id: 'water', name: 'Produced water' },
    { id: 'water_injection', name: 'Injected water' },
  ],
};

const demo = (question: string) => planQuestion(question, { today: TODAY, members: DEMO_MEMBERS });
const volve = (question: string) => planQuestion(question, { today: '2016-09-17', members: VOLVE_MEMBERS });

describe('planQuestion: intents', () => {
  it.each([
    ['Why was Site B under plan yesterday?', 'explain_change'],
    ['How much oil did Site A produce in May?', 'total'],
    ['Which well contributed most to the variance at Site B yesterday?', 'rank'],
    ['Top 3 wells by gas last month', 'rank'],
    ['Compare Site A and Site B oil last month', 'compare'],
    ['este mes con el mes pasado en el sitio C', 'compare'],
    ['What is the trend of gas at Site C?', 'trend'],
    ['Will Site B meet plan next week?', 'forecast'],
    ['What happened at Site A last week?', 'events'],
    ['What does the runbook say to do when a compressor trips?', 'procedure'],
    ['¿Qué debo hacer cuando se dispara el compresor?', 'procedure'],
    ['How are we doing?', 'status'],
    ['¿Cómo vamos?', 'status'],
    ['What is the oil price today?', 'out_of_scope'],
    ['cual es el precio del petroleo hoy', 'out_of_scope'],
    ['tell me a joke about Site B', 'out_of_scope'],
  ])('%s → %s', (question, intent) => {
    expect(demo(question).intent).toBe(intent);
  });

  it('names the asset breakdown and the variance measure of a "which well" question', () => {
    const plan = demo('Which well contributed most to the variance at Site B yesterday?');
    expect(plan).toMatchObject({
      breakdown: 'asset',
      measure: 'variance',
      sites: ['SITE-B'],
      rank: { direction: 'top', size: 1 },
    });
  });
});

describe('planQuestion: calendar periods relative to the as-of date', () => {
  it('keeps two calendar periods for "this month vs last month" and "Jan 2015 vs Dec 2014"', () => {
    expect(demo('How is oil this month vs last month?').periods.map(({ from, to }) => [from, to])).toEqual([
      ['2025-06-01', '2025-06-15'],
      ['2025-05-01', '2025-05-31'],
    ]);
    expect(
      volve('Compare Volve oil in Jan 2015 vs Dec 2014').periods.map(({ from, to }) => [from, to]),
    ).toEqual([
      ['2015-01-01', '2015-01-31'],
      ['2014-12-01', '2014-12-31'],
    ]);
  });

  it('derives the previous calendar month for a one-period comparison', () => {
    expect(
      demo('Compare Site A oil in April against the month before').periods.map(({ from, to }) => [from, to]),
    ).toEqual([
      ['2025-04-01', '2025-04-30'],
      ['2025-03-01', '2025-03-31'],
    ]);
  });

  it.each([
    ['How much oil in 2014?', '2014-01-01', '2014-12-31'],
    ['Oil at Site A on the 14th', '2025-06-14', '2025-06-14'],
    ['What happened two weeks ago at Site A?', '2025-05-26', '2025-06-01'],
    ['Oil at Site A MTD', '2025-06-01', '2025-06-15'],
    ['Gas at Site B in Q1 2025', '2025-01-01', '2025-03-31'],
    ['¿Cuánto gas en los últimos meses en el sitio B?', '2025-03-16', '2025-06-15'],
    ['Oil at Site A between 2025-05-20 and 2025-05-27', '2025-05-20', '2025-05-27'],
    ['¿Cuál fue la tendencia del petróleo de enero a mayo de 2025?', '2025-01-01', '2025-05-31'],
    ['Oil at Site C on March 3rd 2025', '2025-03-03', '2025-03-03'],
  ])('%s → %s … %s', (question, from, to) => {
    const [period] = demo(question).periods;
    expect(period && [period.from, period.to]).toEqual([from, to]);
    expect(demo(question).periods).toHaveLength(1);
  });

  it('gives a future range to a forecast question without dates', () => {
    expect(demo('Will Site C meet plan?').periods).toEqual([
      { from: '2025-06-16', to: '2025-06-22', label: 'next 7 days' },
    ]);
  });
});

describe('planQuestion: entities', () => {
  it('resolves field-prefixed well codes written short, with or without "well"/"pozo"', () => {
    expect(volve('How much oil did F-12 produce in 2014?').assets).toEqual(['15/9-F-12']);
    expect(volve('well F-14 oil last month').assets).toEqual(['15/9-F-14']);
    expect(volve('¿Cuánto petróleo produjo el pozo F-1 C en 2014?').assets).toEqual(['15/9-F-1 C']);
  });

  it('reads "planta B", "instalación B" and the site name, accents omitted', () => {
    expect(demo('¿Cuánto produjo la planta B ayer?').sites).toEqual(['SITE-B']);
    expect(demo('Producción de la instalacion B ayer').sites).toEqual(['SITE-B']);
    expect(demo('Oil at Sierra Alta yesterday').sites).toEqual(['SITE-B']);
    expect(demo('¿Cuánto petróleo produjo Rio Claro ayer?').sites).toEqual(['SITE-C']);
  });

  it('maps water injection to its product and keeps produced water apart', () => {
    expect(volve('How much water was injected at Volve in 2014?').products).toEqual(['water_injection']);
    expect(volve('¿Cuánta agua se inyectó en 2014?').products).toEqual(['water_injection']);
    expect(volve('How much produced water in 2014?').products).toEqual(['water']);
  });

  it('resolves near misses fuzzily and lists what it could not resolve', () => {
    expect(demo('WELL-B1 oil yesterday').assets).toEqual(['WELL-B01']);
    expect(fuzzyMember('Sierra Alto', DEMO_MEMBERS)).toMatchObject({ kind: 'site', id: 'SITE-B' });
    const plan = demo('Why was Site Z down yesterday?');
    expect(plan.sites).toEqual([]);
    expect(plan.not_understood).toEqual(['Site Z']);
  });
});

describe('the plan schema for the model path', () => {
  it('is an object JSON schema with the intent enum, and validates the deterministic plans', () => {
    const schema = planJsonSchema() as { type: string; properties: Record<string, { enum?: string[] }> };
    expect(schema.type).toBe('object');
    expect(schema.properties.intent?.enum).toContain('procedure');
    expect(QuestionPlanSchema.parse(demo('How are we doing?'))).toEqual(demo('How are we doing?'));
  });

  it('maps model members to catalogue ids and reports unknown ones', () => {
    const result = parseModelPlan(
      {
        language: 'en',
        intent: 'total',
        sites: ['Sierra Alta', 'Atlantis'],
        assets: ['well b-02'],
        products: ['oil', 'lava'],
      },
      DEMO_MEMBERS,
    );
    expect(result.ok && result.plan).toMatchObject({
      sites: ['SITE-B'],
      assets: ['WELL-B02'],
      products: ['oil'],
      not_understood: ['lava', 'Atlantis'],
    });
  });

  it('rejects an invalid plan with the reasons', () => {
    const result = parseModelPlan({ language: 'fr', intent: 'total' }, DEMO_MEMBERS);
    expect(result.ok).toBe(false);
  });
});
