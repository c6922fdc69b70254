import { sha256Hex } from './hash.js';
import { overLimit } from './limits.js';
import { countTokens, splitByTokens, splitTokenPieces, tailByTokens } from './tokens.js';
import { type Chunk, isPageSpan, type LoadedDocument, type Section, type SourceSpan } from './types.js';

/** Chunk sizing, in approximate tokens (see `countTokens`). */
export interface ChunkOptions {
  /** Upper bound on a chunk's `tokenCount` (its embedding text, header included). Default 350. */
  maxTokens?: number;
  /** Tokens repeated from the end of a chunk at the start of the next one in the same section. Default 50. */
  overlapTokens?: number;
  /** Chunks per document; one more is refused as `too_large` (RAG_MAX_CHUNKS). Default unbounded. */
  maxChunks?: number;
}

interface Piece {
  text: string;
  line: number;
  block: number;
  tokens: number;
  /** Continues the previous piece of the same line without whitespace in between. */
  glued?: boolean;
}

const HEADER_SEPARATOR = ' > ';

/** The header that prefixes a chunk's embedding text: title and heading path, without repeating the title. */
export function chunkHeader(title: string, headingPath: readonly string[]): string {
  const parts = headingPath[0] === title ? headingPath : [title, ...headingPath];
  return parts.filter(Boolean).join(HEADER_SEPARATOR);
}

function joinPieces(pieces: readonly Piece[]): string {
  let text = '';
  pieces.forEach((piece, index) => {
    const previous = pieces[index - 1];
    if (previous) {
      if (previous.block !== piece.block) text += '\n\n';
      else if (previous.line !== piece.line) text += '\n';
      else if (!piece.glued) text += ' ';
    }
    text += piece.text;
  });
  return text;
}

function sumTokens(pieces: readonly Piece[]): number {
  return pieces.reduce((total, piece) => total + piece.tokens, 0);
}

/** Groups of pieces that are kept together: a whole block when it fits, else its lines (or line parts). */
function sectionGroups(section: Section, budget: number): Piece[][] {
  const groups: Piece[][] = [];
  section.blocks.forEach((block, blockIndex) => {
    const pieces: Piece[] = block.lines.map((line) => ({
      text: line.text,
      line: line.line,
      block: blockIndex,
      tokens: countTokens(line.text),
    }));
    if (sumTokens(pieces) <= budget) {
      groups.push(pieces);
      return;
    }
    for (const piece of pieces) {
      if (piece.tokens <= budget) groups.push([piece]);
      else {
        for (const part of splitTokenPieces(piece.text, budget)) {
          groups.push([{ ...piece, text: part.text, tokens: countTokens(part.text), glued: part.glued }]);
        }
      }
    }
  });
  return groups.map((group) => group.filter((piece) => piece.tokens > 0)).filter((group) => group.length > 0);
}

function overlapTail(pieces: readonly Piece[], overlapTokens: number): Piece[] {
  if (overlapTokens <= 0) return [];
  const tail: Piece[] = [];
  let total = 0;
  for (let index = pieces.length - 1; index >= 0; index--) {
    const piece = pieces[index]!;
    if (total + piece.tokens > overlapTokens) break;
    tail.unshift(piece);
    total += piece.tokens;
  }
  if (tail.length > 0) return tail;
  const last = pieces[pieces.length - 1];
  if (!last) return [];
  const text = tailByTokens(last.text, overlapTokens);
  return text ? [{ ...last, text, tokens: countTokens(text) }] : [];
}

function packSection(section: Section, budget: number, overlapTokens: number): Piece[][] {
  const chunks: Piece[][] = [];
  let current: Piece[] = [];
  let fresh = 0;
  for (const group of sectionGroups(section, budget)) {
    const groupTokens = sumTokens(group);
    if (fresh > 0 && sumTokens(current) + groupTokens > budget) {
      chunks.push(current);
      current = overlapTail(current, overlapTokens);
      fresh = 0;
    }
    while (current.length > 0 && fresh === 0 && sumTokens(current) + groupTokens > budget) current.shift();
    current.push(...group);
    fresh += group.length;
  }
  if (fresh > 0) chunks.push(current);
  return chunks;
}

function spanOf(section: Section, pieces: readonly Piece[]): SourceSpan {
  if (isPageSpan(section.span)) return { page: section.span.page };
  if (section.span.file !== undefined) return { ...section.span };
  const lines = pieces.map((piece) => piece.line);
  return { startLine: Math.min(...lines), endLine: Math.max(...lines) };
}

function fitHeader(header: string, maxTokens: number): string {
  const limit = Math.floor(maxTokens / 4);
  if (countTokens(header) <= limit) return header;
  return splitByTokens(header, limit)[0] ?? '';
}

/**
 * Splits a document into chunks: by section (heading path) first, then by size. Blocks (paragraphs, lists,
 * fenced code, tables) stay whole when they fit; larger ones are split by lines, and lines longer than the
 * budget at word boundaries. Consecutive chunks of a section overlap by up to `overlapTokens`. Each chunk's
 * embedding text is its header (title and heading path) plus its raw text, and never exceeds `maxTokens`.
 */
export function chunkDocument(document: LoadedDocument, options: ChunkOptions = {}): Chunk[] {
  const maxTokens = options.maxTokens ?? 350;
  const overlapTokens = options.overlapTokens ?? 50;
  if (!Number.isInteger(maxTokens) || maxTokens < 16)
    throw new RangeError('maxTokens must be an integer >= 16');
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens * 2 > maxTokens) {
    throw new RangeError('overlapTokens must be an integer between 0 and maxTokens / 2');
  }
  const maxChunks = options.maxChunks ?? Number.POSITIVE_INFINITY;
  const chunks: Chunk[] = [];
  for (const section of document.sections) {
    const header = fitHeader(chunkHeader(document.title, section.headingPath), maxTokens);
    const headerTokens = countTokens(header);
    const budget = maxTokens - headerTokens;
    for (const pieces of packSection(section, budget, Math.min(overlapTokens, Math.floor(budget / 2)))) {
      if (chunks.length >= maxChunks) throw overLimit(document.uri, 'maxChunks', maxChunks, 'chunk count');
      const text = joinPieces(pieces);
      const embeddingText = header ? `${header}\n\n${text}` : text;
      chunks.push({
        ordinal: chunks.length,
        text,
        embeddingText,
        headingPath: [...section.headingPath],
        title: document.title,
        uri: document.uri,
        span: spanOf(section, pieces),
        contentHash: sha256Hex(text),
        docType: document.docType,
        format: document.format,
        ...(document.language ? { language: document.language } : {}),
        tags: [...document.tags],
        sites: [...document.sites],
        assets: [...document.assets],
        tokenCount: countTokens(embeddingText),
      });
    }
  }
  return chunks;
}
