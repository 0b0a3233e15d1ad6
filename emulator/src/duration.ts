/** `250ms`, `5s`, `2m`, `1h`, or a bare number of milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * factor;
}

export const DURATION = /^(\d+)(ms|s|m|h)?$/;
