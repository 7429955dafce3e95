/** A refusal with a status, a machine-readable reason and a human sentence. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    /** When to ask again (a `Retry-After` header), for a refusal that passes with time. */
    readonly retry: { retryAfterSeconds: number } | null = null
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
