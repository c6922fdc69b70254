/** Codes a domain module may raise; each maps one-to-one onto a problem code at the HTTP edge. */
export type DomainErrorCode =
  | 'invalid_parameter'
  | 'unknown_member'
  | 'unprocessable'
  | 'site_forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large';

/** An expected failure of a domain operation, caused by its input or the available data. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly extras: { param?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
