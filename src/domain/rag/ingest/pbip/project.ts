import { IngestError } from '../errors.js';
import { blocksText } from '../section-builder.js';
import type { Block, BlockKind, LineSpan, Section } from '../types.js';
import type { ProjectFiles } from './files.js';
import {
  parseReports,
  type ReportDefinition,
  type ReportPage,
  type ReportVisual,
  type VisualField,
} from './pbir.js';
import { parseTmdl, type TmdlMeasure, type TmdlTable } from './tmdl.js';

/** A semantic model of the project: its folder, display name and tables. */
interface SemanticModel {
  folder: string;
  name: string;
  tables: TmdlTable[];
}

/** A Power BI Project read into sections: overview, one per page, one per measure, one per table. */
export interface ParsedProject {
  title: string;
  sections: Section[];
  reports: ReportDefinition[];
  measures: TmdlMeasure[];
}

const byCodePoint = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

function parseModels(files: ProjectFiles, uri: string): SemanticModel[] {
  const folders = new Map<string, string[]>();
  for (const file of [...files.keys()].sort(byCodePoint)) {
    const match = /^([^/]+\.SemanticModel)\/definition\/.+\.tmdl$/.exec(file);
    if (match) folders.set(match[1] as string, [...(folders.get(match[1] as string) ?? []), file]);
  }
  return [...folders.entries()].map(([folder, tmdlFiles]) => {
    let name = folder.replace(/\.SemanticModel$/, '');
    const platform = files.get(`${folder}/.platform`);
    if (platform) {
      try {
        const displayName = (JSON.parse(platform) as { metadata?: { displayName?: unknown } }).metadata
          ?.displayName;
        if (typeof displayName === 'string' && displayName.trim()) name = displayName.trim();
      } catch (error) {
        throw new IngestError(uri, 'invalid_pbip', `${folder}/.platform is not valid JSON`, { cause: error });
      }
    }
    const tables = tmdlFiles.flatMap((file) => parseTmdl(files.get(file) ?? '', file));
    return { folder, name, tables };
  });
}

const isAutomaticTable = (table: TmdlTable): boolean =>
  table.isPrivate || /^(LocalDateTable|DateTableTemplate)_/.test(table.name);

/** How a field reads in a passage: `[Measure]`, `Table[Column]`, `Sum of Table[Column]`. */
function fieldLabel(field: VisualField): string {
  const base = field.kind === 'measure' ? `[${field.property}]` : `${field.entity}[${field.property}]`;
  const aggregated = field.aggregation ? `${field.aggregation} of ${base}` : base;
  return field.displayName && field.displayName !== field.property
    ? `${aggregated} shown as "${field.displayName}"`
    : aggregated;
}

function visualLabel(visual: ReportVisual): string {
  return visual.title ?? `untitled ${visual.visualType}`;
}

function visualLine(visual: ReportVisual): string {
  const roles = new Map<string, string[]>();
  for (const field of visual.fields)
    roles.set(field.role, [...(roles.get(field.role) ?? []), fieldLabel(field)]);
  const details = [...roles.entries()].map(([role, labels]) => `${role}: ${labels.join(', ')}`);
  return `- ${visualLabel(visual)} (${visual.visualType})${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
}

/** Numbers consecutive lines from 1 and wraps them in blocks; empty blocks are dropped. */
class PassageWriter {
  private readonly blocks: Block[] = [];
  private line = 0;

  add(kind: BlockKind, texts: readonly (string | undefined)[]): void {
    const lines = texts
      .filter((text): text is string => typeof text === 'string' && text.trim() !== '')
      .flatMap((text) => text.split('\n'))
      .map((text) => ({ text: text.replace(/\s+$/, ''), line: ++this.line }));
    if (lines.length > 0) this.blocks.push({ kind, lines });
  }

  dax(name: string, expression: string): void {
    this.add('code', ['```dax', `${name} =`, expression || '(no expression)', '```']);
  }

  section(headingPath: string[], span: LineSpan): Section {
    return {
      headingPath,
      level: headingPath.length,
      span,
      blocks: this.blocks,
      text: blocksText(this.blocks),
    };
  }
}

const fileSpan = (file: string, endLine: number): LineSpan => ({
  file,
  startLine: 1,
  endLine: Math.max(1, endLine),
});
const lineCount = (files: ProjectFiles, file: string): number =>
  (files.get(file) ?? '').replace(/\n$/, '').split('\n').length;

class MeasureIndex {
  private readonly byKey = new Map<string, TmdlMeasure>();
  private readonly byName = new Map<string, TmdlMeasure[]>();

  constructor(measures: readonly TmdlMeasure[]) {
    for (const measure of measures) {
      this.byKey.set(`${measure.table}\u0000${measure.name}`, measure);
      this.byName.set(measure.name, [...(this.byName.get(measure.name) ?? []), measure]);
    }
  }

  /** The measure a visual field refers to: by table and name, else by a name unique in the model. */
  find(entity: string, name: string): TmdlMeasure | undefined {
    const exact = this.byKey.get(`${entity}\u0000${name}`);
    if (exact) return exact;
    const named = this.byName.get(name);
    return named?.length === 1 ? named[0] : undefined;
  }

  /** Measures named as `[Name]` in a DAX expression (other than itself). */
  referencedBy(measure: TmdlMeasure): TmdlMeasure[] {
    const names = new Set(
      [...measure.expression.matchAll(/(?<![\w'\]])\[([^\]]+)\]/g)].map((match) => match[1]),
    );
    return [...names]
      .map((name) => this.byName.get(name as string)?.[0])
      .filter((found): found is TmdlMeasure => found !== undefined && found !== measure);
  }
}

interface PageUse {
  report: ReportDefinition;
  page: ReportPage;
  visuals: ReportVisual[];
}

function pageSection(
  report: ReportDefinition,
  page: ReportPage,
  measures: MeasureIndex,
  uses: Map<TmdlMeasure, PageUse[]>,
): Section {
  const writer = new PassageWriter();
  const textBoxes = page.visuals.filter((visual) => visual.text).map((visual) => visual.text);
  const shown = page.visuals.filter((visual) => visual.visualType !== 'textbox');
  writer.add('paragraph', [
    `Report page "${page.displayName}" of the ${report.name} report${page.hidden ? ' (hidden page, reached by drill-through or tooltip)' : ''}.`,
    ...textBoxes,
  ]);
  writer.add('paragraph', [`Visuals on this page:`, ...shown.map(visualLine)]);
  const used: TmdlMeasure[] = [];
  const unresolved = new Set<string>();
  for (const visual of shown) {
    for (const field of visual.fields.filter((candidate) => candidate.kind === 'measure')) {
      const measure = measures.find(field.entity, field.property);
      if (!measure) {
        unresolved.add(field.property);
        continue;
      }
      if (!used.includes(measure)) used.push(measure);
      const pageUses = uses.get(measure) ?? [];
      let use = pageUses.find((candidate) => candidate.page === page && candidate.report === report);
      if (!use) {
        use = { report, page, visuals: [] };
        pageUses.push(use);
        uses.set(measure, pageUses);
      }
      if (!use.visuals.includes(visual)) use.visuals.push(visual);
    }
  }
  if (used.length + unresolved.size > 0) {
    writer.add('paragraph', [
      `Measures behind these visuals: ${[...used.map((m) => m.name), ...unresolved].join(', ')}.`,
    ]);
  }
  for (const measure of used) {
    writer.add('paragraph', [
      `${measure.name} (table ${measure.table})${measure.description ? `: ${measure.description}` : ''}`,
    ]);
    writer.dax(measure.name, measure.expression);
  }
  return writer.section([report.name, `Page: ${page.displayName}`], fileSpan(page.file, page.lineCount));
}

function measureSection(
  modelName: string,
  measure: TmdlMeasure,
  measures: MeasureIndex,
  uses: readonly PageUse[],
  usedBy: readonly TmdlMeasure[],
): Section {
  const writer = new PassageWriter();
  const facts = [
    `Table: ${measure.table}.`,
    measure.displayFolder ? `Display folder: ${measure.displayFolder}.` : undefined,
    measure.formatString ? `Format: ${measure.formatString}.` : undefined,
    measure.isHidden ? 'Hidden from report authors.' : undefined,
  ].filter(Boolean);
  const pages =
    uses.length > 0
      ? `Used on report pages: ${uses
          .map(
            (use) =>
              `${use.page.displayName} (${use.visuals.map((visual) => `${visualLabel(visual)}, ${visual.visualType}`).join('; ')})`,
          )
          .join(', ')}.`
      : 'Not used directly on any report page.';
  const references = measures.referencedBy(measure);
  writer.add('paragraph', [
    `Measure ${measure.name} of the ${modelName} semantic model.`,
    measure.description,
    facts.join(' '),
    pages,
    references.length > 0
      ? `Built from the measures ${references.map((m) => m.name).join(', ')}.`
      : undefined,
    usedBy.length > 0 ? `Used by the measures ${usedBy.map((m) => m.name).join(', ')}.` : undefined,
  ]);
  writer.dax(measure.name, measure.expression);
  return writer.section([modelName, `Measure: ${measure.name}`], measure.span);
}

function tableSection(modelName: string, table: TmdlTable): Section | undefined {
  const columns = table.columns.filter((column) => !column.isHidden);
  if (!table.description && columns.length === 0) return undefined;
  const writer = new PassageWriter();
  writer.add('paragraph', [`Table ${table.name} of the ${modelName} semantic model.`, table.description]);
  writer.add('paragraph', [
    columns.length > 0 ? 'Columns:' : undefined,
    ...columns.map((column) => {
      const type = column.dataType ? ` (${column.dataType})` : '';
      const calculated = column.expression ? ` = ${column.expression.replace(/\s+/g, ' ')}` : '';
      return `- ${column.name}${type}${calculated}${column.description ? `: ${column.description}` : ''}`;
    }),
    table.measures.length > 0
      ? `Measures: ${table.measures.map((measure) => measure.name).join(', ')}.`
      : undefined,
  ]);
  return writer.section([modelName, `Table: ${table.name}`], table.span);
}

function overviewSection(
  title: string,
  reports: readonly ReportDefinition[],
  models: readonly SemanticModel[],
  files: ProjectFiles,
): Section {
  const writer = new PassageWriter();
  const lines: string[] = [`Power BI project ${title}.`];
  for (const report of reports) {
    const visible = report.pages.filter((page) => !page.hidden).map((page) => page.displayName);
    const hidden = report.pages.filter((page) => page.hidden).map((page) => page.displayName);
    lines.push(
      `Report ${report.name}, pages: ${visible.join(', ') || 'none'}${hidden.length > 0 ? ` (hidden: ${hidden.join(', ')})` : ''}.`,
    );
  }
  for (const model of models) {
    const tables = model.tables.filter((table) => !isAutomaticTable(table));
    const measures = tables.flatMap((table) => table.measures.map((measure) => measure.name));
    lines.push(
      `Semantic model ${model.name}, tables: ${tables.map((table) => table.name).join(', ') || 'none'}.`,
    );
    if (measures.length > 0) lines.push(`Measures: ${measures.join(', ')}.`);
  }
  writer.add('paragraph', lines);
  const file =
    [...files.keys()].find((name) => name.endsWith('.pbip')) ?? reports[0]?.file ?? models[0]?.folder ?? '';
  return writer.section([title], fileSpan(file, files.has(file) ? lineCount(files, file) : 1));
}

/**
 * Turns a Power BI Project (PBIR report + TMDL semantic model) into sections: an overview; one passage per
 * report page naming its visuals, the fields they show and the measures behind them with their DAX; one
 * passage per measure with its description, table, display folder, format, DAX, the measures it is built
 * from and the pages and visuals that use it; one per table with its visible columns. Page passages cite
 * their `page.json`, measure and table passages their lines in the `.tmdl` file.
 */
export function parsePbipProject(files: ProjectFiles, uri: string): ParsedProject {
  const reports = parseReports(files, uri);
  const models = parseModels(files, uri);
  if (reports.length === 0 && models.length === 0) {
    throw new IngestError(
      uri,
      'invalid_pbip',
      'no Power BI Project found: expected a *.Report folder with definition/ (PBIR) or a *.SemanticModel folder with definition/*.tmdl',
    );
  }
  const pbip = [...files.keys()].find((name) => name.endsWith('.pbip'));
  const title =
    pbip?.replace(/\.pbip$/, '') ?? reports[0]?.name ?? models[0]?.name ?? uri.split('/').at(-1) ?? uri;
  const sections: Section[] = [overviewSection(title, reports, models, files)];
  const uses = new Map<TmdlMeasure, PageUse[]>();
  for (const report of reports) {
    const model =
      models.find((candidate) => candidate.folder === report.semanticModelFolder) ??
      (report.semanticModelFolder === undefined && models.length === 1 ? models[0] : undefined);
    const index = new MeasureIndex(model?.tables.flatMap((table) => table.measures) ?? []);
    for (const page of report.pages) sections.push(pageSection(report, page, index, uses));
  }
  const allMeasures: TmdlMeasure[] = [];
  for (const model of models) {
    const measures = model.tables.flatMap((table) => table.measures);
    const index = new MeasureIndex(measures);
    for (const measure of measures) {
      const usedBy = measures.filter((other) => index.referencedBy(other).includes(measure));
      sections.push(measureSection(model.name, measure, index, uses.get(measure) ?? [], usedBy));
    }
    for (const table of model.tables.filter((candidate) => !isAutomaticTable(candidate))) {
      const section = tableSection(model.name, table);
      if (section) sections.push(section);
    }
    allMeasures.push(...measures);
  }
  return { title, sections, reports, measures: allMeasures };
}
