/**
 * `pg_order_time_limit` is a local time without a zone (`2020-12-31 12:00:00`). The gateway reads
 * it in its own zone; Kazakhstan and Uzbekistan are UTC+5 (Kyrgyzstan UTC+6), so the sandbox
 * takes +05:00 unless told otherwise (SANDBOX_TIME_LIMIT_OFFSET).
 */
export function timeLimitToEpoch(text: string, offsetMinutes: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year = 0, month = 1, day, hour, minute, second] = match.slice(1).map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  return utc - offsetMinutes * 60_000;
}

/** `+05:00`, `-03:30`, `Z`; minutes east of UTC, or undefined. */
export function parseOffset(text: string): number | undefined {
  if (text === 'Z') return 0;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
