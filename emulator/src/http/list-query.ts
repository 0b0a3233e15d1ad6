/** What the admin API's list routes read from a query: a limit, a cursor, filter values. */

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 10_000;

/** `?limit=N` on list routes: 100 (or the route's own default) unless given, 10,000 at most. */
export function listLimit(value: unknown, byDefault = DEFAULT_LIST_LIMIT): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : byDefault;
  return Math.min(Math.max(n, 1), MAX_LIST_LIMIT);
}

/**
 * `?cursor=` on list routes: undefined when not given, else the cursor if it fits `pattern`
 * (the id of the last record the previous page ended on), else null for a refusal.
 */
export function listCursor(value: unknown, pattern: RegExp): string | null | undefined {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && pattern.test(value) ? value : null;
}

/**
 * A filter's value from a query string (`?a=x`), or from a helper's typed filter (numbers); an
 * empty one filters nothing.
 */
export function filterText(value: unknown): string | undefined {
  const v = queryValue(value);
  return v === undefined || v === '' ? undefined : v;
}

/** A query string's value as text: a string, or a helper's finite number; anything else none. */
export function queryValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
