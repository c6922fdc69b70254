import { type Document, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { IngestError } from './errors.js';
import { formatPath } from './metadata.js';
import { blocksText } from './section-builder.js';
import type { Block, LineSpan, Section, SourceLine } from './types.js';

const name = z.string().trim().min(1);

/** A DAX measure of the report's model. */
export const DashboardMeasureSchema = z.strictObject({
  name,
  dax: name,
  description: z.string().optional(),
  format: z.string().optional(),
});

/** A visual on a report page; `measures` names measures of the report. */
export const DashboardVisualSchema = z.strictObject({
  title: name,
  type: name,
  description: z.string().optional(),
  measures: z.array(name).default([]),
});

/** A report page and its visuals. */
export const DashboardPageSchema = z.strictObject({
  name,
  description: z.string().optional(),
  visuals: z.array(DashboardVisualSchema).min(1),
});

/**
 * A dashboard (Power BI report) description, as YAML or JSON; see `docs/dashboard-format.md`. Unknown keys
 * are rejected so that typos are reported instead of silently dropped.
 */
export const DashboardDescriptionSchema = z
  .strictObject({
    report: name,
    description: name,
    doc_type: z.literal('dashboard').optional(),
    language: z.string().min(2).optional(),
    pages: z.array(DashboardPageSchema).min(1),
    measures: z.array(DashboardMeasureSchema),
    sites: z.array(name).default([]),
    assets: z.array(name).default([]),
    tags: z.array(name).default([]),
  })
  .superRefine((dashboard, context) => {
    const known = new Set(dashboard.measures.map((measure) => measure.name));
    dashboard.pages.forEach((page, pageIndex) => {
      page.visuals.forEach((visual, visualIndex) => {
        visual.measures.forEach((measure, measureIndex) => {
          if (known.has(measure)) return;
          context.addIssue({
            code: 'custom',
            path: ['pages', pageIndex, 'visuals', visualIndex, 'measures', measureIndex],
            message: `unknown measure "${measure}" (not listed under measures)`,
          });
        });
      });
    });
  });

/** A validated dashboard description. */
export type DashboardDescription = z.infer<typeof DashboardDescriptionSchema>;

/** Result of parsing a dashboard description. */
export interface ParsedDashboard {
  dashboard: DashboardDescription;
  sections: Section[];
}

class YamlLocator {
  constructor(
    private readonly document: Document,
    private readonly counter: LineCounter,
  ) {}

  /** Line span of the node at a path, or of its nearest existing ancestor. */
  span(path: readonly PropertyKey[]): LineSpan {
    for (let length = path.length; length >= 0; length--) {
      const node: unknown = this.document.getIn(path.slice(0, length) as (string | number)[], true);
      if (isNode(node) && node.range) {
        const [start, valueEnd] = node.range;
        return {
          startLine: this.counter.linePos(start).line,
          endLine: this.counter.linePos(Math.max(start, valueEnd - 1)).line,
        };
      }
    }
    return { startLine: 1, endLine: 1 };
  }

  /** Source lines of a scalar's text, numbered from where the scalar's content starts. */
  lines(path: readonly (string | number)[], text: string, prefix = ''): SourceLine[] {
    const span = this.span(path);
    const node: unknown = this.document.getIn(path, true);
    const blockScalar = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
    const first = span.startLine + (blockScalar ? 1 : 0);
    return text
      .split('\n')
      .map((line, index) => ({ text: line.replace(/\s+$/, ''), line: Math.min(first + index, span.endLine) }))
      .filter((line) => line.text.trim() !== '')
      .map((line, index) => (index === 0 && prefix ? { ...line, text: `${prefix}${line.text}` } : line));
  }
}

function section(headingPath: string[], level: number, span: LineSpan, blocks: Block[]): Section {
  const nonEmpty = blocks.filter((block) => block.lines.length > 0);
  return { headingPath, level, span, blocks: nonEmpty, text: blocksText(nonEmpty) };
}

function buildSections(dashboard: DashboardDescription, locate: YamlLocator): Section[] {
  const report = dashboard.report;
  const sections: Section[] = [];
  const overview: SourceLine[] = [
    ...locate.lines(['report'], report, 'Report: '),
    ...locate.lines(['description'], dashboard.description),
    ...locate.lines(['pages'], dashboard.pages.map((page) => page.name).join(', '), 'Pages: '),
  ];
  if (dashboard.sites.length > 0)
    overview.push(...locate.lines(['sites'], dashboard.sites.join(', '), 'Sites: '));
  if (dashboard.assets.length > 0) {
    overview.push(...locate.lines(['assets'], dashboard.assets.join(', '), 'Assets: '));
  }
  overview.sort((a, b) => a.line - b.line);
  const overviewSpan = {
    startLine: overview[0]?.line ?? 1,
    endLine: overview[overview.length - 1]?.line ?? 1,
  };
  sections.push(section([report], 1, overviewSpan, [{ kind: 'paragraph', lines: overview }]));

  dashboard.pages.forEach((page, pageIndex) => {
    const path = ['pages', pageIndex];
    const visuals: SourceLine[] = page.visuals.map((visual, visualIndex) => {
      const details = [
        visual.description?.trim().replace(/\s+/g, ' '),
        visual.measures.length > 0 ? `Measures: ${visual.measures.join(', ')}.` : undefined,
      ].filter(Boolean);
      return {
        line: locate.span([...path, 'visuals', visualIndex]).startLine,
        text: `- ${visual.title} (${visual.type})${details.length > 0 ? `: ${details.join(' ')}` : ''}`,
      };
    });
    const description = page.description ? locate.lines([...path, 'description'], page.description) : [];
    sections.push(
      section([report, `Page: ${page.name}`], 2, locate.span(path), [
        { kind: 'paragraph', lines: description },
        { kind: 'paragraph', lines: visuals },
      ]),
    );
  });

  dashboard.measures.forEach((measure, measureIndex) => {
    const path = ['measures', measureIndex];
    const daxSpan = locate.span([...path, 'dax']);
    const prose: SourceLine[] = [
      ...(measure.description ? locate.lines([...path, 'description'], measure.description) : []),
      ...(measure.format ? locate.lines([...path, 'format'], measure.format, 'Format: ') : []),
    ];
    const code: SourceLine[] = [
      { text: '```dax', line: daxSpan.startLine },
      ...locate.lines([...path, 'dax'], measure.dax),
      { text: '```', line: daxSpan.endLine },
    ];
    sections.push(
      section([report, `Measure: ${measure.name}`], 2, locate.span(path), [
        { kind: 'paragraph', lines: prose },
        { kind: 'code', lines: code },
      ]),
    );
  });
  return sections;
}

/**
 * Parses and validates a dashboard description (YAML or JSON) into an overview section, one section per
 * page (its visuals and their measures) and one per measure (with its DAX). Spans are lines of the source.
 */
export function parseDashboard(source: string, file: string): ParsedDashboard {
  const counter = new LineCounter();
  const document = parseDocument(source, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    const where = yamlError.linePos?.[0] ? ` at line ${yamlError.linePos[0].line}` : '';
    const detail = yamlError.message.split('\n')[0];
    throw new IngestError(
      file,
      'malformed',
      `dashboard description is not valid YAML/JSON${where}: ${detail}`,
    );
  }
  const raw: unknown = document.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new IngestError(
      file,
      'invalid_dashboard',
      'dashboard description must be a mapping with report and pages',
    );
  }
  const parsed = DashboardDescriptionSchema.safeParse(raw);
  const locate = new YamlLocator(document, counter);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => {
      const path = [...issue.path];
      const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      if (unknownKey) path.push(unknownKey);
      return `field "${formatPath(path)}" (line ${locate.span(path).startLine}): ${issue.message}`;
    });
    throw new IngestError(file, 'invalid_dashboard', `invalid dashboard description: ${problems.join('; ')}`);
  }
  return { dashboard: parsed.data, sections: buildSections(parsed.data, locate) };
}
