import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { IngestError } from './errors.js';
import { blocksText } from './section-builder.js';
import type { Block, Section } from './types.js';

/** Result of parsing a PDF. */
export interface ParsedPdf {
  /** The PDF's Title metadata, when present. */
  title?: string;
  sections: Section[];
}

function pageBlocks(pageText: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  pageText.split('\n').forEach((raw, index) => {
    const text = raw.replace(/\s+$/, '');
    if (!text.trim()) {
      current = undefined;
      return;
    }
    if (!current) {
      current = { kind: 'paragraph', lines: [] };
      blocks.push(current);
    }
    current.lines.push({ text, line: index + 1 });
  });
  return blocks;
}

/**
 * Extracts the text of a PDF with unpdf (PDF.js), one section per non-empty page with a page span. Line
 * numbers in its blocks are lines within the page text.
 */
export async function parsePdf(content: Uint8Array, file: string): Promise<ParsedPdf> {
  let pages: string[];
  let title: string | undefined;
  try {
    const pdf = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 });
    try {
      const meta = await getMeta(pdf).catch(() => undefined);
      const rawTitle: unknown = meta?.info?.Title;
      title = typeof rawTitle === 'string' && rawTitle.trim() ? rawTitle.trim() : undefined;
      pages = (await extractText(pdf, { mergePages: false })).text;
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(file, 'malformed', `cannot read PDF: ${detail}`, { cause: error });
  }
  const sections: Section[] = [];
  pages.forEach((pageText, index) => {
    const blocks = pageBlocks(pageText);
    if (blocks.length === 0) return;
    sections.push({ headingPath: [], level: 0, span: { page: index + 1 }, blocks, text: blocksText(blocks) });
  });
  return { title, sections };
}
