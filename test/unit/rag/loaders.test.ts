import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  IngestError,
  isPageSpan,
  type LineSpan,
  type LoadedDocument,
  loadDocument,
  loadFile,
  type Section,
  type SourceSpan,
} from '../../../src/domain/rag/ingest/index.js';
import { buildPdf } from '../../fixtures/rag/minimal-pdf.js';

const RUNBOOKS = '../shared/data/runbooks';
const GITALY = `${RUNBOOKS}/gitlab-com-runbooks/docs/gitaly/gitaly-down.md`;
const CRASH_LOOPING = `${RUNBOOKS}/prometheus-operator-runbooks/content/runbooks/kubernetes/KubePodCrashLooping.md`;
const ECFR_821 =
  `${RUNBOOKS}/ecfr-30cfr250-subpartH/subjectgroup-ECFRe76287e3bd92f4c-Surface-Subsurface-Safety-Systems-Dry-Trees/` +
  'section-250.821.md';
const ETCD_NO_LEADER = `${RUNBOOKS}/openshift-runbooks/alerts/cluster-etcd-operator/etcdNoLeader.md`;

function sourceLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

function section(document: LoadedDocument, ...headingPath: string[]): Section {
  const found = document.sections.find(
    (candidate) => candidate.headingPath.join('\n') === headingPath.join('\n'),
  );
  if (!found) throw new Error(`no section ${headingPath.join(' > ')} in ${document.uri}`);
  return found;
}

function lineSpan(span: SourceSpan): LineSpan {
  if (isPageSpan(span)) throw new Error('expected a line span');
  return span;
}

async function ingestError(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

describe('Markdown loader on the runbooks corpus', () => {
  it('reads a GitLab runbook: title from the first heading, nested heading paths, code comments not headings', async () => {
    const document = await loadFile(GITALY);
    expect(document).toMatchObject({
      uri: GITALY,
      title: 'Gitaly is down',
      format: 'markdown',
      docType: 'runbook',
      language: 'en',
    });
    const rebooted = section(
      document,
      'Gitaly is down',
      '1. Ensure that the file server is running',
      'If the server rebooted',
    );
    expect(rebooted.level).toBe(3);
    const lines = sourceLines(GITALY);
    expect(lines[lineSpan(rebooted.span).startLine - 1]).toBe('### If the server rebooted');
    const code = rebooted.blocks.find((block) => block.kind === 'code');
    expect(code?.lines.some((line) => line.text.includes('# in a screen session'))).toBe(true);
    expect(
      document.sections.some((candidate) => candidate.headingPath.at(-1)?.startsWith('in a screen')),
    ).toBe(false);
    for (const candidate of document.sections) {
      for (const block of candidate.blocks) {
        for (const line of block.lines) expect(lines[line.line - 1]?.trimEnd()).toBe(line.text);
      }
    }
  });

  it('reads Hugo front matter (title) and keeps line numbers of the original file', async () => {
    const document = await loadFile(CRASH_LOOPING);
    expect(document.title).toBe('Kube Pod Crash Looping');
    const meaning = section(document, 'KubePodCrashLooping', 'Meaning');
    expect(lineSpan(meaning.span).startLine).toBe(8);
    expect(sourceLines(CRASH_LOOPING)[7]).toBe('## Meaning');
    expect(meaning.text).toContain('Pod is in CrashLoop');
    expect(document.sections.map((candidate) => candidate.headingPath.at(-1))).toEqual([
      'KubePodCrashLooping',
      'Meaning',
      'Impact',
      'Diagnosis',
      'Mitigation',
    ]);
  });

  it('reads an eCFR section with a closed heading (##### § 250.821 … #####)', async () => {
    const document = await loadFile(ECFR_821);
    const title = '§ 250.821 Emergency action and safety system shutdown - dry trees.';
    expect(document.title).toBe(title);
    expect(document.sections).toHaveLength(1);
    expect(document.sections[0]!.headingPath).toEqual([title]);
    expect(document.sections[0]!.text).toContain('Closure of the SSV must not exceed 45 seconds');
    expect(document.sections[0]!.span).toEqual({ startLine: 1, endLine: 13 });
  });

  it('reads an OpenShift runbook with the Meaning / Impact / Diagnosis / Mitigation template', async () => {
    const document = await loadFile(ETCD_NO_LEADER);
    expect(document.title).toBe('etcdNoLeader');
    expect(section(document, 'etcdNoLeader', 'Diagnosis', 'Slow disk issue').text).toContain('Disk Sync');
    expect(section(document, 'etcdNoLeader', 'Mitigation', 'Disaster and recovery').level).toBe(3);
  });

  it('takes metadata from YAML front matter and detects site and asset codes in the text', async () => {
    const content = [
      '---',
      'title: Transfer pump changeover',
      'doc_type: runbook',
      'tags: [pump, PMP-FAIL]',
      'sites: SITE-A',
      'language: en',
      'cause_codes: [PMP-FAIL]',
      'owner: ops',
      '---',
      '',
      'Switch from P-101A to P-101B when WELL-A01 flow drops. CMP-TRIP is a cause code, not an asset.',
      'The compressor CMP-B2 at SITE-B and separator SEP-A1 are not affected.',
    ].join('\n');
    const document = await loadDocument({ uri: 'mem://pump.md', content });
    expect(document).toMatchObject({
      title: 'Transfer pump changeover',
      docType: 'runbook',
      language: 'en',
      tags: ['PMP-FAIL', 'pump'],
      sites: ['SITE-A', 'SITE-B'],
      assets: ['CMP-B2', 'P-101A', 'P-101B', 'SEP-A1', 'WELL-A01'],
    });
    expect(lineSpan(document.sections[0]!.span).startLine).toBe(11);
  });

  it('falls back to the file name for the title and guesses Spanish', async () => {
    const document = await loadDocument({
      path: 'notes/corte-de-energia.md',
      content:
        'Después de un corte de energía, los pozos se abren uno por uno y se revisa la presión en la línea.',
    });
    expect(document.title).toBe('corte-de-energia');
    expect(document.language).toBe('es');
    expect(document.docType).toBe('document');
  });

  it('reads setext headings and ignores HTML comments', async () => {
    const content = [
      'Pump guide',
      '==========',
      '<!-- draft -->',
      'Intro text.',
      '',
      'Restart',
      '-------',
      'Steps.',
    ];
    const document = await loadDocument({ uri: 'guide.md', content: content.join('\n') });
    expect(document.title).toBe('Pump guide');
    expect(document.sections.map((candidate) => candidate.headingPath)).toEqual([
      ['Pump guide'],
      ['Pump guide', 'Restart'],
    ]);
    expect(document.sections[0]!.text).toBe('Intro text.');
    expect(document.sections[1]!.blocks[0]!.lines[0]).toEqual({ text: 'Steps.', line: 8 });
  });
});

describe('HTML, text and PDF loaders', () => {
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><title>Separator alarms</title>',
    '<meta name="keywords" content="separator, level">',
    '<style>.x { color: red }</style><script>var tracking = "ignore me";</script></head>',
    '<body><nav>Home | Runbooks</nav>',
    '<h1>Separator alarms</h1>',
    '<p>High liquid level on <b>SEP-A1</b> trips the inlet valve.</p>',
    '<h2>Checks</h2>',
    '<ul>',
    '  <li>Confirm the level transmitter reading.</li>',
    '  <li>Check the dump valve &amp; its actuator.</li>',
    '</ul>',
    '<pre><code>alarm ack SEP-A1',
    '  reset --level</code></pre>',
    '<table><tr><th>Alarm</th><th>Set point</th></tr>',
    '<tr><td>LAHH</td><td>85 %</td></tr></table>',
    '</body></html>',
  ].join('\n');

  it('parses HTML headings, lists, tables and code, without script, style or nav', async () => {
    const document = await loadDocument({ path: 'docs/separator.html', content: html });
    expect(document).toMatchObject({
      title: 'Separator alarms',
      format: 'html',
      language: 'en',
      tags: ['level', 'separator'],
      assets: ['SEP-A1'],
    });
    const allText = document.sections.map((candidate) => candidate.text).join('\n');
    expect(allText).not.toMatch(/tracking|color: red|Home \| Runbooks/);
    const checks = section(document, 'Separator alarms', 'Checks');
    expect(lineSpan(checks.span).startLine).toBe(8);
    expect(checks.blocks.map((block) => block.kind)).toEqual(['paragraph', 'code', 'table']);
    expect(checks.blocks[0]!.lines).toEqual([
      { text: '- Confirm the level transmitter reading.', line: 10 },
      { text: '- Check the dump valve & its actuator.', line: 11 },
    ]);
    expect(checks.blocks[1]!.lines.map((line) => line.text)).toEqual(['alarm ack SEP-A1', '  reset --level']);
    expect(checks.blocks[2]!.lines).toEqual([
      { text: '| Alarm | Set point |', line: 15 },
      { text: '| LAHH | 85 % |', line: 16 },
    ]);
    const intro = section(document, 'Separator alarms');
    expect(intro.blocks[0]!.lines).toEqual([
      { text: 'High liquid level on SEP-A1 trips the inlet valve.', line: 7 },
    ]);
  });

  it('reads plain text as paragraphs with line numbers', async () => {
    const document = await loadDocument({
      path: 'shift-notes.txt',
      content: Buffer.from('Shift handover\n\nWELL-C03 choked back to 40 %.\nWatch the water cut.\n'),
    });
    expect(document.format).toBe('text');
    expect(document.title).toBe('shift-notes');
    expect(document.assets).toEqual(['WELL-C03']);
    expect(document.sections[0]!.blocks.map((block) => block.lines.map((line) => line.line))).toEqual([
      [1],
      [3, 4],
    ]);
  });

  it('extracts PDF text per page with page spans and the PDF title', async () => {
    const pdf = buildPdf(
      [
        ['Pump P-101A trip procedure', 'Close the suction valve first.'],
        ['Restart checklist', 'Confirm the seal flush is running.'],
      ],
      'Pump manual',
    );
    const document = await loadDocument({ path: 'manuals/pump.pdf', content: Buffer.from(pdf) });
    expect(document).toMatchObject({ title: 'Pump manual', format: 'pdf', assets: ['P-101A'] });
    expect(document.sections.map((candidate) => candidate.span)).toEqual([{ page: 1 }, { page: 2 }]);
    expect(document.sections[1]!.text).toContain('Confirm the seal flush is running.');
  });

  it('lets the type override the document type, and pick the dashboard format only without an extension', async () => {
    const markdown = await loadDocument({
      path: 'dashboards/README.md',
      content: '# Reports\ntext',
      type: 'dashboard',
    });
    expect(markdown).toMatchObject({ format: 'markdown', docType: 'dashboard' });
    const yaml =
      'report: R\ndescription: d\npages:\n  - name: P\n    visuals:\n      - {title: T, type: card}\nmeasures: []\n';
    expect(await loadDocument({ uri: 'store://dash/42', content: yaml, type: 'dashboard' })).toMatchObject({
      format: 'dashboard',
      title: 'R',
    });
    const html = await loadDocument({
      uri: 'https://wiki/page',
      content: '<html><body><h1>Wiki</h1><p>x</p></body></html>',
    });
    expect(html).toMatchObject({ format: 'html', title: 'Wiki', docType: 'document' });
  });

  it('sniffs PDF bytes when the name has no extension', async () => {
    const document = await loadDocument({ uri: 'blob:123', content: buildPdf([['Only page']]) });
    expect(document.format).toBe('pdf');
    expect(document.title).toBe('blob:123');
  });
});

describe('malformed input raises IngestError naming the file', () => {
  it('rejects front matter with a wrongly typed field', async () => {
    const error = await ingestError(
      loadDocument({ path: 'bad-meta.md', content: '---\ntitle: ok\ntags: {a: 1}\n---\n# Body\ntext' }),
    );
    expect(error.failure).toBe('invalid_metadata');
    expect(error.file).toBe('bad-meta.md');
    expect(error.message).toMatch(/^bad-meta\.md: front matter field "tags"/);
  });

  it('rejects front matter that is never closed or not YAML', async () => {
    expect(
      (await ingestError(loadDocument({ path: 'a.md', content: '---\ntitle: x\n# Body' }))).failure,
    ).toBe('malformed');
    const notYaml = await ingestError(loadDocument({ path: 'b.md', content: '---\ntitle: [x\n---\nbody' }));
    expect(notYaml.failure).toBe('invalid_metadata');
    expect(notYaml.message).toContain('b.md: front matter is not valid YAML');
  });

  it('rejects binary, non-UTF-8, empty and unsupported inputs', async () => {
    const binary = await ingestError(
      loadDocument({ path: 'x.md', content: Buffer.from([0x23, 0x00, 0x41]) }),
    );
    expect(binary.message).toContain('binary content');
    const latin1 = await ingestError(
      loadDocument({ path: 'x.txt', content: Buffer.from([0x63, 0x61, 0xf1, 0x6f]) }),
    );
    expect(latin1.message).toBe('x.txt: text is not valid UTF-8');
    const empty = await ingestError(loadDocument({ path: 'empty.md', content: '---\ntitle: t\n---\n\n' }));
    expect(empty.failure).toBe('empty');
    const docx = await ingestError(loadDocument({ path: 'report.docx', content: 'PK' }));
    expect(docx.failure).toBe('unsupported_format');
    const missing = await ingestError(loadFile('test/fixtures/rag/does-not-exist.md'));
    expect(missing.failure).toBe('unreadable');
  });

  it('rejects a corrupt PDF', async () => {
    const error = await ingestError(
      loadDocument({ path: 'broken.pdf', content: Buffer.from('%PDF-1.4\nnot really a pdf') }),
    );
    expect(error.failure).toBe('malformed');
    expect(error.message).toMatch(/^broken\.pdf: cannot read PDF/);
  });
});
