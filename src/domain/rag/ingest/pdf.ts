import { createInflate } from 'node:zlib';
import { getDocumentProxy, getMeta } from 'unpdf';
import { IngestError } from './errors.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits, overLimit } from './limits.js';
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

/** One item of a page's text stream (text items carry `str`; marked-content items do not). */
interface StreamedTextItem {
  str?: string;
  hasEOL?: boolean;
}

/**
 * The text of one page, read from PDF.js's text stream so the cap applies while the content stream is
 * decoded: past `budget` code units reading stops and `overLimit` is thrown; the caller's
 * `pdf.destroy()` then stops the decoder (cancelling the stream itself makes PDF.js enqueue into a closed
 * controller and throw outside any promise).
 */
async function pageText(
  page: { streamTextContent(): ReadableStream<{ items: StreamedTextItem[] }> },
  budget: number,
  file: string,
  limits: ExtractionLimits,
): Promise<string> {
  const reader = page.streamTextContent().getReader();
  const parts: string[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const item of value.items) {
      if (item.str == null) continue;
      const part = item.hasEOL ? `${item.str}\n` : item.str;
      length += part.length;
      parts.push(part);
    }
    if (length > budget) {
      throw overLimit(file, 'maxTextBytes', limits.maxTextBytes, 'extracted text');
    }
  }
  return parts.join('');
}

const STREAM = Buffer.from('stream');
const END_STREAM = Buffer.from('endstream');

/** Bytes one zlib stream inflates to, counted chunk by chunk and abandoned past `budget` (never held). */
function inflatedSize(data: Uint8Array, budget: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = createInflate();
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('error', () => resolve(size));
    inflate.on('end', () => resolve(size));
    inflate.end(data);
  });
}

/**
 * Refuses a PDF whose FlateDecode streams inflate beyond `maxDecodedBytes` in total, before PDF.js decodes
 * any of them. Image streams are skipped (text extraction never decodes them); a stream zlib cannot read
 * counts what it yielded.
 */
async function assertDecodedWithin(
  content: Uint8Array,
  file: string,
  limits: ExtractionLimits,
): Promise<void> {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  let total = 0;
  let at = bytes.indexOf(STREAM);
  while (at !== -1) {
    const isKeyword = at < 3 || bytes.toString('latin1', at - 3, at) !== 'end';
    let start = at + STREAM.length;
    if (bytes[start] === 0x0d) start += 1;
    if (bytes[start] === 0x0a) start += 1;
    const end = bytes.indexOf(END_STREAM, start);
    if (end === -1) break;
    if (isKeyword) {
      const dictionary = bytes.toString('latin1', Math.max(0, at - 2048), at);
      const own = dictionary.slice(dictionary.lastIndexOf(' obj') + 1);
      if (/\/FlateDecode/.test(own) && !/\/Subtype\s*\/Image/.test(own)) {
        total += await inflatedSize(bytes.subarray(start, end), limits.maxDecodedBytes - total);
        if (total > limits.maxDecodedBytes)
          throw overLimit(file, 'maxDecodedBytes', limits.maxDecodedBytes, 'decompressed content');
      }
    }
    at = bytes.indexOf(STREAM, end + END_STREAM.length);
  }
}

/**
 * Extracts the text of a PDF with unpdf (PDF.js), one section per non-empty page with a page span. Line
 * numbers in its blocks are lines within the page text. Compressed streams beyond `maxDecodedBytes` are
 * refused before PDF.js runs; pages beyond `maxPages` and text beyond `maxTextBytes` while extracting
 * (`too_large`), before the rest is decoded.
 */
export async function parsePdf(
  content: Uint8Array,
  file: string,
  limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS,
): Promise<ParsedPdf> {
  const pages: string[] = [];
  let title: string | undefined;
  await assertDecodedWithin(content, file, limits);
  try {
    const pdf = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 });
    try {
      if (pdf.numPages > limits.maxPages)
        throw overLimit(file, 'maxPages', limits.maxPages, `${pdf.numPages} pages`);
      const meta = await getMeta(pdf).catch(() => undefined);
      const rawTitle: unknown = meta?.info?.Title;
      title = typeof rawTitle === 'string' && rawTitle.trim() ? rawTitle.trim() : undefined;
      let used = 0;
      for (let number = 1; number <= pdf.numPages; number++) {
        const page = await pdf.getPage(number);
        const text = await pageText(page, limits.maxTextBytes - used, file, limits);
        used += text.length;
        pages.push(text);
        page.cleanup();
      }
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(file, 'malformed', `cannot read PDF: ${detail}`, { cause: error });
  }
  const sections: Section[] = [];
  pages.forEach((text, index) => {
    const blocks = pageBlocks(text);
    if (blocks.length === 0) return;
    sections.push({ headingPath: [], level: 0, span: { page: index + 1 }, blocks, text: blocksText(blocks) });
  });
  return { title, sections };
}
