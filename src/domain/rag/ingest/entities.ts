/** A pattern recognising site or asset codes in document text. */
export interface EntityCodePattern {
  kind: 'site' | 'asset';
  /** Matches one code (no flags; callers add `g`). */
  pattern: RegExp;
  description: string;
}

/**
 * The codes recognised in document text and attached to documents and chunks as `sites` / `assets`.
 * Matching is case-sensitive on whole words: `site-a` or `CMP-TRIP` do not match. Extend this list when the
 * warehouse gains new code families.
 */
export const ENTITY_CODE_PATTERNS: readonly EntityCodePattern[] = [
  { kind: 'site', pattern: /\bSITE-[A-Z]\b/, description: 'site, e.g. SITE-B' },
  { kind: 'asset', pattern: /\bWELL-[A-Z]\d+\b/, description: 'well, e.g. WELL-A12' },
  { kind: 'asset', pattern: /\bCMP-[A-Z]\d+\b/, description: 'compressor, e.g. CMP-B2' },
  { kind: 'asset', pattern: /\bSEP-[A-Z]\d+\b/, description: 'separator, e.g. SEP-A1' },
  { kind: 'asset', pattern: /\bP-\d+[A-Z]?\b/, description: 'pump, e.g. P-101A' },
];

/** Site and asset codes found in a text, each list sorted and without duplicates. */
export interface EntityCodes {
  sites: string[];
  assets: string[];
}

/** Finds the site and asset codes of {@link ENTITY_CODE_PATTERNS} in a text. */
export function detectEntityCodes(text: string): EntityCodes {
  const sites = new Set<string>();
  const assets = new Set<string>();
  for (const { kind, pattern } of ENTITY_CODE_PATTERNS) {
    const target = kind === 'site' ? sites : assets;
    for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) target.add(match[0]);
  }
  return { sites: sortedUnique(sites), assets: sortedUnique(assets) };
}

/** Sorted (code-point order), de-duplicated, trimmed, non-empty strings. */
export function sortedUnique(values: Iterable<string>): string[] {
  const unique = new Set<string>();
  for (const value of values) {
    const trimmed = value.trim();
    if (trimmed) unique.add(trimmed);
  }
  return [...unique].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
