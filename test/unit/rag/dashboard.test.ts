import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  chunkDocument,
  IngestError,
  isPageSpan,
  loadDocument,
  loadFile,
} from '../../../src/domain/rag/ingest/index.js';

const VALID = 'test/fixtures/rag/dashboard-valid.yaml';
const validYaml = readFileSync(VALID, 'utf8');

async function dashboardError(content: string, path = 'dashboards/broken.yaml'): Promise<IngestError> {
  try {
    await loadDocument({ path, content });
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

describe('dashboard descriptions', () => {
  it('loads a valid YAML description into an overview, one section per page and one per measure', async () => {
    const document = await loadFile(VALID);
    expect(document).toMatchObject({
      title: 'Compressor Availability',
      docType: 'dashboard',
      format: 'dashboard',
      sites: ['SITE-B'],
      assets: ['CMP-B1', 'CMP-B2'],
      tags: ['availability', 'compressor'],
    });
    expect(document.sections.map((section) => section.headingPath)).toEqual([
      ['Compressor Availability'],
      ['Compressor Availability', 'Page: Overview'],
      ['Compressor Availability', 'Page: Trips'],
      ['Compressor Availability', 'Measure: Availability %'],
      ['Compressor Availability', 'Measure: Deferred Volume'],
    ]);
    const overview = document.sections[1]!;
    expect(overview.text).toContain('- Availability by compressor (clusteredBarChart): Uptime hours divided');
    expect(overview.text).toContain('Measures: Availability %.');
    expect(overview.text).toContain('- Date (slicer)');
    const measure = document.sections[3]!;
    expect(measure.blocks.map((block) => block.kind)).toEqual(['paragraph', 'code']);
    expect(measure.text).toContain('```dax\nDIVIDE(\n  SUM(production_daily[uptime_hours]),');
    expect(measure.text).toContain('Format: 0.0%');
  });

  it('gives sections and chunks spans inside the YAML entries they describe', async () => {
    const document = await loadFile(VALID);
    const lines = validYaml.split('\n');
    const measureSpan = document.sections[3]!.span;
    if (isPageSpan(measureSpan)) throw new Error('expected a line span');
    expect(lines[measureSpan.startLine - 1]).toBe('  - name: Availability %');
    expect(lines[measureSpan.endLine - 1]).toBe('    format: "0.0%"');
    const daxLine = document.sections[3]!.blocks[1]!.lines.find((line) => line.text.startsWith('DIVIDE('));
    expect(lines[daxLine!.line - 1]).toBe('      DIVIDE(');
    const trips = chunkDocument(document).find((chunk) => chunk.headingPath.at(-1) === 'Page: Trips')!;
    if (isPageSpan(trips.span)) throw new Error('expected a line span');
    expect(lines.slice(trips.span.startLine - 1, trips.span.endLine).join('\n')).toContain(
      'Deferred volume by cause',
    );
    expect(trips.embeddingText.startsWith('Compressor Availability > Page: Trips\n\n')).toBe(true);
  });

  it('loads the same description written as JSON', async () => {
    const json = JSON.stringify(parseYaml(validYaml), null, 2);
    const document = await loadDocument({ path: 'dashboards/compressors.json', content: json });
    expect(document.sections).toHaveLength(5);
    expect(document.sections[4]!.text).toContain('SUM(downtime_events[lost_volume_estimate])');
  });

  it('names the file and the field of a missing required value, with its line', async () => {
    const broken = validYaml.replace('    dax: SUM(downtime_events[lost_volume_estimate])\n', '');
    const error = await dashboardError(broken);
    expect(error.failure).toBe('invalid_dashboard');
    expect(error.file).toBe('dashboards/broken.yaml');
    expect(error.message).toMatch(
      /^dashboards\/broken\.yaml: invalid dashboard description: field "measures\[1\]\.dax" \(line \d+\)/,
    );
  });

  it('rejects unknown keys, unknown measures and pages without visuals', async () => {
    const typo = await dashboardError(
      validYaml.replace('    visuals:\n      - title: Deferred', '    visual:\n      - title: Deferred'),
    );
    expect(typo.message).toContain('field "pages[1].visual"');
    const unknownMeasure = await dashboardError(
      validYaml.replace('measures: [Deferred Volume]', 'measures: [Lost Volume]'),
    );
    expect(unknownMeasure.message).toContain('field "pages[1].visuals[0].measures[0]"');
    expect(unknownMeasure.message).toContain('unknown measure "Lost Volume"');
    const noPages = await dashboardError('report: Empty\ndescription: nothing\npages: []\nmeasures: []\n');
    expect(noPages.message).toContain('field "pages"');
  });

  it('reports YAML syntax errors and non-mapping documents', async () => {
    const syntax = await dashboardError('report: [unclosed\npages:\n');
    expect(syntax.failure).toBe('malformed');
    expect(syntax.message).toMatch(
      /^dashboards\/broken\.yaml: dashboard description is not valid YAML\/JSON/,
    );
    const list = await dashboardError('- report: a\n');
    expect(list.message).toContain('must be a mapping');
    const json = await dashboardError('{"report": "x", "report": "y"}', 'dash.json');
    expect(json.message).toMatch(/^dash\.json: dashboard description is not valid YAML\/JSON/);
  });
});
