/** One reason a CSV row cannot be loaded. */
export interface RowError {
  /** Physical line of the file where the row starts (the header is line 1). */
  line: number;
  /** CSV column at fault (or the target column, or a template), null for whole-row problems. */
  column: string | null;
  message: string;
}

/** The file was rejected: nothing was written. `errors` holds the first ones, `errorCount` all of them. */
export class LoadValidationError extends Error {
  constructor(
    readonly errors: RowError[],
    readonly errorCount: number,
    readonly rejectedRows: number,
    readonly rowsRead: number,
  ) {
    const first = errors[0];
    super(
      `file rejected: ${errorCount} error${errorCount === 1 ? '' : 's'} in ${rejectedRows} of ${rowsRead} rows` +
        (first
          ? ` (first: line ${first.line}${first.column ? `, ${first.column}` : ''}: ${first.message})`
          : ''),
    );
    this.name = 'LoadValidationError';
  }
}

/** The file cannot be read at all (not UTF-8, empty, no header). */
export class CsvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFileError';
  }
}
