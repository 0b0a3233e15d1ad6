/**
 * `pg_order_time_limit` is a local time without a zone (`2020-12-31 12:00:00`). The gateway reads
 * it in its own zone; Kazakhstan and Uzbekistan are UTC+5 (Kyrgyzstan UTC+6), so the sandbox
 * takes +05:00 unless told otherwise (SANDBOX_TIME_LIMIT_OFFSET).
 */
export const GATEWAY_ZONE_OFFSET_MINUTES = 300;

/** `YYYY-MM-DD HH:mm:ss` (the OpenAPI document shows it too); the date must also exist. */
export const TIME_LIMIT_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** The instant `text` names, or undefined when it is not `YYYY-MM-DD HH:mm:ss` or no such date exists. */
export function timeLimitToEpoch(text: string, offsetMinutes: number): number | undefined {
  const match = TIME_LIMIT_PATTERN.exec(text);
  if (!match) return undefined;
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2021-02-30 over to March and reads years below 100 as 19xx; a round trip
  // through the parts is what tells a real date from one of those.
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exists ? date.getTime() - offsetMinutes * 60_000 : undefined;
}

/** `+05:00`, `-03:30`, `Z`; minutes east of UTC, or undefined. */
export function parseOffset(text: string): number | undefined {
  if (text === 'Z') return 0;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
