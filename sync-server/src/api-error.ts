/** A refusal with a status, a machine-readable reason and a human sentence. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
