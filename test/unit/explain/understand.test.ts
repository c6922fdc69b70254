import { describe, expect, it } from 'vitest';
import {
  parseModelUnderstanding,
  QuestionUnderstandingSchema,
  understandingJsonSchema,
  understandQuestion,
} from '../../../src/domain/rag/explain/understand.js';
import { DEMO_MEMBERS, TODAY } from './fixtures.js';

const understand = (question: string) =>
  understandQuestion(question, { today: TODAY, members: DEMO_MEMBERS });

describe('understandQuestion: dates relative to today (2025-06-15, a Sunday)', () => {
  it.each([
    ['Why was Site B under plan yesterday?', '2025-06-14', '2025-06-14', 'yesterday'],
    ['¿Por qué cayó el sitio B ayer?', '2025-06-14', '2025-06-14', 'ayer'],
    ['How is Site A doing today?', '2025-06-15', '2025-06-15', 'today'],
    ['¿Cómo va el sitio A hoy?', '2025-06-15', '2025-06-15', 'hoy'],
    ['¿Qué pasó anteayer en el sitio C?', '2025-06-13', '2025-06-13', 'anteayer'],
    ['What happened the day before yesterday?', '2025-06-13', '2025-06-13', 'the day before yesterday'],
    ['Why did Site B drop last week?', '2025-06-02', '2025-06-08', 'last week'],
    ['¿Por qué bajó el sitio B la semana pasada?', '2025-06-02', '2025-06-08', 'la semana pasada'],
    ['Why was Site B low in the past week?', '2025-06-09', '2025-06-15', 'in the past week'],
    ['¿Por qué cayó en la última semana?', '2025-06-09', '2025-06-15', 'en la última semana'],
    ['How is this week going?', '2025-06-09', '2025-06-15', 'this week'],
    ['Why is Site C behind this month?', '2025-06-01', '2025-06-15', 'this month'],
    ['¿Por qué el sitio C va atrasado este mes?', '2025-06-01', '2025-06-15', 'este mes'],
    ['What went wrong last month?', '2025-05-01', '2025-05-31', 'last month'],
    ['¿Qué falló el mes pasado?', '2025-05-01', '2025-05-31', 'el mes pasado'],
    ['What happened to P-101A in March?', '2025-03-01', '2025-03-31', 'in March'],
    ['¿Qué pasó en marzo con la bomba P-101A?', '2025-03-01', '2025-03-31', 'en marzo'],
    ['Why was Site A down in September?', '2024-09-01', '2024-09-30', 'in September'],
    ['How is June going?', '2025-06-01', '2025-06-15', 'June'],
    ['What happened in May?', '2025-05-01', '2025-05-31', 'in May'],
    ['Why was Site A under plan on March 14?', '2025-03-14', '2025-03-14', 'on March 14'],
    ['¿Por qué el sitio A estuvo bajo el plan el 14 de marzo?', '2025-03-14', '2025-03-14', 'el 14 de marzo'],
    ['What happened on July 4?', '2024-07-04', '2024-07-04', 'on July 4'],
    ['What happened on 14 March 2024?', '2024-03-14', '2024-03-14', 'on 14 March 2024'],
    ['¿Qué pasó el 3 de enero de 2024?', '2024-01-03', '2024-01-03', 'el 3 de enero de 2024'],
    ['What happened on 2025-03-14?', '2025-03-14', '2025-03-14', '2025-03-14'],
    ['Why did WELL-C03 decline over the last 7 days?', '2025-06-09', '2025-06-15', 'over the last 7 days'],
    [
      '¿Por qué bajó el pozo C-03 en los últimos 30 días?',
      '2025-05-17',
      '2025-06-15',
      'en los últimos 30 días',
    ],
    ['Why the drop in the last two weeks?', '2025-06-02', '2025-06-15', 'in the last two weeks'],
    ['¿Qué pasó del 1 al 14 de junio?', '2025-06-01', '2025-06-14', 'del 1 al 14 de junio'],
    [
      'Why was Site A low between 2025-04-16 and 2025-04-25?',
      '2025-04-16',
      '2025-04-25',
      '2025-04-16 … 2025-04-25',
    ],
    ['Why did Site A drop on Monday?', '2025-06-09', '2025-06-09', 'on Monday'],
    ['¿Por qué cayó el sitio A el lunes pasado?', '2025-06-09', '2025-06-09', 'el lunes pasado'],
    ['What happened last Sunday?', '2025-06-08', '2025-06-08', 'last Sunday'],
  ])('%s', (question, from, to, rangeText) => {
    const understanding = understand(question);
    expect(understanding.range).toEqual({ from, to });
    expect(understanding.rangeText).toBe(rangeText);
  });

  it('leaves the range null when no time is named, and does not read "may" or "this morning" as dates', () => {
    expect(understand('Why was Site B under plan?').range).toBeNull();
    expect(understand('Why may Site A be under plan?').range).toBeNull();
    expect(understand('¿Qué pasó esta mañana en el sitio B?').range).toBeNull();
  });

  it('reads future phrases as forecast questions', () => {
    const nextWeek = understand('What is the forecast for Site B gas next week?');
    expect(nextWeek.range).toEqual({ from: '2025-06-16', to: '2025-06-22' });
    expect(nextWeek.wantsForecast).toBe(true);
    expect(understand('¿Cuánto va a producir el sitio B la próxima semana?').wantsForecast).toBe(true);
    expect(understand('¿Qué esperamos mañana en el sitio C?').range).toEqual({
      from: '2025-06-16',
      to: '2025-06-16',
    });
    expect(understand('Will Site C meet plan?').wantsForecast).toBe(true);
    expect(understand('Why was Site A under forecast yesterday?').wantsForecast).toBe(false);
    expect(understand('Why was Site A under plan yesterday?').wantsForecast).toBe(false);
  });
});

describe('understandQuestion: members', () => {
  it('finds sites by id, English or Spanish name part, with or without accents', () => {
    expect(understand('Why did SITE-B drop?').sites).toEqual(['SITE-B']);
    expect(understand('Why did site-b drop?').sites).toEqual(['SITE-B']);
    expect(understand('Why did Site B drop?').sites).toEqual(['SITE-B']);
    expect(understand('¿Por qué cayó el sitio B?').sites).toEqual(['SITE-B']);
    expect(understand('What happened at Sierra Alta?').sites).toEqual(['SITE-B']);
    expect(understand('What happened at Rio Claro?').sites).toEqual(['SITE-C']);
    expect(understand('¿Qué pasó en Río Claro y en North Basin?').sites).toEqual(['SITE-C', 'SITE-A']);
    expect(understand('Was the site below plan?').sites).toEqual([]);
  });

  it('finds assets by code (case-insensitive) or name, and tells P-101A from P-101B', () => {
    expect(understand('Why did p-101a fail?').assets).toEqual(['P-101A']);
    expect(understand('Was P-101B started after P-101A failed?').assets).toEqual(['P-101B', 'P-101A']);
    expect(understand('Why did CMP-B1 trip?').assets).toEqual(['CMP-B1']);
    expect(understand('Why is WELL-B01 low?').assets).toEqual(['WELL-B01']);
    expect(understand('Why is Well B-01 low?').assets).toEqual(['WELL-B01']);
    expect(understand('¿Por qué bajó el pozo C-03?').assets).toEqual(['WELL-C03']);
  });

  it('finds products in both languages but not in "gas lift" or "water injection"', () => {
    expect(understand('Why was oil low?').products).toEqual(['oil']);
    expect(understand('¿Por qué bajó el crudo?').products).toEqual(['oil']);
    expect(understand('¿Por qué bajó el petróleo y el agua?').products).toEqual(['oil', 'water']);
    expect(understand('Why did gas drop?').products).toEqual(['gas']);
    expect(understand('Why did the gas-lift compressor trip?').products).toEqual([]);
    expect(understand('¿Falló la bomba de inyección de agua?').products).toEqual([]);
  });

  it('lists member-like mentions that match nothing', () => {
    expect(understand('Why did Site Z and WELL-Z99 drop vs SITE-Q?').unknownMembers).toEqual([
      'Site Z',
      'WELL-Z99',
      'SITE-Q',
    ]);
    expect(understand('Why did WELL-B01 and site B drop on 2025-06-14?').unknownMembers).toEqual([]);
  });
});

describe('understandQuestion: comparison and keywords', () => {
  it.each([
    ['Why was Site B under plan yesterday?', 'plan'],
    ['¿Por qué el sitio B quedó bajo el plan?', 'plan'],
    ['Why is Site B behind vs budget?', 'plan'],
    ['Why was Site A under forecast yesterday?', 'forecast'],
    ['¿Por qué el sitio A estuvo por debajo del pronóstico?', 'forecast'],
    ['Why was Site B lower yesterday than last week?', 'previous_period'],
    ['¿Por qué el sitio B produjo menos ayer que la semana anterior?', 'previous_period'],
    ['How did Site C do compared to the previous period?', 'previous_period'],
    ['Site C oil vs. previous month?', 'previous_period'],
    ['¿Por qué la semana pasada cayó el sitio C?', 'plan'],
  ] as const)('%s → %s', (question, compare) => {
    expect(understand(question).compare).toBe(compare);
  });

  it('does not take the compared period for the asked range', () => {
    const understanding = understand('Why was SITE-B oil lower yesterday than last week?');
    expect(understanding.range).toEqual({ from: '2025-06-14', to: '2025-06-14' });
    expect(understanding.compare).toBe('previous_period');
  });

  it('keeps codes and cause words, drops stop words and dates, uses ids for member mentions', () => {
    const { keywords } = understand('Why did CMP-B1 trip at Sierra Alta yesterday after the CMP-TRIP alarm?');
    expect(keywords).toEqual(expect.arrayContaining(['cmp-b1', 'site-b', 'trip', 'cmp-trip', 'alarm']));
    expect(keywords).not.toEqual(expect.arrayContaining(['why']));
    expect(keywords.some((keyword) => ['the', 'yesterday', 'sierra', 'alta'].includes(keyword))).toBe(false);
    expect(understand('¿Hubo un corte de energía en el sitio C ayer?').keywords).toEqual(
      expect.arrayContaining(['site-c', 'corte', 'energía']),
    );
  });

  it('produces output the schema accepts as is', () => {
    const understanding = understand('¿Por qué cayó el petróleo del sitio B ayer?');
    expect(understanding.language).toBe('es');
    expect(QuestionUnderstandingSchema.parse(understanding)).toEqual(understanding);
  });
});

describe('parseModelUnderstanding', () => {
  it('maps names to ids, drops unknown members and fills defaults', () => {
    const result = parseModelUnderstanding(
      {
        language: 'en',
        sites: ['Site B', 'SITE-Z'],
        assets: ['cmp-b1'],
        products: ['Crude oil'],
        range: { from: '2025-06-14', to: '2025-06-14' },
        keywords: ['CMP-TRIP', 'cmp-trip', ' Compressor '],
      },
      DEMO_MEMBERS,
    );
    expect(result).toEqual({
      ok: true,
      dropped: ['SITE-Z'],
      understanding: {
        language: 'en',
        sites: ['SITE-B'],
        assets: ['CMP-B1'],
        products: ['oil'],
        range: { from: '2025-06-14', to: '2025-06-14' },
        rangeText: null,
        compare: 'plan',
        wantsForecast: false,
        keywords: ['cmp-trip', 'compressor'],
        unknownMembers: ['SITE-Z'],
      },
    });
  });

  it('reads the JSON object out of a model text answer', () => {
    const result = parseModelUnderstanding(
      'Here it is:\n```json\n{"language":"es","sites":["sitio C"],"compare":"previous_period"}\n```',
      DEMO_MEMBERS,
    );
    expect(result.ok && result.understanding.sites).toEqual(['SITE-C']);
    expect(result.ok && result.understanding.compare).toBe('previous_period');
  });

  it.each([
    ['not json at all', 'no JSON'],
    [{ language: 'fr' }, 'language'],
    [{ language: 'en', range: { from: '2025-02-30', to: '2025-03-01' } }, 'range.from'],
    [{ language: 'en', range: { from: '2025-03-02', to: '2025-03-01' } }, 'range'],
    [{ language: 'en', compare: 'year_ago' }, 'compare'],
  ])('rejects %j', (input, issue) => {
    const result = parseModelUnderstanding(input, DEMO_MEMBERS);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.join(' ')).toContain(issue);
  });

  it('exposes a JSON Schema for tool use', () => {
    const schema = understandingJsonSchema();
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toEqual(
      expect.arrayContaining(['language', 'sites', 'range', 'compare', 'wantsForecast', 'keywords']),
    );
  });
});
