/**
 * `npm run eval:explain`: the explain evaluation set. Builds two data sets (the demo data seeded with a fixed
 * end date plus its runbooks, and the Volve import plus the public runbooks in ../shared/data), generates
 * operator questions in English and Spanish for every intent from templates, computes each question's truth
 * with SQL against the warehouse (or from the runbooks' MANIFEST.csv), asks /rag/explain through the app and
 * prints the pass share per intent and per language for each data set.
 *
 * A question passes when it abstains exactly when it should, carries the expected numbers (as printed, in
 * either number style, rounding allowed) and names, cites the expected document, and answers in the
 * question's language. Exit code 1 when a data set misses 90 % overall or 80 % for an intent or language.
 */
import { readFileSync } from 'node:fs';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { loadCsv } from '../../src/domain/importer/index.js';
import { extractNumbers } from '../../src/domain/rag/explain/verify.js';
import { DEMO_DOCUMENT_DIRS } from '../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../test/support/services.js';

type Language = 'en' | 'es';
type Intent =
  | 'explain_change' | 'total' | 'rank' | 'compare' | 'trend' | 'forecast' | 'events' | 'procedure' | 'status' | 'out_of_scope';

interface Case {
  intent: Intent;
  language: Language;
  question: string;
  abstain?: boolean;
  numbers?: number[];
  names?: string[];
  doc?: string;
}

interface Answer {
  answer: string;
  language: string;
  abstained: boolean;
  citations: Array<{ kind: string; uri?: string }>;
}

const DEMO_END = '2025-06-15';
const VOLVE_DAILY = '../shared/data/volve/volve_daily_production.csv';
const PUBLIC_RUNBOOKS = '../shared/data/runbooks';
const VERBOSE = process.argv.includes('--verbose');

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;
/** GET of an /insights path with an insights key: the truth of model outputs (forecasts) is what the API serves. */
type Api = (path: string) => Promise<unknown>;

const num = (value: unknown): number => Number(value ?? 0);

function hasNumber(answer: string, expected: number): boolean {
  const tolerance = Math.max(0.06, Math.abs(expected) * 0.001);
  return extractNumbers(answer).some((mention) =>
    mention.readings.some((reading) => Math.abs(reading.value - Math.abs(expected)) <= tolerance),
  );
}

function judge(test: Case, body: Answer): string[] {
  const problems: string[] = [];
  const abstain = test.abstain ?? false;
  if (body.abstained !== abstain) problems.push(`abstained=${body.abstained}`);
  if (body.language !== test.language) problems.push(`language=${body.language}`);
  for (const value of test.numbers ?? []) if (!hasNumber(body.answer, value)) problems.push(`missing ${value}`);
  const folded = body.answer.toLowerCase();
  for (const name of test.names ?? []) if (!folded.includes(name.toLowerCase())) problems.push(`missing name ${name}`);
  if (test.doc && !body.citations.some((citation) => citation.kind === 'source' && citation.uri?.includes(test.doc!)))
    problems.push(`doc ${test.doc} not cited`);
  return problems;
}

const MONTHS_ES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const PRODUCT_ES: Record<string, string> = { oil: 'petróleo', gas: 'gas', water: 'agua' };

function monthRange(year: number, month: number): [string, string] {
  const from = `${year}-${String(month).padStart(2, '0')}-01`;
  const end = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  return [from, end];
}

async function siteTotal(query: Query, site: string | null, asset: string | null, product: string, from: string, to: string) {
  const rows = await query(
    `SELECT SUM(p.actual_volume) AS v FROM analytics.production_daily p JOIN analytics.assets a ON a.asset_id = p.asset_id
      WHERE p.product_id = ? AND p.date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        AND (? IS NULL OR a.site_id = ?) AND (? IS NULL OR p.asset_id = ?)`,
    [product, from, to, site, site, asset, asset],
  );
  return num(rows[0]?.v);
}

async function topAsset(query: Query, site: string | null, product: string, from: string, to: string, order: 'DESC' | 'ASC') {
  const rows = await query(
    `SELECT p.asset_id AS asset, SUM(p.actual_volume) AS v FROM analytics.production_daily p JOIN analytics.assets a ON a.asset_id = p.asset_id
      WHERE p.product_id = ? AND p.date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND (? IS NULL OR a.site_id = ?)
      GROUP BY p.asset_id HAVING SUM(p.actual_volume) ${order === 'DESC' ? '> 0' : '>= 0'} ORDER BY v ${order}, asset LIMIT 1`,
    [product, from, to, site, site],
  );
  return { asset: String(rows[0]?.asset), value: num(rows[0]?.v) };
}

async function demoCases(query: Query, api: Api): Promise<Case[]> {
  const cases: Case[] = [];
  const sites = [
    { id: 'SITE-A', en: 'Site A', es: 'el sitio A', name: 'North Basin' },
    { id: 'SITE-B', en: 'Site B', es: 'la planta B', name: 'Sierra Alta' },
    { id: 'SITE-C', en: 'Site C', es: 'la instalación C', name: 'Río Claro' },
  ];
  const months = [4, 5];
  for (const site of sites) {
    for (const month of months) {
      const product = month === 4 ? 'oil' : 'gas';
      const [from, to] = monthRange(2025, month);
      const total = await siteTotal(query, site.id, null, product, from, to);
      cases.push({ intent: 'total', language: 'en', question: `How much ${product} did ${site.en} produce in ${MONTHS_EN[month - 1]} 2025?`, numbers: [total] });
      cases.push({ intent: 'total', language: 'es', question: `¿Cuánto ${PRODUCT_ES[product]} produjo ${site.es} en ${MONTHS_ES[month - 1]} de 2025?`, numbers: [total] });
    }
  }
  for (const [month, product] of [[3, 'oil'], [5, 'gas'], [4, 'water']] as const) {
    const [from, to] = monthRange(2025, month);
    const top = await topAsset(query, null, product, from, to, 'DESC');
    cases.push({ intent: 'rank', language: 'en', question: `Which well produced the most ${product} in ${MONTHS_EN[month - 1]}?`, names: [top.asset], numbers: [top.value] });
    cases.push({ intent: 'rank', language: 'es', question: `¿Qué pozo produjo más ${PRODUCT_ES[product]} en ${MONTHS_ES[month - 1]}?`, names: [top.asset], numbers: [top.value] });
  }
  for (const site of sites) {
    const [from, to] = monthRange(2025, 5);
    const bottom = await topAsset(query, site.id, 'oil', from, to, 'ASC');
    cases.push({ intent: 'rank', language: 'en', question: `Which well at ${site.en} produced the least oil last month?`, names: [bottom.asset], numbers: [bottom.value] });
    cases.push({ intent: 'rank', language: 'es', question: `¿Cuál pozo de ${site.es} produjo menos petróleo el mes pasado?`, names: [bottom.asset], numbers: [bottom.value] });
  }
  const incidents = await query(
    `SELECT d.cause_code, d.asset_id, a.site_id, CAST(CAST(d.start_ts AS DATE) AS VARCHAR) AS day
       FROM analytics.downtime_events d JOIN analytics.assets a ON a.asset_id = d.asset_id
      WHERE d.cause_category = 'unplanned' AND d.product_id IS NULL AND d.lost_volume IS NULL
        AND CAST(d.start_ts AS DATE) BETWEEN DATE '2025-03-01' AND DATE '2025-06-14'
        AND CAST(d.start_ts AS DATE) = CAST(d.end_ts AS DATE)
      ORDER BY d.start_ts DESC LIMIT 4`,
  );
  for (const incident of incidents) {
    const site = sites.find((candidate) => candidate.id === incident.site_id)!;
    const day = String(incident.day);
    const code = String(incident.cause_code);
    const doc = code.toLowerCase();
    const actual = await siteTotal(query, site.id, null, 'oil', day, day);
    cases.push({ intent: 'explain_change', language: 'en', question: `Why was ${site.en} under plan on ${day}?`, names: [code], numbers: [actual], doc });
    cases.push({ intent: 'explain_change', language: 'es', question: `¿Por qué ${site.es} estuvo bajo el plan el ${day}?`, names: [code], numbers: [actual], doc });
    cases.push({ intent: 'events', language: 'en', question: `What happened at ${site.en} on ${day}?`, names: [code, String(incident.asset_id)] });
    cases.push({ intent: 'events', language: 'es', question: `¿Qué pasó en ${site.es} el ${day}?`, names: [code, String(incident.asset_id)] });
  }
  for (const site of sites) {
    const april = await siteTotal(query, site.id, null, 'oil', ...monthRange(2025, 4));
    const may = await siteTotal(query, site.id, null, 'oil', ...monthRange(2025, 5));
    cases.push({ intent: 'compare', language: 'en', question: `Compare ${site.en} oil in May 2025 vs April 2025`, numbers: [may, april] });
    cases.push({ intent: 'compare', language: 'es', question: `Compara el petróleo de ${site.es} en mayo de 2025 con abril de 2025`, numbers: [may, april] });
    const mtd = await siteTotal(query, site.id, null, 'oil', '2025-06-01', DEMO_END);
    cases.push({ intent: 'compare', language: 'en', question: `How does ${site.en} oil this month compare with last month?`, numbers: [mtd, may] });
    cases.push({ intent: 'compare', language: 'es', question: `¿Cómo va el petróleo de ${site.es} este mes con el mes pasado?`, numbers: [mtd, may] });
  }
  for (const site of sites) {
    const [first, last] = await Promise.all([
      query(`SELECT SUM(p.actual_volume) / COUNT(DISTINCT p.date) AS v FROM analytics.production_daily p JOIN analytics.assets a ON a.asset_id = p.asset_id WHERE a.site_id = ? AND p.product_id = 'oil' AND p.date BETWEEN DATE '2025-01-01' AND DATE '2025-01-31'`, [site.id]),
      query(`SELECT SUM(p.actual_volume) / COUNT(DISTINCT p.date) AS v FROM analytics.production_daily p JOIN analytics.assets a ON a.asset_id = p.asset_id WHERE a.site_id = ? AND p.product_id = 'oil' AND p.date BETWEEN DATE '2025-05-01' AND DATE '2025-05-31'`, [site.id]),
    ]);
    cases.push({ intent: 'trend', language: 'en', question: `What was the oil trend at ${site.en} from January to May 2025?`, numbers: [num(first[0]?.v), num(last[0]?.v)] });
    cases.push({ intent: 'trend', language: 'es', question: `¿Cuál fue la tendencia del petróleo en ${site.es} de enero a mayo de 2025?`, numbers: [num(first[0]?.v), num(last[0]?.v)] });
  }
  for (const site of sites) {
    const forecast = (await api(`/insights/forecast?site=${site.id}&product=oil&horizon=7`)) as {
      data: { points: Array<{ date: string; p50: number }> };
    };
    const rows = [
      {
        p50: forecast.data.points
          .filter((point) => point.date >= '2025-06-16' && point.date <= '2025-06-22')
          .reduce((sum, point) => sum + point.p50, 0),
      },
    ];
    cases.push({ intent: 'forecast', language: 'en', question: `Will ${site.en} meet plan next week?`, numbers: [num(rows[0]?.p50)], names: ['P50', 'P10', 'P90'] });
    cases.push({ intent: 'forecast', language: 'es', question: `¿Va a cumplir ${site.es} el plan la próxima semana?`, numbers: [num(rows[0]?.p50)], names: ['P50', 'P10', 'P90'] });
  }
  const mtdAll = await Promise.all(sites.map((site) => siteTotal(query, site.id, null, 'oil', '2025-06-01', DEMO_END)));
  cases.push({ intent: 'status', language: 'en', question: 'How are we doing?', numbers: mtdAll, names: sites.map((site) => site.name) });
  cases.push({ intent: 'status', language: 'es', question: '¿Cómo vamos?', numbers: mtdAll, names: sites.map((site) => site.name) });
  cases.push({ intent: 'status', language: 'en', question: 'Give me a status overview of Site B', numbers: [mtdAll[1]!], names: ['Sierra Alta'] });
  cases.push({ intent: 'status', language: 'es', question: 'Dame un resumen de la situación de la planta C', numbers: [mtdAll[2]!], names: ['Río Claro'] });
  const procedures: Array<[Language, string, string]> = [
    ['en', 'What does the runbook say to do when a compressor trips?', 'cmp-trip'],
    ['es', '¿Qué debo hacer cuando se dispara el compresor?', 'cmp-trip'],
    ['en', 'What are the steps to restart the site after a power outage?', 'pwr-out'],
    ['es', '¿Cuáles son los pasos para recuperar el sitio después de un corte de energía?', 'pwr-out'],
    ['en', 'What should I do when the separator trips on high liquid level?', 'sep-hll'],
    ['es', '¿Qué hago si el separador se para por alto nivel de líquido?', 'sep-hll'],
    ['en', 'How do I restart the transfer pump P-101A after a failure?', 'pmp-fail'],
    ['es', '¿Qué dice el procedimiento para la bomba P-101A cuando falla?', 'pmp-fail'],
  ];
  for (const [language, question, doc] of procedures) cases.push({ intent: 'procedure', language, question, doc });
  const offTopic: Array<[Language, string]> = [
    ['en', 'What is the oil price today?'],
    ['es', '¿Cuál es el precio del petróleo hoy?'],
    ['en', 'Tell me a joke about Site B'],
    ['es', 'Cuéntame un chiste sobre la planta B'],
    ['en', 'What is the capital of France?'],
    ['es', '¿Qué tiempo hace mañana en Madrid?'],
    ['en', 'Why was Site Z down yesterday?'],
    ['es', '¿Por qué cayó el sitio Z ayer?'],
  ];
  for (const [language, question] of offTopic) cases.push({ intent: 'out_of_scope', language, question, abstain: true });
  return cases;
}

async function volveCases(query: Query): Promise<Case[]> {
  const cases: Case[] = [];
  const asOf = String((await query('SELECT CAST(MAX(date) AS VARCHAR) AS d FROM analytics.production_daily'))[0]?.d);
  const wells = ['15/9-F-12', '15/9-F-14', '15/9-F-11'];
  const short = (id: string) => id.replace('15/9-', '');
  for (const well of wells) {
    for (const year of [2014, 2015]) {
      const total = await siteTotal(query, null, well, 'oil', `${year}-01-01`, `${year}-12-31`);
      cases.push({ intent: 'total', language: 'en', question: `How much oil did ${short(well)} produce in ${year}?`, numbers: [total] });
      cases.push({ intent: 'total', language: 'es', question: `¿Cuánto petróleo produjo el pozo ${short(well)} en ${year}?`, numbers: [total] });
    }
  }
  for (const year of [2013, 2014]) {
    const injected = await siteTotal(query, 'VOLVE', null, 'water_injection', `${year}-01-01`, `${year}-12-31`);
    cases.push({ intent: 'total', language: 'en', question: `How much water was injected at Volve in ${year}?`, numbers: [injected] });
    cases.push({ intent: 'total', language: 'es', question: `¿Cuánta agua se inyectó en Volve en ${year}?`, numbers: [injected] });
  }
  for (const [year, product] of [[2010, 'oil'], [2014, 'gas'], [2015, 'water']] as const) {
    const top = await topAsset(query, null, product, `${year}-01-01`, `${year}-12-31`, 'DESC');
    cases.push({ intent: 'rank', language: 'en', question: `Which well produced the most ${product} in ${year}?`, names: [short(top.asset)], numbers: [top.value] });
    cases.push({ intent: 'rank', language: 'es', question: `¿Qué pozo produjo más ${PRODUCT_ES[product]} en ${year}?`, names: [short(top.asset)], numbers: [top.value] });
  }
  for (const [a, b] of [[[2015, 1], [2014, 12]], [[2014, 6], [2014, 5]]] as const) {
    const first = await siteTotal(query, 'VOLVE', null, 'oil', ...monthRange(a[0], a[1]));
    const second = await siteTotal(query, 'VOLVE', null, 'oil', ...monthRange(b[0], b[1]));
    cases.push({ intent: 'compare', language: 'en', question: `Compare Volve oil in ${MONTHS_EN[a[1] - 1]!.slice(0, 3)} ${a[0]} vs ${MONTHS_EN[b[1] - 1]!.slice(0, 3)} ${b[0]}`, numbers: [first, second] });
    cases.push({ intent: 'compare', language: 'es', question: `Compara el petróleo de Volve en ${MONTHS_ES[a[1] - 1]} de ${a[0]} frente a ${MONTHS_ES[b[1] - 1]} de ${b[0]}`, numbers: [first, second] });
  }
  for (const well of ['15/9-F-14', '15/9-F-12']) {
    const avg = async (from: string, to: string) =>
      num((await query(`SELECT SUM(actual_volume) / COUNT(DISTINCT date) AS v FROM analytics.production_daily WHERE asset_id = ? AND product_id = 'oil' AND actual_volume IS NOT NULL AND date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)`, [well, from, to]))[0]?.v);
    const first = await avg('2015-01-01', '2015-01-31');
    const last = await avg('2015-12-01', '2015-12-31');
    cases.push({ intent: 'trend', language: 'en', question: `What was the oil trend for ${short(well)} in 2015?`, numbers: [first, last] });
    cases.push({ intent: 'trend', language: 'es', question: `¿Cuál fue la tendencia del petróleo del pozo ${short(well)} en 2015?`, numbers: [first, last] });
  }
  const shutIns = await query(
    `SELECT asset_id, strftime(date, '%Y-%m') AS month, COUNT(*) FILTER (WHERE uptime_hours = 0) AS zero, SUM(24 - uptime_hours) AS lost
       FROM analytics.production_daily WHERE product_id = 'oil' AND uptime_hours IS NOT NULL AND date BETWEEN DATE '2014-01-01' AND DATE '2015-12-31'
      GROUP BY 1, 2 HAVING COUNT(*) FILTER (WHERE uptime_hours = 0) BETWEEN 2 AND 20 ORDER BY zero DESC, 1, 2 LIMIT 3`,
  );
  for (const row of shutIns) {
    const [year, month] = String(row.month).split('-').map(Number) as [number, number];
    const well = short(String(row.asset_id));
    cases.push({ intent: 'events', language: 'en', question: `Was ${well} shut in during ${MONTHS_EN[month - 1]} ${year}?`, numbers: [num(row.lost)], names: [well] });
    cases.push({ intent: 'events', language: 'es', question: `¿Hubo cierres del pozo ${well} en ${MONTHS_ES[month - 1]} de ${year}?`, numbers: [num(row.lost)], names: [well] });
    const [from, to] = monthRange(year, month);
    const current = await siteTotal(query, null, String(row.asset_id), 'oil', from, to);
    cases.push({ intent: 'explain_change', language: 'en', question: `Why did ${well} oil drop in ${MONTHS_EN[month - 1]} ${year}?`, numbers: [current] });
    cases.push({ intent: 'explain_change', language: 'es', question: `¿Por qué bajó el petróleo de ${well} en ${MONTHS_ES[month - 1]} de ${year}?`, numbers: [current] });
  }
  const lastOil = String((await query(`SELECT CAST(MAX(date) AS VARCHAR) AS d FROM analytics.production_daily WHERE product_id = 'oil' AND actual_volume > 0`))[0]?.d ?? asOf);
  const mtd = await siteTotal(query, 'VOLVE', null, 'oil', `${lastOil.slice(0, 7)}-01`, lastOil);
  cases.push({ intent: 'status', language: 'en', question: 'How are we doing?', numbers: [mtd], names: ['Volve'] });
  cases.push({ intent: 'status', language: 'es', question: '¿Cómo vamos en el campo?', numbers: [mtd], names: ['Volve'] });
  for (const well of ['15/9-F-12', '15/9-F-14']) {
    cases.push({ intent: 'forecast', language: 'en', question: `What will ${short(well)} produce next week?`, names: ['P50', 'P10', 'P90', '7'] });
    cases.push({ intent: 'forecast', language: 'es', question: `¿Cuánto va a producir el pozo ${short(well)} la próxima semana?`, names: ['P50', 'P10', 'P90', '7'] });
  }
  const manifest = readFileSync(`${PUBLIC_RUNBOOKS}/MANIFEST.csv`, 'utf8').split('\n');
  const docFor = (topic: string) => manifest.find((line) => line.includes(topic))?.split(',')[0] ?? topic;
  const procedures: Array<[Language, string, string]> = [
    ['en', 'What does the regulation require of the emergency shutdown (ESD) system?', 'emergency shutdown (ESD) system'],
    ['es', '¿Qué exige la norma para el sistema de parada de emergencia (ESD)?', 'emergency shutdown (ESD) system'],
    ['en', 'What are the rules when firefighting systems are out of service?', 'firefighting systems'],
    ['es', '¿Qué hay que hacer si el sistema contra incendios está fuera de servicio?', 'firefighting systems'],
    ['en', 'What should I do when a database disk is full?', 'database; disk full'],
    ['es', '¿Qué hago si el disco de la base de datos está lleno?', 'database; disk full'],
    ['en', 'What are the steps when a certificate is about to expire?', 'certificate expiry'],
    ['es', '¿Qué pasos seguir cuando un certificado va a caducar?', 'certificate expiry'],
  ];
  for (const [language, question, topic] of procedures) {
    const path = docFor(topic);
    cases.push({ intent: 'procedure', language, question, doc: path.split('/').slice(-1)[0]!.replace(/\.md$/, '') });
  }
  const offTopic: Array<[Language, string]> = [
    ['en', 'What is the Brent oil price today?'],
    ['es', '¿Cuál es el precio del petróleo Brent hoy?'],
    ['en', 'Tell me a joke about Volve'],
    ['es', 'Cuéntame un chiste sobre Volve'],
    ['en', 'Who won the football match yesterday?'],
    ['es', '¿Quién ganó el partido de fútbol ayer?'],
  ];
  for (const [language, question] of offTopic) cases.push({ intent: 'out_of_scope', language, question, abstain: true });
  return cases;
}

interface Tally {
  pass: number;
  total: number;
}

async function run(name: string, stores: TestStores, prepare: () => Promise<void>, build: (query: Query, api: Api) => Promise<Case[]>) {
  const { services, app } = await buildTestApp(stores, {
    RATE_LIMIT_OVERRIDES: JSON.stringify({ premium: { rag: { limit: 100_000, periodSeconds: 60 } } }),
  });
  await prepare();
  if (name === 'demo') await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
  else await services.rag.ingestPaths([PUBLIC_RUNBOOKS], { exclude: ['README.md', 'MANIFEST.csv', 'LICENSE'] });
  const key = (await services.keys.create({ name: 'eval', scopes: ['rag:explain'], rateTier: 'premium' })).plaintext;
  const query: Query = async (sql, params = []) => (await stores.warehouse.query<Record<string, unknown>>(sql, params as never)).rows;
  const insightsKey = (await services.keys.create({ name: 'eval-insights', scopes: ['insights:read'], rateTier: 'premium' })).plaintext;
  const api: Api = async (path) => (await app.request(path, { headers: { 'X-API-Key': insightsKey } })).json();
  const cases = await build(query, api);
  const byIntent = new Map<string, Tally>();
  const byLanguage = new Map<string, Tally>();
  let passed = 0;
  const latencies: number[] = [];
  for (const test of cases) {
    const started = performance.now();
    const response = await app.request('/rag/explain', {
      method: 'POST',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ question: test.question }),
    });
    latencies.push(performance.now() - started);
    const body = (await response.json()) as Answer;
    const problems = response.status === 200 ? judge(test, body) : [`status ${response.status}`];
    const ok = problems.length === 0;
    if (ok) passed += 1;
    for (const [map, key] of [[byIntent, test.intent], [byLanguage, test.language]] as const) {
      const tally = map.get(key) ?? { pass: 0, total: 0 };
      tally.total += 1;
      if (ok) tally.pass += 1;
      map.set(key, tally);
    }
    if (!ok || VERBOSE) console.log(`${ok ? 'PASS' : 'FAIL'} [${name}/${test.intent}/${test.language}] ${test.question}\n     ${problems.join('; ')}${ok ? '' : `\n     → ${body.answer?.replace(/\n/g, ' ⏎ ').slice(0, 400)}`}`);
  }
  const share = (tally: Tally) => `${((100 * tally.pass) / tally.total).toFixed(1).padStart(5)} % (${tally.pass}/${tally.total})`;
  latencies.sort((left, right) => left - right);
  console.log(`\n== ${name}: ${share({ pass: passed, total: cases.length })} overall; p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0)} ms`);
  for (const [intent, tally] of [...byIntent].sort()) console.log(`   intent ${intent.padEnd(15)} ${share(tally)}`);
  for (const [language, tally] of [...byLanguage].sort()) console.log(`   language ${language.padEnd(13)} ${share(tally)}`);
  await services.close();
  const failing =
    passed / cases.length < 0.9 ||
    [...byIntent.values(), ...byLanguage.values()].some((tally) => tally.pass / tally.total < 0.8);
  return { cases: cases.length, failing };
}

const results = [];
{
  const stores = await openTestStores();
  results.push(await run('demo', stores, () => seedDemoData(stores.warehouse, { endDate: DEMO_END }).then(() => {}), demoCases));
  await stores.db.close();
  await stores.warehouse.close();
}
{
  const stores = await openTestStores();
  const mapping = readFileSync('docs/examples/volve.mapping.yaml', 'utf8');
  results.push(await run('volve', stores, () => loadCsv(stores.warehouse, { mapping, filePath: VOLVE_DAILY }).then(() => {}), volveCases));
  await stores.db.close();
  await stores.warehouse.close();
}
console.log(`\n${results.reduce((sum, result) => sum + result.cases, 0)} questions in total.`);
process.exitCode = results.some((result) => result.failing) ? 1 : 0;
