import type { AdminError } from './types';

/**
 * The admin API, as the dashboard calls it: JSON in and out, the admin token (when one is set)
 * as `Authorization: Bearer`, kept in sessionStorage for this tab only. A 401 anywhere asks for
 * the token again (the login field), and every other refusal comes back as an `ApiError` with
 * the API's own message, which says what to do.
 */

const TOKEN_KEY = 'freedompay-sandbox.admin-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: AdminError | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type AuthListener = (needed: boolean) => void;
const authListeners = new Set<AuthListener>();
let authNeeded = false;

export function token(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setToken(value: string | undefined): void {
  try {
    if (value === undefined || value === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage refused (a locked-down browser): the token lasts until the page is reloaded.
  }
  setAuthNeeded(false);
}

/** Whether the API asked for a token this one does not have. */
export function isAuthNeeded(): boolean {
  return authNeeded;
}

export function onAuthNeeded(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function setAuthNeeded(needed: boolean): void {
  if (authNeeded === needed) return;
  authNeeded = needed;
  for (const listener of authListeners) listener(needed);
}

/** Headers every call carries. */
export function authHeaders(): Record<string, string> {
  const value = token();
  return value === undefined ? {} : { Authorization: `Bearer ${value}` };
}

export type Query = Readonly<Record<string, string | number | undefined>>;

/** `/__sandbox/payouts` and `{ status: 'ok', merchant_id: '' }` → `/__sandbox/payouts?status=ok`. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        Accept: 'application/json',
        ...authHeaders(),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(
      0,
      'network',
      `the sandbox did not answer (${(error as Error).message}); is it still running?`,
      undefined,
    );
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status === 401) {
    setAuthNeeded(true);
  }
  if (!res.ok) {
    const error = isRecord(parsed) ? (parsed as AdminError) : undefined;
    throw new ApiError(
      res.status,
      error?.code ?? `http-${res.status}`,
      error?.error ?? `${method} ${path} answered HTTP ${res.status}`,
      error,
    );
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> =>
  call<T>('GET', withQuery(path, query));
export const post = <T>(path: string, body?: unknown): Promise<T> =>
  call<T>('POST', path, body ?? {});
export const put = <T>(path: string, body?: unknown): Promise<T> =>
  call<T>('PUT', path, body ?? {});
export const del = <T>(path: string, query?: Query): Promise<T> =>
  call<T>('DELETE', withQuery(path, query));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An error's message for a person: the API's `error`, with `problems` when it lists some. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const problems = error.body?.problems;
    const listed = Array.isArray(problems)
      ? problems.map(String)
      : isRecord(problems)
        ? Object.entries(problems).map(([field, problem]) => `${field}: ${String(problem)}`)
        : [];
    return [error.message, ...listed].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}
