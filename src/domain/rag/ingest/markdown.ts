import { parse as parseYaml } from 'yaml';
import { IngestError } from './errors.js';
import { parseSourceMetadata, type SourceMetadata } from './metadata.js';
import { SectionBuilder } from './section-builder.js';
import type { BlockKind, Section } from './types.js';

/** Result of parsing a Markdown source. */
export interface ParsedMarkdown {
  metadata: SourceMetadata;
  firstHeading?: string;
  sections: Section[];
}

const FENCE_OPEN = /^\s*(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(={2,}|-{2,})[ \t]*$/;
const THEMATIC_BREAK = /^\s*([-*_=])(?:\s*\1){2,}\s*$/;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s/;
const TAG_ONLY_LINE = /^\s*(?:<\/?[a-zA-Z][^>]*>\s*)+$/;

/** Removes inline Markdown (links, code spans, `*` emphasis) from a heading. */
export function cleanInlineMarkdown(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\*([^*\s][^*]*)\*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function parseFrontMatter(lines: string[], file: string): { metadata: SourceMetadata; bodyStart: number } {
  const empty: SourceMetadata = { tags: [], sites: [], assets: [] };
  if (lines[0]?.trim() !== '---') return { metadata: empty, bodyStart: 0 };
  const end = lines.findIndex((line, index) => index > 0 && (line.trim() === '---' || line.trim() === '...'));
  if (end < 0)
    throw new IngestError(file, 'malformed', 'front matter starting on line 1 is never closed by ---');
  let raw: unknown;
  try {
    raw = parseYaml(lines.slice(1, end).join('\n'));
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new IngestError(file, 'invalid_metadata', `front matter is not valid YAML: ${detail}`, {
      cause: error,
    });
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new IngestError(file, 'invalid_metadata', 'front matter must be a YAML mapping');
  }
  const result = parseSourceMetadata(raw);
  if (!result.ok) {
    throw new IngestError(
      file,
      'invalid_metadata',
      `front matter field "${result.field}": ${result.message}`,
    );
  }
  return { metadata: result.metadata, bodyStart: end + 1 };
}

/**
 * Parses Markdown into sections by ATX (`#`…`######`, including closed forms such as eCFR's
 * `##### § 250.821 … #####`) and setext headings. Fenced code is never read as headings; YAML front matter
 * (also Hugo's) supplies metadata; HTML comments and tag-only lines are dropped.
 */
export function parseMarkdown(source: string, file: string): ParsedMarkdown {
  const lines = source.split('\n');
  const { metadata, bodyStart } = parseFrontMatter(lines, file);
  const builder = new SectionBuilder();
  let firstHeading: string | undefined;
  let fence: { char: string; length: number } | undefined;
  let inComment = false;

  for (let index = bodyStart; index < lines.length; index++) {
    const text = lines[index]!.replace(/\s+$/, '');
    const line = index + 1;
    if (fence) {
      builder.line('code', { text, line });
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(text);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) {
        fence = undefined;
        builder.endBlock();
      }
      continue;
    }
    if (inComment) {
      if (text.includes('-->')) inComment = false;
      continue;
    }
    const fenceOpen = FENCE_OPEN.exec(text);
    if (fenceOpen) {
      builder.endBlock();
      fence = { char: fenceOpen[1]![0]!, length: fenceOpen[1]!.length };
      builder.line('code', { text, line });
      continue;
    }
    if (!text.trim()) {
      builder.endBlock();
      continue;
    }
    if (/^\s*<!--/.test(text)) {
      if (!text.includes('-->')) inComment = true;
      continue;
    }
    const atx = ATX_HEADING.exec(text);
    if (atx) {
      const heading = cleanInlineMarkdown(atx[2]!);
      if (heading) {
        firstHeading ??= heading;
        builder.heading(atx[1]!.length, heading, line);
      }
      continue;
    }
    const open = builder.openBlock;
    const setext = SETEXT_UNDERLINE.exec(text);
    if (
      setext &&
      open?.kind === 'paragraph' &&
      open.lines.length === 1 &&
      !LIST_ITEM.test(open.lines[0]!.text)
    ) {
      const titleLine = builder.popLine()!;
      const heading = cleanInlineMarkdown(titleLine.text);
      firstHeading ??= heading;
      builder.heading(setext[1]![0] === '=' ? 1 : 2, heading, titleLine.line);
      continue;
    }
    if (THEMATIC_BREAK.test(text) || TAG_ONLY_LINE.test(text)) {
      builder.endBlock();
      continue;
    }
    const kind: BlockKind = /^\s*\|/.test(text) ? 'table' : /^\s*>/.test(text) ? 'quote' : 'paragraph';
    builder.line(kind, { text, line });
  }
  return { metadata, firstHeading, sections: builder.finish() };
}
