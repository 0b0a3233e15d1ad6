import { parseDuration } from '../duration.js';

/**
 * When a postback that was not acknowledged is tried again. Freedom Pay documents, for result
 * callbacks, a retry every 30 minutes for 2 hours (docs/gateway/status-and-postbacks.md §4); the payout notify has
 * no schedule of its own in the docs, so the sandbox uses that one (docs/decisions/0007).
 */
export interface RetryPolicy {
  readonly name: string;
  /** Waits after each failed attempt; when they run out, the postback has failed. */
  readonly waitsMs: readonly number[];
}

const MINUTE = 60_000;

export const RETRY_POLICIES = {
  /** The gateway's: 1 attempt, then 4 more every 30 minutes (the last at +2 h). */
  gateway: { name: 'gateway', waitsMs: [30 * MINUTE, 30 * MINUTE, 30 * MINUTE, 30 * MINUTE] },
  /** For local work: the same number of attempts within 15 seconds. */
  fast: { name: 'fast', waitsMs: [1_000, 2_000, 4_000, 8_000] },
} as const satisfies Record<string, RetryPolicy>;

/** The time of the next attempt after `attemptsMade` failed ones, or undefined: give up. */
export function nextAttemptAt(
  policy: RetryPolicy,
  attemptsMade: number,
  lastAttemptAt: number,
): number | undefined {
  const wait = policy.waitsMs[attemptsMade - 1];
  return wait === undefined ? undefined : lastAttemptAt + wait;
}

/** `gateway`, `fast`, or a list of waits such as `5s,30s,2m`. */
export function parseRetryPolicy(text: string): RetryPolicy | undefined {
  if (text === 'gateway' || text === 'fast') return RETRY_POLICIES[text];
  const waits = text.split(',').map((part) => parseDuration(part.trim()));
  if (waits.length === 0 || waits.some((wait) => wait === undefined)) return undefined;
  return { name: text, waitsMs: waits as number[] };
}
