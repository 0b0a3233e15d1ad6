import type { Clock, ScheduledTask } from '../clock.js';
import { isFinal } from '../payouts/payout.js';
import type { PayoutSummary, Store } from '../store/store.js';

/**
 * Retention keeps a long-running sandbox bounded (issue 15, docs/decisions/0016): settled
 * payouts past the policy are forgotten, with their postbacks. Settled means nothing about the
 * payout can change any more: `ok` or `error`, no final pending, every postback delivered or
 * failed. A payout still moving is never forgotten, whatever its age.
 */
export interface RetentionPolicy {
  /** Forget settled payouts last changed (`updatedAt`) longer ago than this, sandbox clock. */
  readonly maxAgeMs?: number | undefined;
  /** Keep at most this many settled payouts per merchant: the newest (highest payment ids). */
  readonly perMerchant?: number | undefined;
}

export function retentionIsOn(policy: RetentionPolicy): boolean {
  return policy.maxAgeMs !== undefined || policy.perMerchant !== undefined;
}

/** What a sweep should forget, and when the age rule next has something to forget. */
export interface RetentionChoice {
  /** Payment ids, ascending: a merchant's older payouts go before (or with) its newer ones. */
  readonly forget: readonly number[];
  /**
   * When (sandbox clock, ms) the next settled payout kept now passes `maxAgeMs`; Infinity when
   * none will (no age rule, nothing kept). Until then, only new changes can give work.
   */
  readonly nextDueMs: number;
}

/**
 * Which payouts the policy forgets at `nowMs`, from their summaries. `busy` holds the payment
 * ids with a postback not yet delivered or failed: those payouts are not settled. Pure.
 */
export function chooseForgotten(
  payouts: Iterable<PayoutSummary>,
  busy: ReadonlySet<number>,
  policy: RetentionPolicy,
  nowMs: number,
): RetentionChoice {
  const { maxAgeMs, perMerchant } = policy;
  const forget = new Set<number>();
  let nextDueMs = Infinity;
  const byMerchant = new Map<string, number[]>();
  for (const payout of payouts) {
    if (!isSettled(payout, busy)) continue;
    if (maxAgeMs !== undefined) {
      // An unreadable time (a hand-edited file) never counts as old.
      const dueMs = Date.parse(payout.updatedAt) + maxAgeMs;
      if (dueMs <= nowMs) {
        forget.add(payout.paymentId);
        continue;
      }
      if (dueMs < nextDueMs) nextDueMs = dueMs;
    }
    if (perMerchant !== undefined) {
      const ids = byMerchant.get(payout.merchantId);
      if (ids) ids.push(payout.paymentId);
      else byMerchant.set(payout.merchantId, [payout.paymentId]);
    }
  }
  if (perMerchant !== undefined) {
    for (const ids of byMerchant.values()) {
      if (ids.length <= perMerchant) continue;
      ids.sort((a, b) => b - a);
      for (const id of ids.slice(perMerchant)) forget.add(id);
    }
  }
  return { forget: [...forget].sort((a, b) => a - b), nextDueMs };
}

/** `ok` or `error` with no final pending, and no postback waiting. */
export function isSettled(payout: PayoutSummary, busy: ReadonlySet<number>): boolean {
  return isFinal(payout.status) && payout.pendingFinal === undefined && !busy.has(payout.paymentId);
}

/** How many payouts one commit forgets: each commit is one journal line, written and synced. */
export const RETENTION_BATCH = 1_000;
/** How often, in sandbox time, retention looks for payouts to forget. */
export const RETENTION_INTERVAL_MS = 60_000;

export interface RetentionDeps {
  readonly store: Pick<Store, 'payoutSummaries' | 'pendingPostbacks' | 'commit' | 'onCommitted'>;
  readonly clock: Clock;
  readonly policy: RetentionPolicy;
  /** Told after each sweep that forgot something: the payment ids, ascending. */
  readonly onForgotten?: (paymentIds: readonly number[]) => void;
  /** A batch could not be written (a full disk): nothing of it was forgotten; tried again later. */
  readonly onError?: (error: unknown) => void;
  readonly batchSize?: number;
  readonly intervalMs?: number;
}

/**
 * Runs the policy on the sandbox clock: a sweep at start, then one every minute of sandbox time
 * that has something to do (a payout or postback changed since the last sweep, or a kept
 * payout has come of age). A sweep commits `forget` changes of at most `RETENTION_BATCH`
 * payouts, one after another: requests get their turn at the journal between them.
 */
export class Retention {
  private task: ScheduledTask | undefined;
  private stopListening: (() => void) | undefined;
  private running: Promise<number[]> | undefined;
  private stopped = false;
  /** Something changed since the last sweep looked. */
  private dirty = true;
  private nextDueMs = -Infinity;

  constructor(private readonly deps: RetentionDeps) {}

  /** Sweeps once now (on the clock's next turn), then every interval of sandbox time. */
  start(): void {
    if (!retentionIsOn(this.deps.policy) || this.task || this.stopped) return;
    this.stopListening = this.deps.store.onCommitted((change) => {
      if (change.reset || change.payouts?.length || change.postbacks?.length) this.dirty = true;
    });
    this.schedule(this.deps.clock.now());
  }

  /** No sweep starts after this; one under way stops before its next batch. */
  stop(): void {
    this.stopped = true;
    this.task?.cancel();
    this.task = undefined;
    this.stopListening?.();
  }

  /**
   * Forgets what the policy says now; resolves with the payment ids it forgot. A sweep asked
   * for while one runs gets that one's answer.
   */
  sweep(): Promise<number[]> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.task = this.deps.clock.schedule(at, async (dueAt) => {
      if (this.dirty || dueAt >= this.nextDueMs) await this.sweep();
      this.schedule(dueAt + (this.deps.intervalMs ?? RETENTION_INTERVAL_MS));
    });
  }

  private async run(): Promise<number[]> {
    const { store, clock, policy } = this.deps;
    this.dirty = false;
    const choice = chooseForgotten(
      store.payoutSummaries((payout) => isFinal(payout.status)),
      busyPayments(store),
      policy,
      clock.now(),
    );
    this.nextDueMs = choice.nextDueMs;
    const size = this.deps.batchSize ?? RETENTION_BATCH;
    const forgotten: number[] = [];
    for (let i = 0; i < choice.forget.length && !this.stopped; i += size) {
      // Asked again before each batch: a postback resent meanwhile makes its payout busy.
      const busy = busyPayments(store);
      const batch = choice.forget.slice(i, i + size).filter((id) => !busy.has(id));
      if (batch.length === 0) continue;
      try {
        await store.commit({ forget: { payouts: batch } });
      } catch (error) {
        // Nothing of the batch was forgotten; the next sweep tries again.
        this.dirty = true;
        this.deps.onError?.(error);
        break;
      }
      forgotten.push(...batch);
    }
    if (forgotten.length > 0) this.deps.onForgotten?.(forgotten);
    return forgotten;
  }
}

/** Payment ids with a postback still to deliver: pending postbacks are always in memory. */
function busyPayments(store: Pick<Store, 'pendingPostbacks'>): Set<number> {
  return new Set(store.pendingPostbacks().map((postback) => postback.paymentId));
}
