const TOKEN_PATTERN = /[\p{L}\p{N}_]+|([^\s\p{L}\p{N}_])\1*/gu;

/**
 * Approximate token count: a run of letters, digits and underscores counts as one token, and so does a run
 * of one repeated punctuation character (`---`); every other non-space character counts as one. Counts
 * add up across texts joined by whitespace.
 */
export function countTokens(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(TOKEN_PATTERN)) count++;
  return count;
}

/** A piece of a split text; `glued` when no whitespace separated it from the previous piece. */
export interface TokenPiece {
  text: string;
  glued: boolean;
}

/**
 * Splits a text into pieces of at most `limit` tokens (see {@link countTokens}), cutting at whitespace when
 * a piece has any, otherwise between tokens. Pieces are trimmed; their token counts add up to the text's.
 */
export function splitTokenPieces(text: string, limit: number): TokenPiece[] {
  if (limit < 1) throw new RangeError('limit must be at least 1');
  const starts: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) starts.push(match.index);
  if (starts.length <= limit) return text.trim() ? [{ text: text.trim(), glued: false }] : [];
  const pieces: TokenPiece[] = [];
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
    const glued = first > 0 && !/\s/.test(text[starts[first]! - 1] ?? '');
    pieces.push({ text: text.slice(starts[first]!, sliceEnd).trim(), glued });
    first = end;
  }
  return pieces;
}

/** {@link splitTokenPieces} without the glue flags. */
export function splitByTokens(text: string, limit: number): string[] {
  return splitTokenPieces(text, limit).map((piece) => piece.text);
}

/**
 * The trailing part of a text with at most `limit` tokens. It starts at a sentence start when the window
 * has one, else at a word boundary when possible.
 */
export function tailByTokens(text: string, limit: number): string {
  if (limit < 1) return '';
  const starts: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) starts.push(match.index);
  if (starts.length <= limit) return text.trim();
  const window = starts.length - limit;
  const before = (candidate: number) => text.slice(Math.max(0, starts[candidate]! - 2), starts[candidate]);
  let first = window;
  for (let candidate = window; candidate < starts.length - 1; candidate++) {
    if (/[.;:!?]\s$/.test(before(candidate))) {
      first = candidate;
      break;
    }
  }
  if (first === window) {
    for (let candidate = window; candidate < starts.length - 1; candidate++) {
      if (/\s$/.test(before(candidate))) {
        first = candidate;
        break;
      }
    }
  }
  return text.slice(starts[first]!).trim();
}
