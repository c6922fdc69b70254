import { type HTMLElement, type Node, NodeType, parse } from 'node-html-parser';
import { IngestError } from './errors.js';
import { parseSourceMetadata, type SourceMetadata } from './metadata.js';
import { SectionBuilder } from './section-builder.js';
import type { BlockKind, Section, SourceLine } from './types.js';

/** Result of parsing an HTML source. */
export interface ParsedHtml {
  metadata: SourceMetadata;
  /** `<title>`, else the first heading. */
  title?: string;
  sections: Section[];
}

const REMOVED_ELEMENTS = 'script, style, nav, noscript, template, iframe, svg, head';
const CONTAINERS = new Set([
  'html',
  'body',
  'main',
  'article',
  'section',
  'div',
  'header',
  'footer',
  'aside',
  'details',
  'form',
  'fieldset',
  'figure',
  'center',
  'dl',
]);
const PARAGRAPHS: Record<string, BlockKind> = {
  p: 'paragraph',
  blockquote: 'quote',
  dd: 'paragraph',
  dt: 'paragraph',
  figcaption: 'paragraph',
  caption: 'paragraph',
  address: 'paragraph',
  summary: 'paragraph',
  legend: 'paragraph',
};
const META_FIELDS = ['keywords', 'tags', 'sites', 'assets', 'doc_type', 'language'] as const;

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let index = source.indexOf('\n'); index >= 0; index = source.indexOf('\n', index + 1)) {
      this.starts.push(index + 1);
    }
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

function isElement(node: Node): node is HTMLElement {
  return node.nodeType === NodeType.ELEMENT_NODE;
}

class HtmlSectionReader {
  readonly builder = new SectionBuilder();
  firstHeading: string | undefined;

  constructor(private readonly lines: LineIndex) {}

  read(element: HTMLElement): void {
    let inline: Node[] = [];
    const flush = () => {
      if (inline.length > 0) this.emit('paragraph', this.sourceLines(inline, false));
      inline = [];
    };
    for (const child of element.childNodes) {
      if (!isElement(child)) {
        if (child.nodeType === NodeType.TEXT_NODE && child.text.trim()) inline.push(child);
        continue;
      }
      const tag = child.rawTagName.toLowerCase();
      const headingLevel = /^h([1-6])$/.exec(tag)?.[1];
      if (headingLevel) {
        flush();
        const heading = collapse(child.text);
        if (heading) {
          this.firstHeading ??= heading;
          this.builder.heading(Number(headingLevel), heading, this.lines.lineOf(child.range[0]));
        }
      } else if (tag === 'pre') {
        flush();
        this.emit('code', this.sourceLines([child], true));
      } else if (tag === 'table') {
        flush();
        this.emit('table', this.tableLines(child));
      } else if (tag === 'ul' || tag === 'ol') {
        flush();
        this.emit('paragraph', this.listLines(child, tag === 'ol'));
      } else if (PARAGRAPHS[tag]) {
        flush();
        this.emit(PARAGRAPHS[tag], this.sourceLines([child], false));
      } else if (CONTAINERS.has(tag) || tag === 'hr') {
        flush();
        this.read(child);
      } else {
        inline.push(child);
      }
    }
    flush();
  }

  private emit(kind: BlockKind, lines: SourceLine[]): void {
    this.builder.endBlock();
    for (const line of lines) this.builder.line(kind, line);
    this.builder.endBlock();
  }

  private sourceLines(nodes: readonly Node[], preserveSpacing: boolean): SourceLine[] {
    const byLine = new Map<number, string>();
    const visit = (node: Node) => {
      if (node.nodeType === NodeType.TEXT_NODE) {
        const first = this.lines.lineOf(node.range[0]);
        node.text.split('\n').forEach((piece, offset) => {
          byLine.set(first + offset, (byLine.get(first + offset) ?? '') + piece);
        });
      } else if (isElement(node)) {
        if (node.rawTagName.toLowerCase() === 'br') {
          const line = this.lines.lineOf(node.range[0]);
          byLine.set(line, `${byLine.get(line) ?? ''} `);
        }
        for (const child of node.childNodes) visit(child);
      }
    };
    for (const node of nodes) visit(node);
    return [...byLine.entries()]
      .sort(([a], [b]) => a - b)
      .map(([line, text]) => ({ line, text: preserveSpacing ? text.replace(/\s+$/, '') : collapse(text) }))
      .filter((line) => line.text.trim() !== '');
  }

  private listLines(list: HTMLElement, ordered: boolean): SourceLine[] {
    const out: SourceLine[] = [];
    list.childNodes.filter(isElement).forEach((item, index) => {
      const lines = this.sourceLines([item], false);
      if (lines[0]) lines[0] = { ...lines[0], text: `${ordered ? `${index + 1}.` : '-'} ${lines[0].text}` };
      out.push(...lines);
    });
    return out;
  }

  private tableLines(table: HTMLElement): SourceLine[] {
    return table
      .querySelectorAll('tr')
      .map((row) => ({
        line: this.lines.lineOf(row.range[0]),
        text: `| ${row
          .querySelectorAll('th, td')
          .map((cell) => collapse(cell.text))
          .join(' | ')} |`,
      }))
      .filter((row) => row.text !== '|  |');
  }
}

function readMetaTags(root: HTMLElement, file: string): SourceMetadata {
  const raw: Record<string, string> = {};
  for (const name of META_FIELDS) {
    const content = root.querySelector(`meta[name="${name}"]`)?.getAttribute('content');
    if (content) raw[name] = content;
  }
  raw.language ??= root.querySelector('html')?.getAttribute('lang') ?? '';
  if (!raw.language) delete raw.language;
  const result = parseSourceMetadata(raw);
  if (!result.ok) {
    throw new IngestError(file, 'invalid_metadata', `<meta name="${result.field}">: ${result.message}`);
  }
  return result.metadata;
}

/**
 * Parses HTML into sections by `h1`–`h6`, dropping script, style, nav and other non-content elements.
 * Lists, tables and `pre` become blocks; spans are lines of the HTML source.
 */
export function parseHtml(source: string, file: string): ParsedHtml {
  const root = parse(source, {
    comment: false,
    blockTextElements: { script: true, style: true, noscript: true },
  });
  const metadata = readMetaTags(root, file);
  const title = collapse(root.querySelector('title')?.text ?? '');
  for (const element of root.querySelectorAll(REMOVED_ELEMENTS)) element.remove();
  const reader = new HtmlSectionReader(new LineIndex(source));
  reader.read(root.querySelector('body') ?? root);
  return { metadata, title: title || reader.firstHeading, sections: reader.builder.finish() };
}
