/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** Field delimiter, one character (default `,`). */
  delimiter?: string;
  /** Quote character, one character (default `"`). */
  quote?: string;
}

/** One CSV record: its fields and the physical line (1-based) where it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record is malformed (e.g. text after a closing quote, or an unclosed quote). */
  error?: string;
}

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Parses CSV text (RFC 4180): quoted fields may hold delimiters, doubled quotes and line breaks; records end
 * with CRLF, LF or CR; a leading byte-order mark is dropped; blank lines are skipped. Malformed records are
 * yielded with `error` set instead of throwing, so a caller can report every bad line at once.
 */
export function* parseCsv(text: string, options: CsvOptions = {}): Generator<CsvRecord> {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  if (delimiter.length !== 1 || quote.length !== 1 || delimiter === quote)
    throw new Error('CSV delimiter and quote must be two different single characters');
  const source = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const length = source.length;
  let position = 0;
  let line = 1;

  while (position < length) {
    const startLine = line;
    const fields: string[] = [];
    let error: string | undefined;
    let recordDone = false;

    while (!recordDone) {
      if (source[position] === quote) {
        position += 1;
        let value = '';
        let closed = false;
        while (position < length) {
          const next = source.indexOf(quote, position);
          if (next === -1) break;
          value += source.slice(position, next);
          if (source[next + 1] === quote) {
            value += quote;
            position = next + 2;
            continue;
          }
          position = next + 1;
          closed = true;
          break;
        }
        if (!closed) {
          value += source.slice(position);
          position = length;
          error ??= 'unclosed quoted field (a quote opened here is never closed)';
        }
        line += countLineBreaks(value);
        let trailing = '';
        while (position < length && !isFieldEnd(source, position, delimiter)) {
          trailing += source[position];
          position += 1;
        }
        if (trailing !== '') {
          error ??= `unexpected text ${JSON.stringify(trailing)} after a closing quote`;
          value += trailing;
        }
        fields.push(value);
      } else {
        const start = position;
        while (position < length && !isFieldEnd(source, position, delimiter)) position += 1;
        fields.push(source.slice(start, position));
      }

      if (position >= length) {
        recordDone = true;
      } else if (source[position] === delimiter) {
        position += 1;
        if (position >= length) {
          fields.push('');
          recordDone = true;
        }
      } else {
        position += source[position] === '\r' && source[position + 1] === '\n' ? 2 : 1;
        line += 1;
        recordDone = true;
      }
    }

    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank) yield error === undefined ? { line: startLine, fields } : { line: startLine, fields, error };
  }
}

function isFieldEnd(source: string, position: number, delimiter: string): boolean {
  const character = source[position];
  return character === delimiter || character === '\n' || character === '\r';
}

function countLineBreaks(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index += 1) {
    const character = value[index];
    if (character === '\n') count += 1;
    else if (character === '\r' && value[index + 1] !== '\n') count += 1;
  }
  return count;
}
