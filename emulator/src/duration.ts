/**
 * `250ms`, `5s`, `2m`, `1h`, or a bare number of milliseconds; undefined for anything else.
 * With `days`, `30d` too: only settings that count in days take it (retention), so scenario
 * files and the clock's `advance` keep the units their schema documents.
 */
export function parseDuration(
  text: string,
  options: { readonly days?: boolean } = {},
): number | undefined {
  const match = (options.days ? WITH_DAYS : DURATION).exec(text);
  if (!match) return undefined;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * factor;
}

export const DURATION = /^(\d+)(ms|s|m|h)?$/;
const WITH_DAYS = /^(\d+)(ms|s|m|h|d)?$/;
