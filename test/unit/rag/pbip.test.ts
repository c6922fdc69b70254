import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  documentHash,
  IngestError,
  loadDocument,
  loadFile,
  walkSources,
} from '../../../src/domain/rag/ingest/index.js';
import {
  parsePbipProject,
  parseReports,
  parseTmdl,
  readProjectFolder,
  readProjectZip,
} from '../../../src/domain/rag/ingest/pbip/index.js';
import { tempDir } from '../../support/services.js';

const PROJECT = 'test/fixtures/pbip/production-losses';

function folderEntries(folder: string, prefix = '', relative = ''): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const name of readdirSync(path.join(folder, relative))) {
    const child = relative ? `${relative}/${name}` : name;
    if (statSync(path.join(folder, child)).isDirectory())
      Object.assign(entries, folderEntries(folder, prefix, child));
    else entries[`${prefix}${child}`] = readFileSync(path.join(folder, child));
  }
  return entries;
}

const failure = (run: () => unknown): IngestError => {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
};

describe('TMDL', () => {
  const source = [
    '/// Sales facts.',
    'table Sales',
    '\tlineageTag: 1',
    '',
    "\t/// Share of the customer's orders",
    '\t/// that shipped late.',
    "\tmeasure 'Late %' = DIVIDE([Late Orders], [Orders])",
    '\t\tformatString: "0.0 %"',
    '\t\tdisplayFolder: KPIs\\Delivery',
    '\t\tisHidden',
    '',
    "\tmeasure 'Customer''s Margin' =",
    '\t\t\tVAR revenue = [Revenue]',
    '',
    '\t\t\tRETURN',
    '\t\t\t    revenue - [Cost]',
    '\t\tformatString: #,0',
    '',
    '\tmeasure Orders = ```',
    '\t\t\tCOUNTROWS(',
    '',
    '\t\t\t    Sales',
    '\t\t\t)',
    '\t\t\t```',
    '\t\tdisplayFolder: Counts',
    '',
    '\tcolumn Amount',
    '\t\tdataType: decimal',
    '\t\tsourceColumn: AMOUNT',
    '',
    '\t\tannotation SummarizationSetBy = Automatic',
    '',
    '\tcolumn Year = YEAR(Sales[Date])',
    '\t\tdataType: int64',
    '\t\tisHidden',
    '',
    '\tpartition Sales = m',
    '\t\tmode: import',
    '\t\tsource =',
    '\t\t\t\tlet',
    '\t\t\t\t    measure = 1',
    '\t\t\t\tin',
    '\t\t\t\t    measure',
    '',
    'table Other',
    '\tisHidden',
    '',
    '\tmeasure X = 1',
    '',
  ].join('\n');

  it('reads measures with inline, indented and fenced DAX, their descriptions, folders and formats', () => {
    const [sales, other] = parseTmdl(source, 'tables/Sales.tmdl');
    expect(sales).toMatchObject({
      name: 'Sales',
      description: 'Sales facts.',
      isHidden: false,
      span: { file: 'tables/Sales.tmdl', startLine: 1 },
    });
    expect(sales?.measures.map((measure) => measure.name)).toEqual(['Late %', "Customer's Margin", 'Orders']);
    expect(sales?.measures[0]).toMatchObject({
      table: 'Sales',
      expression: 'DIVIDE([Late Orders], [Orders])',
      description: "Share of the customer's orders that shipped late.",
      formatString: '0.0 %',
      displayFolder: 'KPIs\\Delivery',
      isHidden: true,
      span: { file: 'tables/Sales.tmdl', startLine: 5, endLine: 10 },
    });
    expect(sales?.measures[1]?.expression).toBe('VAR revenue = [Revenue]\n\nRETURN\n    revenue - [Cost]');
    expect(sales?.measures[1]?.span).toMatchObject({ startLine: 12, endLine: 17 });
    expect(sales?.measures[2]?.expression).toBe('COUNTROWS(\n\n    Sales\n)');
    expect(sales?.measures[2]?.displayFolder).toBe('Counts');
    expect(sales?.columns).toEqual([
      { name: 'Amount', dataType: 'decimal', isHidden: false },
      { name: 'Year', dataType: 'int64', expression: 'YEAR(Sales[Date])', isHidden: true },
    ]);
    expect(other).toMatchObject({
      name: 'Other',
      isHidden: true,
      measures: [{ name: 'X', expression: '1' }],
    });
  });

  it('reads files indented with spaces like files indented with tabs', () => {
    const spaced = source.replace(/\t/g, '    ');
    const strip = (tables: ReturnType<typeof parseTmdl>) =>
      JSON.stringify(tables, (key, value) => (key === 'span' ? undefined : value));
    const tabbed = parseTmdl(source, 'a.tmdl').map((table) => ({
      ...table,
      measures: table.measures.map((m) => ({ ...m, expression: m.expression.replace(/\t/g, '    ') })),
    }));
    expect(strip(parseTmdl(spaced, 'a.tmdl'))).toBe(strip(tabbed));
  });
});

describe('PBIR report', () => {
  it('orders pages as pages.json does and reads visuals, titles and query fields', async () => {
    const files = await readProjectFolder(PROJECT, PROJECT);
    const [report] = parseReports(files, PROJECT);
    expect(report?.name).toBe('Production Losses');
    expect(report?.semanticModelFolder).toBe('Production Losses.SemanticModel');
    expect(report?.pages.map((page) => [page.displayName, page.hidden])).toEqual([
      ['Overview', false],
      ['Lost Volume by Cause', false],
      ['Variación por sitio', false],
      ['Event detail', true],
    ]);
    const lost = report?.pages[1];
    expect(lost?.visuals.map((visual) => [visual.title, visual.visualType])).toEqual([
      [undefined, 'textbox'],
      ['Lost volume by cause', 'clusteredBarChart'],
      ['Plan to actual: volume lost per cause code', 'waterfallChart'],
      ['Downtime events', 'tableEx'],
    ]);
    expect(lost?.visuals[0]?.text).toMatch(/^Downtime and the volume it cost/);
    expect(lost?.visuals[3]?.fields.slice(3)).toEqual([
      {
        role: 'Values',
        kind: 'aggregation',
        entity: 'Downtime',
        property: 'Duration Hours',
        aggregation: 'Sum',
      },
      {
        role: 'Values',
        kind: 'measure',
        entity: 'Downtime',
        property: 'Lost Volume',
        displayName: 'Lost volume (m³)',
      },
    ]);
    expect(report?.pages[3]?.visuals).toHaveLength(1);
  });

  it('refuses a report saved only in the PBIR-Legacy format, saying how to convert it', () => {
    const files = new Map([
      [
        'Old.Report/definition.pbir',
        '{"version":"1.0","datasetReference":{"byPath":{"path":"../Old.SemanticModel"}}}',
      ],
      ['Old.Report/report.json', '{"sections":[]}'],
    ]);
    expect(failure(() => parseReports(files, 'old')).message).toMatch(
      /PBIR-Legacy.*enhanced metadata format/,
    );
  });

  it('names the file that is not JSON', () => {
    const files = new Map([['R.Report/definition/pages/p1/page.json', '{"name": "p1",']]);
    const error = failure(() => parseReports(files, 'broken'));
    expect(error.failure).toBe('invalid_pbip');
    expect(error.message).toContain('R.Report/definition/pages/p1/page.json is not valid JSON');
  });

  it('refuses a folder that holds no project', () => {
    expect(failure(() => parsePbipProject(new Map(), 'empty')).failure).toBe('invalid_pbip');
  });
});

describe('project passages', () => {
  it('links pages to visuals, measures and DAX, and measures back to every page that uses them', async () => {
    const document = await loadFile(PROJECT, { uri: PROJECT });
    expect(document).toMatchObject({ title: 'Production Losses', docType: 'dashboard', format: 'pbip' });
    const section = (heading: string) =>
      document.sections.find((candidate) => candidate.headingPath[1] === heading);
    const overview = section('Page: Overview');
    expect(overview?.text).toContain(
      '- Variance to plan (kpi): Indicator: [Variance %]; TrendLine: Date[Date]',
    );
    expect(overview?.text).toContain(
      'Measures behind these visuals: Actual Volume, Planned Volume, Variance %.',
    );
    expect(overview?.text).toContain('```dax\nVariance % =\nVAR planned = [Planned Volume]');
    expect(section('Page: Variación por sitio')?.text).toContain('DIVIDE(actual - planned, planned)');
    const variance = section('Measure: Variance %');
    expect(variance?.text).toContain(
      'Used on report pages: Overview (Variance to plan, kpi), Variación por sitio (Variación por sitio y activo, pivotTable).',
    );
    expect(variance?.text).toContain('Built from the measures Planned Volume, Actual Volume.');
    expect(variance?.text).toContain('Display folder: KPIs\\Variance. Format: +0.0%;-0.0%;0.0%.');
    expect(section('Measure: Planned Volume')?.text).toContain('Volumen planificado para el día');
    expect(section('Measure: Unplanned Loss %')?.text).toContain('Not used directly on any report page.');
    expect(section('Page: Event detail')?.text).toContain('hidden page');
    expect(section('Table: Downtime')?.text).toContain('- Cause Category (string): planned or unplanned');
    expect(section('Table: Downtime')?.text).not.toContain('Lost Volume Estimate (m3)');
  });

  it('reads the zipped project, wrapped in a folder or not, into the same document as the folder', async () => {
    const fromFolder = await loadFile(PROJECT, { uri: 'p' });
    for (const prefix of ['', 'production-losses/']) {
      const zip = zipSync({
        ...folderEntries(PROJECT, prefix),
        [`${prefix}notes/readme.md`]: strToU8('# x'),
      });
      const fromZip = await loadDocument({ uri: 'p', path: 'uploads/p.zip', content: zip });
      expect(documentHash(fromZip)).toBe(documentHash(fromFolder));
    }
  });

  it('refuses archives that escape their root or exceed the limits', () => {
    const escaping = zipSync({ '../evil.pbip': strToU8('{}') });
    expect(failure(() => readProjectZip(escaping, 'evil')).failure).toBe('invalid_pbip');
    const many = zipSync(
      Object.fromEntries(
        Array.from({ length: 5 }, (_, index) => [
          `M.SemanticModel/definition/tables/T${index}.tmdl`,
          strToU8('table T'),
        ]),
      ),
    );
    const limits = { maxFiles: 4, maxFileBytes: 1_000, maxTotalBytes: 10_000 };
    expect(failure(() => readProjectZip(many, 'many', limits)).message).toMatch(/more than 4 files/);
    const big = zipSync({ 'M.SemanticModel/definition/model.tmdl': new Uint8Array(2_000) });
    expect(failure(() => readProjectZip(big, 'big', limits)).failure).toBe('too_large');
    expect(failure(() => readProjectZip(strToU8('PK\u0003\u0004junk'), 'junk')).failure).toBe('malformed');
  });
});

describe('walking folders with projects', () => {
  it('lists a project folder once, next to the other documents in it', async () => {
    const root = tempDir('datalive-pbip-walk-');
    const project = path.join(root, 'reports', 'losses');
    mkdirSync(path.join(project, 'Losses.SemanticModel', 'definition'), { recursive: true });
    writeFileSync(path.join(project, 'Losses.SemanticModel', 'definition', 'model.tmdl'), 'model Model\n');
    writeFileSync(path.join(project, 'Losses.pbip'), '{}');
    writeFileSync(path.join(project, 'README.md'), '# Losses report\n');
    writeFileSync(path.join(root, 'runbook.md'), '# Runbook\n');
    expect(await walkSources([root])).toEqual([
      path.join(root, 'reports', 'losses'),
      path.join(root, 'reports', 'losses', 'README.md'),
      path.join(root, 'runbook.md'),
    ]);
    expect(await walkSources([path.join(project, 'Losses.pbip')])).toEqual([project]);
    writeFileSync(path.join(root, 'losses.zip'), zipSync({ 'Losses.pbip': strToU8('{}') }));
    expect(await walkSources([path.join(root, 'losses.zip')])).toEqual([path.join(root, 'losses.zip')]);
    expect(await walkSources([root])).not.toContain(path.join(root, 'losses.zip'));
  });
});
