/** A refusal the caller can act on: a stable code, the HTTP status it maps to, and a message. */
export class DomainError extends Error {
  /** For `too_many_requests`: when the caller may try again (sent as Retry-After). */
  retryAfterSeconds?: number;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const unauthorized = () => new DomainError('unauthorized', 401, 'A valid bearer token is required.');
export const forbidden = (message: string) => new DomainError('forbidden', 403, message);
export const notFound = (message: string) => new DomainError('not_found', 404, message);
export const conflict = (message: string) => new DomainError('conflict', 409, message);
export const invalid = (message: string) => new DomainError('invalid', 422, message);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  Object.assign(new DomainError('too_many_requests', 429, message), { retryAfterSeconds });
