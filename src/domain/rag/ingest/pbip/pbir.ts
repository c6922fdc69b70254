import path from 'node:path';
import { IngestError } from '../errors.js';
import type { ProjectFiles } from './files.js';

/** A field a visual puts in one of its roles (axis, values, rows…), as PBIR's semantic query names it. */
export interface VisualField {
  /** The visual role (`Category`, `Y`, `Values`, `Rows`…). */
  role: string;
  kind: 'measure' | 'column' | 'aggregation' | 'hierarchy';
  /** Table (PBIR `Entity`). */
  entity: string;
  /** Measure, column or hierarchy level name (PBIR `Property`). */
  property: string;
  /** How the field shows in the visual, when renamed there. */
  displayName?: string;
  /** Aggregation of an aggregated column (`Sum`, `Average`…). */
  aggregation?: string;
}

/** A visual of a report page. */
export interface ReportVisual {
  name: string;
  visualType: string;
  title?: string;
  /** Text of a text box. */
  text?: string;
  fields: VisualField[];
}

/** A page of a PBIR report; visuals in reading order (top to bottom, then left to right). */
export interface ReportPage {
  name: string;
  displayName: string;
  hidden: boolean;
  /** Project-relative path of `page.json`, and its line count. */
  file: string;
  lineCount: number;
  visuals: ReportVisual[];
}

/** A report in PBIR format and the semantic model folder it is bound to (when bound by path). */
export interface ReportDefinition {
  /** Project-relative folder, e.g. `Sales.Report`. */
  folder: string;
  name: string;
  pages: ReportPage[];
  /** Project-relative `*.SemanticModel` folder of `datasetReference.byPath`; undefined for live connections. */
  semanticModelFolder?: string;
  /** Project-relative path of the file that names the report (`.pbip` or `definition.pbir`). */
  file: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, key: string): Json | undefined =>
  isObject(value) && isObject(value[key]) ? (value[key] as Json) : undefined;
const stringAt = (value: unknown, key: string): string | undefined =>
  isObject(value) && typeof value[key] === 'string' ? (value[key] as string) : undefined;
const arrayAt = (value: unknown, key: string): unknown[] =>
  isObject(value) && Array.isArray(value[key]) ? (value[key] as unknown[]) : [];

const AGGREGATIONS = [
  'Sum',
  'Average',
  'Distinct count',
  'Min',
  'Max',
  'Count',
  'Median',
  'Std dev',
  'Variance',
];

/** Parses one JSON file of the project, naming the file in the error when it is not JSON. */
export function readJson(files: ProjectFiles, file: string, uri: string): Json | undefined {
  const text = files.get(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(uri, 'invalid_pbip', `${file} is not valid JSON: ${detail}`, { cause: error });
  }
  if (!isObject(value)) throw new IngestError(uri, 'invalid_pbip', `${file} must hold a JSON object`);
  return value;
}

/** A PBIR literal (`'text'` for strings) as plain text. */
function literalText(value: unknown): string | undefined {
  const literal = stringAt(objectAt(objectAt(value, 'expr'), 'Literal'), 'Value');
  if (literal === undefined) return undefined;
  const match = /^'(.*)'$/s.exec(literal);
  return (match ? (match[1] as string).replace(/''/g, "'") : literal).trim() || undefined;
}

function sourceEntity(expression: unknown): string | undefined {
  return stringAt(objectAt(objectAt(expression, 'Expression'), 'SourceRef'), 'Entity');
}

/** The field a PBIR query expression refers to: a measure, column, aggregated column or hierarchy level. */
function fieldOf(role: string, field: unknown): VisualField | undefined {
  const measure = objectAt(field, 'Measure');
  const column = objectAt(field, 'Column');
  if (measure || column) {
    const entity = sourceEntity(measure ?? column);
    const property = stringAt(measure ?? column, 'Property');
    if (!entity || !property) return undefined;
    return { role, kind: measure ? 'measure' : 'column', entity, property };
  }
  const aggregation = objectAt(field, 'Aggregation');
  if (aggregation) {
    const inner = fieldOf(role, objectAt(aggregation, 'Expression'));
    if (!inner) return undefined;
    const functionIndex = isObject(aggregation) ? aggregation.Function : undefined;
    const name = typeof functionIndex === 'number' ? AGGREGATIONS[functionIndex] : undefined;
    return { ...inner, kind: 'aggregation', ...(name ? { aggregation: name } : {}) };
  }
  const level = objectAt(field, 'HierarchyLevel');
  if (level) {
    const hierarchy = objectAt(objectAt(level, 'Expression'), 'Hierarchy');
    const entity = sourceEntity(hierarchy);
    const property = stringAt(level, 'Level');
    if (!entity || !property) return undefined;
    return { role, kind: 'hierarchy', entity, property };
  }
  return undefined;
}

function textBoxText(visual: Json): string | undefined {
  const runs: string[] = [];
  for (const general of arrayAt(objectAt(visual, 'objects'), 'general')) {
    for (const paragraph of arrayAt(objectAt(general, 'properties'), 'paragraphs')) {
      const line = arrayAt(paragraph, 'textRuns')
        .map((run) => stringAt(run, 'value') ?? '')
        .join('');
      if (line.trim()) runs.push(line.trim());
    }
  }
  return runs.length > 0 ? runs.join(' ') : undefined;
}

function parseVisual(container: Json, name: string): ReportVisual | undefined {
  const visual = objectAt(container, 'visual');
  if (!visual) return undefined;
  const visualType = stringAt(visual, 'visualType') ?? 'unknown';
  const containerObjects = objectAt(visual, 'visualContainerObjects');
  const title = arrayAt(containerObjects, 'title')
    .map((entry) => literalText(objectAt(entry, 'properties')?.text))
    .find((text) => text !== undefined);
  const fields: VisualField[] = [];
  const queryState = objectAt(objectAt(visual, 'query'), 'queryState') ?? {};
  for (const [role, state] of Object.entries(queryState)) {
    for (const projection of arrayAt(state, 'projections')) {
      const field = fieldOf(role, objectAt(projection, 'field'));
      const displayName = stringAt(projection, 'displayName');
      if (field) fields.push(displayName ? { ...field, displayName } : field);
    }
  }
  const text = visualType === 'textbox' ? textBoxText(visual) : undefined;
  return {
    name: stringAt(container, 'name') ?? name,
    visualType,
    ...(title ? { title } : {}),
    ...(text ? { text } : {}),
    fields,
  };
}

const byCodePoint = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

function parsePages(files: ProjectFiles, definition: string, uri: string): ReportPage[] {
  const pagesFolder = `${definition}/pages/`;
  const pageFiles = [...files.keys()].filter((file) => {
    const rest = file.startsWith(pagesFolder) ? file.slice(pagesFolder.length) : '';
    return /^[^/]+\/page\.json$/.test(rest);
  });
  const order = arrayAt(readJson(files, `${pagesFolder}pages.json`, uri), 'pageOrder').filter(
    (name): name is string => typeof name === 'string',
  );
  const rank = (file: string) => {
    const index = order.indexOf(file.slice(pagesFolder.length).split('/')[0] as string);
    return index === -1 ? order.length : index;
  };
  pageFiles.sort((left, right) => rank(left) - rank(right) || byCodePoint(left, right));
  return pageFiles.map((file) => {
    const folder = file.slice(0, -'page.json'.length);
    const page = readJson(files, file, uri) ?? {};
    const name = stringAt(page, 'name') ?? folder.split('/').at(-2) ?? file;
    const visuals = [...files.keys()]
      .filter((candidate) => candidate.startsWith(`${folder}visuals/`) && candidate.endsWith('/visual.json'))
      .sort(byCodePoint)
      .flatMap((visualFile) => {
        const container = readJson(files, visualFile, uri) ?? {};
        const parsed = parseVisual(container, visualFile.split('/').at(-2) ?? '');
        const position = objectAt(container, 'position');
        const coordinate = (key: string) =>
          typeof position?.[key] === 'number' ? (position[key] as number) : 0;
        return parsed ? [{ parsed, top: coordinate('y'), left: coordinate('x') }] : [];
      })
      .sort((a, b) => a.top - b.top || a.left - b.left)
      .map((entry) => entry.parsed);
    return {
      name,
      displayName: stringAt(page, 'displayName')?.trim() || name,
      hidden: stringAt(page, 'visibility') === 'HiddenInViewMode',
      file,
      lineCount: (files.get(file) ?? '').replace(/\n$/, '').split('\n').length,
      visuals,
    };
  });
}

function reportName(files: ProjectFiles, folder: string, uri: string): string {
  const platform = readJson(files, `${folder}/.platform`, uri);
  return stringAt(objectAt(platform, 'metadata'), 'displayName')?.trim() || folder.replace(/\.Report$/, '');
}

/**
 * Reads every report of a Power BI Project saved in the PBIR format (`*.Report/definition/`): pages in the
 * order of `pages.json`, their visuals with type, title and the fields of their query, and the semantic
 * model each report is bound to by path. A report saved only in the older single-file format
 * (`report.json` next to `definition.pbir`) is refused with how to convert it.
 */
export function parseReports(files: ProjectFiles, uri: string): ReportDefinition[] {
  const folders = new Set<string>();
  for (const file of files.keys()) {
    const match = /^([^/]+\.Report)\//.exec(file);
    if (match) folders.add(match[1] as string);
  }
  const pbipFile = [...files.keys()].find((file) => file.endsWith('.pbip'));
  return [...folders].sort(byCodePoint).map((folder) => {
    const definition = `${folder}/definition`;
    const hasDefinition = [...files.keys()].some((file) => file.startsWith(`${definition}/`));
    if (!hasDefinition) {
      if (files.has(`${folder}/report.json`)) {
        throw new IngestError(
          uri,
          'invalid_pbip',
          `${folder} is saved in the PBIR-Legacy format (report.json); save it in the PBIR format (Power BI Desktop: Options > Preview features > "Store reports using enhanced metadata format (PBIR)") and ingest again`,
        );
      }
      throw new IngestError(uri, 'invalid_pbip', `${folder} has no definition folder`);
    }
    const pbir = readJson(files, `${folder}/definition.pbir`, uri);
    const byPath = stringAt(objectAt(objectAt(pbir, 'datasetReference'), 'byPath'), 'path');
    const modelFolder = byPath
      ? path.posix.normalize(path.posix.join(folder, byPath.replace(/\\/g, '/')))
      : undefined;
    return {
      folder,
      name: reportName(files, folder, uri),
      pages: parsePages(files, definition, uri),
      ...(modelFolder && !modelFolder.startsWith('..') ? { semanticModelFolder: modelFolder } : {}),
      file: pbipFile ?? (files.has(`${folder}/definition.pbir`) ? `${folder}/definition.pbir` : definition),
    };
  });
}
