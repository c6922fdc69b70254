/** Why a source could not be ingested. */
export type IngestFailure =
  | 'unreadable'
  | 'unsupported_format'
  | 'malformed'
  | 'invalid_metadata'
  | 'invalid_dashboard'
  | 'invalid_pbip'
  | 'too_large'
  | 'empty';

/**
 * A source file that cannot be ingested. The message names the file and the reason; callers report it and
 * skip the file.
 */
export class IngestError extends Error {
  constructor(
    readonly file: string,
    readonly failure: IngestFailure,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
    this.name = 'IngestError';
  }
}
