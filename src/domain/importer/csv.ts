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

type ParserState = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'trailing';

/**
 * Incremental form of {@link parseCsv}: text is pushed in chunks of any size (a chunk may end inside a quoted
 * field, between a doubled quote or between CR and LF) and the records completed so far come back. The
 * records, line numbers and errors equal those of {@link parseCsv} on the concatenated text.
 */
export class CsvStreamParser {
  private readonly delimiter: string;
  private readonly quote: string;
  private state: ParserState = 'fieldStart';
  private started = false;
  private skipLineFeed = false;
  private line = 1;
  private recordLine = 1;
  private inRecord = false;
  private fields: string[] = [];
  private value = '';
  private trailing = '';
  private error: string | undefined;

  constructor(options: CsvOptions = {}) {
    this.delimiter = options.delimiter ?? ',';
    this.quote = options.quote ?? '"';
    if (this.delimiter.length !== 1 || this.quote.length !== 1 || this.delimiter === this.quote)
      throw new Error('CSV delimiter and quote must be two different single characters');
  }

  /** Parses the next chunk; returns the records it completes. */
  push(chunk: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
    }
    const { delimiter, quote } = this;
    const length = text.length;
    let position = 0;
    while (position < length) {
      if (this.skipLineFeed) {
        this.skipLineFeed = false;
        if (text[position] === '\n') {
          position += 1;
          continue;
        }
      }
      if (!this.inRecord) {
        this.inRecord = true;
        this.recordLine = this.line;
      }
      switch (this.state) {
        case 'fieldStart': {
          if (text[position] === quote) {
            position += 1;
            this.state = 'quoted';
          } else this.state = 'unquoted';
          break;
        }
        case 'unquoted': {
          const start = position;
          while (position < length && !isFieldEnd(text, position, delimiter)) position += 1;
          this.value += text.slice(start, position);
          if (position < length) position = this.endField(text, position, records);
          break;
        }
        case 'quoted': {
          const next = text.indexOf(quote, position);
          if (next === -1) {
            this.value += text.slice(position);
            position = length;
          } else {
            this.value += text.slice(position, next);
            position = next + 1;
            this.state = 'quoteInQuoted';
          }
          break;
        }
        case 'quoteInQuoted': {
          if (text[position] === quote) {
            this.value += quote;
            position += 1;
            this.state = 'quoted';
          } else {
            this.line += countLineBreaks(this.value);
            this.state = 'trailing';
          }
          break;
        }
        case 'trailing': {
          const start = position;
          while (position < length && !isFieldEnd(text, position, delimiter)) position += 1;
          this.trailing += text.slice(start, position);
          if (position < length) position = this.endField(text, position, records);
          break;
        }
      }
    }
    return records;
  }

  /** Ends the text; returns the last record if one is open. */
  end(): CsvRecord[] {
    const records: CsvRecord[] = [];
    if (!this.inRecord) return records;
    if (this.state === 'quoted') {
      this.line += countLineBreaks(this.value);
      this.error ??= 'unclosed quoted field (a quote opened here is never closed)';
    } else if (this.state === 'quoteInQuoted') this.line += countLineBreaks(this.value);
    this.closeField();
    this.emit(records);
    return records;
  }

  private closeField(): void {
    if (this.trailing !== '') {
      this.error ??= `unexpected text ${JSON.stringify(this.trailing)} after a closing quote`;
      this.value += this.trailing;
    }
    this.fields.push(this.value);
    this.value = '';
    this.trailing = '';
    this.state = 'fieldStart';
  }

  /** At a delimiter or line break: closes the field, and the record at a line break. */
  private endField(text: string, position: number, records: CsvRecord[]): number {
    this.closeField();
    if (text[position] === this.delimiter) return position + 1;
    if (text[position] === '\r') this.skipLineFeed = true;
    this.line += 1;
    this.emit(records);
    return position + 1;
  }

  private emit(records: CsvRecord[]): void {
    const { fields, error } = this;
    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank)
      records.push(
        error === undefined ? { line: this.recordLine, fields } : { line: this.recordLine, fields, error },
      );
    this.fields = [];
    this.error = undefined;
    this.inRecord = false;
  }
}

/** Parses CSV from an async sequence of text chunks with {@link CsvStreamParser}. */
export async function* parseCsvStream(
  chunks: AsyncIterable<string>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  const parser = new CsvStreamParser(options);
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}
