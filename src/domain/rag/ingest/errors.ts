/** Why a source could not be ingested. */
export type IngestFailure =
  | 'unreadable'
  | 'unsupported_format'
  | 'malformed'
  | 'invalid_metadata'
  | 'invalid_dashboard'
  | 'invalid_pbip'
  | 'empty'
  /** Beyond an extraction cap (text, pages or chunks; `limit` names the variable that sets it) or an archive cap. */
  | 'too_large';

/**
 * A source file that cannot be ingested. The message names the file and the reason; callers report it and
 * skip the file.
 */
export class IngestError extends Error {
  /** For `too_large`: the environment variable of the cap that was exceeded. */
  readonly limit: string | undefined;

  constructor(
    readonly file: string,
    readonly failure: IngestFailure,
    readonly reason: string,
    options?: { cause?: unknown; limit?: string },
  ) {
    super(`${file}: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.limit = options?.limit;
    this.name = 'IngestError';
  }
}
