const TOKEN_PATTERN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/**
 * Approximate token count: runs of letters, digits and underscores count as one token, every other
 * non-space character as one. Counts add up across texts joined by whitespace.
 */
export function countTokens(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(TOKEN_PATTERN)) count++;
  return count;
}

/**
 * Splits a text into pieces of at most `limit` tokens (see {@link countTokens}), cutting at whitespace when
 * a piece has any, otherwise between tokens. Pieces are trimmed; their token counts add up to the text's.
 */
export function splitByTokens(text: string, limit: number): string[] {
  if (limit < 1) throw new RangeError('limit must be at least 1');
  const starts: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) starts.push(match.index);
  if (starts.length <= limit) return text.trim() ? [text.trim()] : [];
  const pieces: string[] = [];
  let first = 0;
  while (first < starts.length) {
    let end = Math.min(first + limit, starts.length);
    if (end < starts.length) {
      for (let candidate = end; candidate > first + 1; candidate--) {
        if (/\s/.test(text[starts[candidate]! - 1] ?? '')) {
          end = candidate;
          break;
        }
      }
    }
    const sliceEnd = end < starts.length ? starts[end]! : text.length;
    pieces.push(text.slice(starts[first]!, sliceEnd).trim());
    first = end;
  }
  return pieces;
}

/** The trailing part of a text with at most `limit` tokens, starting at a word boundary when possible. */
export function tailByTokens(text: string, limit: number): string {
  if (limit < 1) return '';
  const starts: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) starts.push(match.index);
  if (starts.length <= limit) return text.trim();
  let first = starts.length - limit;
  for (let candidate = first; candidate < starts.length - 1; candidate++) {
    if (/\s/.test(text[starts[candidate]! - 1] ?? '')) {
      first = candidate;
      break;
    }
  }
  return text.slice(starts[first]!).trim();
}
