import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDashboard } from './dashboard.js';
import { detectEntityCodes, sortedUnique } from './entities.js';
import { IngestError } from './errors.js';
import { parseHtml } from './html.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits, overLimit } from './limits.js';
import { parseMarkdown } from './markdown.js';
import type { SourceMetadata } from './metadata.js';
import {
  isZip,
  type ProjectFiles,
  parsePbipProject,
  readProjectFolder,
  readProjectZip,
} from './pbip/index.js';
import { parsePdf } from './pdf.js';
import { SectionBuilder } from './section-builder.js';
import type { DocFormat, DocType, LoadedDocument, Section } from './types.js';

/** File extensions the loaders understand, and the format each one is read as. */
export const SOURCE_EXTENSIONS: Readonly<Record<string, DocFormat>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.pdf': 'pdf',
  '.yaml': 'dashboard',
  '.yml': 'dashboard',
  '.json': 'dashboard',
};

/** Input of {@link loadDocument}: a path or URI naming the source, and its content. */
export interface LoadDocumentInput {
  /** File path; also the URI when `uri` is not given. */
  path?: string;
  /** Stable identifier recorded with the chunks (defaults to `path`). */
  uri?: string;
  content: Buffer | Uint8Array | string;
  /**
   * Document type; overrides metadata and the path-based guess. `dashboard` also selects the dashboard
   * format when the name has no extension.
   */
  type?: 'runbook' | 'dashboard';
  /**
   * Source format; by default from the extension (`.zip` and `.pbip`: a zipped Power BI Project), else
   * sniffed from the content (ZIP, PDF, HTML, Markdown).
   */
  format?: DocFormat;
}

const ES_MARKERS = new Set([
  'el',
  'la',
  'los',
  'las',
  'que',
  'y',
  'en',
  'un',
  'una',
  'para',
  'por',
  'con',
  'del',
]);
const EN_MARKERS = new Set(['the', 'and', 'of', 'to', 'is', 'in', 'for', 'that', 'with', 'on', 'are', 'be']);

/** Guesses `en` or `es` from common function words; undefined when the text is too short to tell. */
export function guessLanguage(text: string): string | undefined {
  let spanish = 0;
  let english = 0;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  for (const word of words.slice(0, 3000)) {
    if (ES_MARKERS.has(word)) spanish++;
    if (EN_MARKERS.has(word)) english++;
  }
  if (spanish + english < 5) return undefined;
  return spanish > english ? 'es' : 'en';
}

function formatOf(
  input: LoadDocumentInput,
  name: string,
  bytes: Uint8Array | undefined,
  text: string,
): DocFormat {
  if (input.format) return input.format;
  const extension = path.extname(name).toLowerCase();
  const byExtension = SOURCE_EXTENSIONS[extension];
  if (byExtension) return byExtension;
  if (extension === '.zip' || extension === '.pbip') return 'pbip';
  if (extension && /^\.[a-z0-9]+$/.test(extension)) {
    throw new IngestError(name, 'unsupported_format', `unsupported file type "${extension}"`);
  }
  if (bytes && isZip(bytes)) return 'pbip';
  if (input.type === 'dashboard') return 'dashboard';
  if (bytes && bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-')
    return 'pdf';
  if (/^\s*(<!doctype html|<html|<body|<h[1-6][\s>])/i.test(text)) return 'html';
  return 'markdown';
}

function decodeText(bytes: Uint8Array, file: string): string {
  if (bytes.includes(0))
    throw new IngestError(file, 'malformed', 'binary content (NUL bytes) in a text format');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new IngestError(file, 'malformed', 'text is not valid UTF-8', { cause: error });
  }
}

function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

function parseText(source: string): Section[] {
  const builder = new SectionBuilder();
  source.split('\n').forEach((raw, index) => {
    const text = raw.replace(/\s+$/, '');
    if (text.trim()) builder.line('paragraph', { text, line: index + 1 });
    else builder.endBlock();
  });
  return builder.finish();
}

function docTypeOf(
  input: Pick<LoadDocumentInput, 'type'>,
  format: DocFormat,
  metadata: SourceMetadata,
  uri: string,
): DocType {
  if (input.type) return input.type;
  if (format === 'dashboard' || format === 'pbip') return 'dashboard';
  if (metadata.docType) return metadata.docType;
  return /runbook/i.test(uri) ? 'runbook' : 'document';
}

function titleFromName(name: string): string {
  return path.basename(name, path.extname(name)) || name;
}

interface ParsedSource {
  metadata: SourceMetadata;
  title?: string;
  sections: Section[];
}

const NO_METADATA: SourceMetadata = { tags: [], sites: [], assets: [] };

function projectSource(files: ProjectFiles, uri: string): ParsedSource {
  const { title, sections } = parsePbipProject(files, uri);
  return { metadata: { ...NO_METADATA, title, docType: 'dashboard' }, title, sections };
}

async function parseSource(
  format: DocFormat,
  content: Buffer | Uint8Array | string,
  uri: string,
  limits: ExtractionLimits,
): Promise<ParsedSource> {
  if (format === 'pbip') {
    if (typeof content === 'string' || !isZip(content)) {
      throw new IngestError(
        uri,
        'malformed',
        'a Power BI Project must be given as a ZIP archive of its folder',
      );
    }
    return projectSource(readProjectZip(content, uri), uri);
  }
  if (format === 'pdf') {
    if (typeof content === 'string')
      throw new IngestError(uri, 'malformed', 'PDF content must be given as bytes');
    const parsed = await parsePdf(content, uri, limits);
    return { metadata: NO_METADATA, title: parsed.title, sections: parsed.sections };
  }
  if (content.length > limits.maxTextBytes) throw overLimit(uri, 'maxTextBytes', limits.maxTextBytes, 'text');
  const text = normaliseText(typeof content === 'string' ? content : decodeText(content, uri));
  if (format === 'markdown') {
    const parsed = parseMarkdown(text, uri);
    return {
      metadata: parsed.metadata,
      title: parsed.metadata.title ?? parsed.firstHeading,
      sections: parsed.sections,
    };
  }
  if (format === 'html') {
    const parsed = parseHtml(text, uri);
    return {
      metadata: parsed.metadata,
      title: parsed.metadata.title ?? parsed.title,
      sections: parsed.sections,
    };
  }
  if (format === 'dashboard') {
    const { dashboard, sections } = parseDashboard(text, uri);
    const { report, tags, sites, assets, language } = dashboard;
    return {
      metadata: { title: report, tags, sites, assets, docType: 'dashboard', language },
      title: report,
      sections,
    };
  }
  return { metadata: NO_METADATA, sections: parseText(text) };
}

/**
 * Parses one source (Markdown, HTML, plain text, PDF, a dashboard description or a zipped Power BI Project)
 * into a {@link LoadedDocument}. Throws {@link IngestError} naming the file when the input is malformed,
 * invalid, has no text or is beyond an extraction cap (`too_large`, checked while extracting).
 */
export async function loadDocument(
  input: LoadDocumentInput,
  limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS,
): Promise<LoadedDocument> {
  const uri = input.uri ?? input.path;
  if (!uri) throw new IngestError('(unnamed)', 'unreadable', 'a path or uri is required');
  const name = input.path ?? uri;
  const bytes = typeof input.content === 'string' ? undefined : input.content;
  const head = bytes ? Buffer.from(bytes.subarray(0, 256)).toString('latin1') : input.content.slice(0, 256);
  const format = formatOf(input, name, bytes, head.toString());
  return finishDocument(input, uri, name, format, await parseSource(format, input.content, uri, limits));
}

function finishDocument(
  input: Pick<LoadDocumentInput, 'type'>,
  uri: string,
  name: string,
  format: DocFormat,
  { metadata, title, sections }: ParsedSource,
): LoadedDocument {
  if (!sections.some((section) => section.text.trim())) {
    throw new IngestError(uri, 'empty', 'no text content to index');
  }
  const fullText = sections.map((section) => [...section.headingPath, section.text].join('\n')).join('\n');
  const detected = detectEntityCodes(`${title ?? ''}\n${fullText}`);
  const language = metadata.language ?? guessLanguage(fullText);
  return {
    uri,
    title: title?.trim() || titleFromName(name),
    docType: docTypeOf(input, format, metadata, uri),
    format,
    ...(language ? { language } : {}),
    tags: sortedUnique(metadata.tags),
    sites: sortedUnique([...metadata.sites, ...detected.sites]),
    assets: sortedUnique([...metadata.assets, ...detected.assets]),
    sections,
  };
}

/**
 * Reads a Power BI Project folder (its `.pbip`, `*.Report` and `*.SemanticModel`) as one dashboard
 * document; see `parsePbipProject`.
 */
export async function loadProjectFolder(
  folder: string,
  options: Omit<LoadDocumentInput, 'path' | 'content' | 'format'> = {},
): Promise<LoadedDocument> {
  const uri = options.uri ?? folder;
  const files = await readProjectFolder(folder, uri);
  return finishDocument(options, uri, folder, 'pbip', projectSource(files, uri));
}

/**
 * Reads a file and loads it with {@link loadDocument}; a folder is read as a Power BI Project
 * ({@link loadProjectFolder}). Unreadable files raise {@link IngestError}.
 */
export async function loadFile(
  filePath: string,
  options: Omit<LoadDocumentInput, 'path' | 'content'> = {},
  limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS,
): Promise<LoadedDocument> {
  const isFolder = await stat(filePath).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isFolder) return loadProjectFolder(filePath, options);
  let content: Buffer;
  try {
    content = await readFile(filePath);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(filePath, 'unreadable', `cannot read file: ${detail}`, { cause: error });
  }
  return loadDocument({ ...options, path: filePath, content }, limits);
}
