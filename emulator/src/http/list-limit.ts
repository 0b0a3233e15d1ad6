const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 10_000;

/** `?limit=N` on list routes: 100 by default, 10,000 at most. */
export function listLimit(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : DEFAULT_LIST_LIMIT;
  return Math.min(Math.max(n, 1), MAX_LIST_LIMIT);
}
