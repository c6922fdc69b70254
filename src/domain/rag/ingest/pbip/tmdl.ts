/** Lines of a TMDL file, 1-based and inclusive. */
export interface TmdlSpan {
  file: string;
  startLine: number;
  endLine: number;
}

/** A measure of a TMDL table. */
export interface TmdlMeasure {
  name: string;
  table: string;
  /** The DAX expression, with its common indentation removed. */
  expression: string;
  description?: string;
  displayFolder?: string;
  formatString?: string;
  isHidden: boolean;
  span: TmdlSpan;
}

/** A column of a TMDL table; `expression` is set for calculated columns. */
export interface TmdlColumn {
  name: string;
  dataType?: string;
  description?: string;
  displayFolder?: string;
  expression?: string;
  isHidden: boolean;
}

/** A table of a TMDL semantic model. */
export interface TmdlTable {
  name: string;
  description?: string;
  isHidden: boolean;
  isPrivate: boolean;
  columns: TmdlColumn[];
  measures: TmdlMeasure[];
  span: TmdlSpan;
}

interface OpenObject {
  kind: 'measure' | 'column';
  name: string;
  description?: string;
  expression: string[];
  properties: Map<string, string>;
  flags: Set<string>;
  startLine: number;
  endLine: number;
}

interface OpenTable {
  table: TmdlTable;
  properties: Set<string>;
}

/** Indentation depth of a line: tabs count one level each, and so does every run of four spaces. */
function depthOf(line: string): number {
  const indent = /^[\t ]*/.exec(line)?.[0] ?? '';
  let depth = 0;
  let spaces = 0;
  for (const character of indent) {
    if (character === '\t') {
      depth += 1 + Math.floor(spaces / 4);
      spaces = 0;
    } else spaces += 1;
  }
  return depth + Math.floor(spaces / 4);
}

/** Reads a TMDL object name at the start of `text`: `'quoted '' name'` or a bare word. */
function readName(text: string): { name: string; rest: string } | undefined {
  if (text.startsWith("'")) {
    let name = '';
    for (let index = 1; index < text.length; index++) {
      const character = text[index];
      if (character === "'") {
        if (text[index + 1] === "'") {
          name += "'";
          index += 1;
          continue;
        }
        return { name, rest: text.slice(index + 1) };
      }
      name += character;
    }
    return undefined;
  }
  const match = /^([^\s='"]+)(.*)$/s.exec(text);
  return match ? { name: match[1] as string, rest: match[2] as string } : undefined;
}

/** Removes the indentation all non-blank lines share, and blank lines at either end. */
function dedent(lines: readonly string[]): string {
  const trimmed = lines.map((line) => line.replace(/\s+$/, ''));
  while (trimmed.length > 0 && trimmed[0] === '') trimmed.shift();
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  const indents = trimmed.filter((line) => line !== '').map((line) => /^[\t ]*/.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return trimmed.map((line) => line.slice(common)).join('\n');
}

const unquote = (value: string): string =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/""/g, '"')
    : value;

/**
 * Parses the tables, columns and measures of a TMDL file (Tabular Model Definition Language, the text
 * format of a Power BI Project's semantic model). Descriptions come from `///` lines above an object; DAX
 * may follow `=` on the same line, start on the next lines indented below the object's properties, or be
 * fenced in triple backticks. Other objects (partitions, hierarchies, annotations, relationships) are
 * skipped with their children. Lenient: what it does not understand it leaves out.
 */
export function parseTmdl(source: string, file: string): TmdlTable[] {
  const lines = source.split('\n');
  const tables: TmdlTable[] = [];
  let table: OpenTable | undefined;
  let object: OpenObject | undefined;
  let description: string[] = [];
  let capture: { minDepth: number; fenced: boolean; lines: string[] } | undefined;

  const closeObject = () => {
    if (!object || !table) return;
    const { properties, flags } = object;
    const expression = dedent(object.expression);
    const common = {
      name: object.name,
      ...(object.description ? { description: object.description } : {}),
      ...(properties.get('displayFolder') ? { displayFolder: properties.get('displayFolder') } : {}),
      isHidden: flags.has('isHidden') || properties.get('isHidden') === 'true',
    };
    if (object.kind === 'measure') {
      table.table.measures.push({
        ...common,
        table: table.table.name,
        expression,
        ...(properties.get('formatString')
          ? { formatString: unquote(properties.get('formatString') ?? '') }
          : {}),
        span: { file, startLine: object.startLine, endLine: object.endLine },
      });
    } else {
      table.table.columns.push({
        ...common,
        ...(properties.get('dataType') ? { dataType: properties.get('dataType') } : {}),
        ...(expression ? { expression } : {}),
      });
    }
    object = undefined;
  };
  const closeTable = () => {
    closeObject();
    if (!table) return;
    table.table.isHidden = table.properties.has('isHidden');
    table.table.isPrivate = table.properties.has('isPrivate');
    tables.push(table.table);
    table = undefined;
  };

  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const text = raw.trim();
    if (capture) {
      if (capture.fenced) {
        if (text.startsWith('```')) capture = undefined;
        else capture.lines.push(raw);
        if (object) object.endLine = lineNumber;
        return;
      }
      if (text === '' || depthOf(raw) >= capture.minDepth) {
        capture.lines.push(raw);
        if (object && text !== '') object.endLine = lineNumber;
        return;
      }
      capture = undefined;
    }
    if (text === '') return;
    const depth = depthOf(raw);
    if (text.startsWith('///')) {
      description.push(text.slice(3).trim());
      return;
    }
    const pendingDescription = description.filter(Boolean).join(' ');
    description = [];

    if (depth === 0) {
      closeTable();
      const match = /^table\s+(.*)$/.exec(text);
      const named = match ? readName(match[1] as string) : undefined;
      if (named) {
        table = {
          table: {
            name: named.name,
            ...(pendingDescription ? { description: pendingDescription } : {}),
            isHidden: false,
            isPrivate: false,
            columns: [],
            measures: [],
            span: {
              file,
              startLine: pendingDescription ? lineNumber - countDescriptionLines(lines, index) : lineNumber,
              endLine: lineNumber,
            },
          },
          properties: new Set(),
        };
      }
      return;
    }
    if (!table) return;
    table.table.span.endLine = lineNumber;

    if (depth === 1) {
      closeObject();
      const match = /^(measure|column)\s+(.*)$/.exec(text);
      const named = match ? readName(match[2] as string) : undefined;
      if (!match || !named) {
        if (/^[A-Za-z]+$/.test(text)) table.properties.add(text);
        return;
      }
      object = {
        kind: match[1] as 'measure' | 'column',
        name: named.name,
        ...(pendingDescription ? { description: pendingDescription } : {}),
        expression: [],
        properties: new Map(),
        flags: new Set(),
        startLine: pendingDescription ? lineNumber - countDescriptionLines(lines, index) : lineNumber,
        endLine: lineNumber,
      };
      const assignment = /^\s*=\s*(.*)$/s.exec(named.rest);
      if (assignment) {
        const inline = (assignment[1] as string).trim();
        if (inline.startsWith('```')) capture = { minDepth: 0, fenced: true, lines: object.expression };
        else {
          if (inline) object.expression.push(inline);
          capture = { minDepth: depth + 2, fenced: false, lines: object.expression };
        }
      }
      return;
    }
    if (depth === 2 && object) {
      object.endLine = lineNumber;
      const property = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(text);
      if (property) object.properties.set(property[1] as string, (property[2] as string).trim());
      else if (/^[A-Za-z]+$/.test(text)) object.flags.add(text);
    }
  });
  closeTable();
  return tables;
}

function countDescriptionLines(lines: readonly string[], index: number): number {
  let count = 0;
  while (index - count - 1 >= 0 && (lines[index - count - 1] ?? '').trim().startsWith('///')) count += 1;
  return count;
}
