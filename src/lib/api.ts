/**
 * The app's calls to the server's JSON API (`/api/...`), signed in by the session cookie.
 *
 * Every failure is an `ApiFailure` with the server's machine-readable reason (`error`) and its
 * sentence (`message`); the pages show their own translation of the reason, falling back to the
 * sentence. No network at all is the reason `offline`.
 */
import type { Group, ReadableRoom, Space, User } from './model/org';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    /** Seconds to wait before trying again, when the server said (429). */
    readonly retryAfter: number | null = null
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** What `GET /api/me` answers. */
export interface Me {
  user: User;
  groups: Group[];
  spaces: Space[];
  rooms: ReadableRoom[];
  organisation: { name: string };
}

/** What sign-in and set-up answer. */
export interface SignedIn {
  user: User;
  expiresAt: number;
}

/**
 * Calls `/api<path>`. `body` is sent as JSON; `raw` as it is, with its own content type (an
 * uploaded file).
 */
export async function api<T>(
  path: string,
  init: {
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    body?: unknown;
    raw?: Blob;
    signal?: AbortSignal;
  } = {}
): Promise<T> {
  const hasBody = init.body !== undefined || init.raw !== undefined;
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method: init.method ?? (hasBody ? 'POST' : 'GET'),
      headers: init.raw
        ? { 'content-type': init.raw.type || 'application/octet-stream' }
        : init.body === undefined
          ? {}
          : { 'content-type': 'application/json' },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      credentials: 'same-origin',
      signal: init.signal
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure(0, 'offline', 'The server could not be reached.');
  }
  if (response.status === 204) return undefined as T;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): handled below
  }
  if (!response.ok) {
    const { error, message } = (body ?? {}) as { error?: string; message?: string };
    const retry = Number(response.headers.get('retry-after'));
    throw new ApiFailure(
      response.status,
      error ?? `http-${response.status}`,
      message ?? response.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : null
    );
  }
  return body as T;
}
