import { IngestError } from './errors.js';

/**
 * Caps on what one document may expand to, enforced while it is extracted so that a small file that
 * decompresses to megabytes of text (a "document bomb") is refused before it costs memory or time.
 */
export interface ExtractionLimits {
  /** Extracted text per document, in UTF-16 code units (≈ bytes for Latin text). `RAG_MAX_TEXT_BYTES`. */
  maxTextBytes: number;
  /**
   * Bytes a PDF's compressed (FlateDecode) streams may inflate to, images excepted (text extraction never
   * decodes them). Counted before PDF.js reads the file. `RAG_MAX_DECODED_BYTES`.
   */
  maxDecodedBytes: number;
  /** Pages per PDF. `RAG_MAX_PAGES`. */
  maxPages: number;
  /** Chunks per document. `RAG_MAX_CHUNKS`. */
  maxChunks: number;
}

/** The defaults: a 1,000-page manual fits, the review's 23.6 KB PDF (5 MB of text) does not. */
export const DEFAULT_EXTRACTION_LIMITS: Readonly<ExtractionLimits> = {
  maxTextBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
  maxPages: 1000,
  maxChunks: 5000,
};

/** The environment variable that sets each cap, for messages that tell the operator what to raise. */
export const EXTRACTION_LIMIT_VARIABLES: Readonly<Record<keyof ExtractionLimits, string>> = {
  maxTextBytes: 'RAG_MAX_TEXT_BYTES',
  maxDecodedBytes: 'RAG_MAX_DECODED_BYTES',
  maxPages: 'RAG_MAX_PAGES',
  maxChunks: 'RAG_MAX_CHUNKS',
};

/** The error for a document beyond a cap: `too_large`, naming the cap and its variable. */
export function overLimit(
  file: string,
  limit: keyof ExtractionLimits,
  value: number,
  what: string,
): IngestError {
  return new IngestError(
    file,
    'too_large',
    `${what} exceeds the limit of ${value.toLocaleString('en-US')} (${EXTRACTION_LIMIT_VARIABLES[limit]})`,
    { limit: EXTRACTION_LIMIT_VARIABLES[limit] },
  );
}
