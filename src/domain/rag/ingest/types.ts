/** What kind of source a document is; drives filtering and how answers cite it. */
export type DocType = 'runbook' | 'dashboard' | 'document';

/** The source format a document was parsed from. */
export type DocFormat = 'markdown' | 'html' | 'text' | 'pdf' | 'dashboard' | 'pbip';

/** An inclusive, 1-based range of lines in the source file. */
export interface LineSpan {
  startLine: number;
  endLine: number;
  /**
   * For sources made of several files (a Power BI Project): the file the lines are in, relative to the
   * document's URI. Chunks of such a section cite the section's whole span.
   */
  file?: string;
}

/** A 1-based page of a paginated source (PDF). */
export interface PageSpan {
  page: number;
}

/** Where a section or chunk comes from in its source: lines for text formats, a page for PDFs. */
export type SourceSpan = LineSpan | PageSpan;

/** One line of extracted text and the source line it comes from (for PDFs: the line within its page). */
export interface SourceLine {
  text: string;
  line: number;
}

/** Structural kind of a block; code blocks and tables are kept whole by the chunker when they fit. */
export type BlockKind = 'paragraph' | 'code' | 'table' | 'quote';

/** A run of consecutive lines that belong together (a paragraph, a list, a fenced code block, a table). */
export interface Block {
  kind: BlockKind;
  lines: SourceLine[];
}

/** The content under one heading, with the path of headings that leads to it. */
export interface Section {
  /** Headings from the outermost to this section's own heading; empty for text before any heading. */
  headingPath: string[];
  /** Heading level (1–6); 0 for untitled content (preamble, plain text, PDF pages). */
  level: number;
  span: SourceSpan;
  blocks: Block[];
  /** The section body: its blocks joined by blank lines. */
  text: string;
}

/** A parsed source document, ready to be chunked. */
export interface LoadedDocument {
  uri: string;
  title: string;
  docType: DocType;
  format: DocFormat;
  /** ISO 639-1 code from metadata, or guessed from the text (`en`, `es`) when there is enough of it. */
  language?: string;
  tags: string[];
  /** Site codes from metadata and from the text (see `ENTITY_CODE_PATTERNS`). */
  sites: string[];
  /** Asset codes from metadata and from the text (see `ENTITY_CODE_PATTERNS`). */
  assets: string[];
  sections: Section[];
}

/** A retrievable piece of a document, sized for embedding. */
export interface Chunk {
  /** Position of the chunk in its document, from 0. */
  ordinal: number;
  /** The raw chunk text as it appears in the source (for snippets and citations). */
  text: string;
  /** The text to embed: title and heading path, a blank line, then `text`. */
  embeddingText: string;
  headingPath: string[];
  title: string;
  uri: string;
  span: SourceSpan;
  /** SHA-256 (hex) of `text`. */
  contentHash: string;
  docType: DocType;
  format: DocFormat;
  language?: string;
  tags: string[];
  sites: string[];
  assets: string[];
  /** Approximate token count of `embeddingText` (words and punctuation marks). */
  tokenCount: number;
}

/** True when the span is a page span (PDF). */
export function isPageSpan(span: SourceSpan): span is PageSpan {
  return 'page' in span;
}
