import { createHash } from 'node:crypto';
import type { LoadedDocument } from './types.js';

/** SHA-256 of a UTF-8 string, as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * SHA-256 of a document's normalised content (NFC text, no trailing spaces) together with everything that
 * ends up in its chunks: title, type, format, language, tags, sites, assets, heading paths and spans. The
 * URI is left out, so a moved file keeps its hash. Equal hashes mean re-ingesting would change nothing.
 */
export function documentHash(document: LoadedDocument): string {
  const canonical = {
    title: document.title.normalize('NFC'),
    docType: document.docType,
    format: document.format,
    language: document.language ?? null,
    tags: document.tags,
    sites: document.sites,
    assets: document.assets,
    sections: document.sections.map((section) => ({
      headingPath: section.headingPath.map((heading) => heading.normalize('NFC')),
      level: section.level,
      span: section.span,
      blocks: section.blocks.map((block) => ({
        kind: block.kind,
        lines: block.lines.map((line) => [line.line, line.text.normalize('NFC').replace(/\s+$/, '')]),
      })),
    })),
  };
  return sha256Hex(JSON.stringify(canonical));
}
