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
/**
 * The least sandbox time between two sweeps: a payout that settles is forgotten by the count
 * rule within a minute, one that comes of age within a minute of it.
 */
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
 * Runs the policy on the sandbox clock: a sweep at start, then one a minute of sandbox time
 * after a payout or postback changed, and one when the next kept payout comes of age. A clock
 * moved ahead by a year with nothing to do runs no sweep at all. A sweep commits `forget`
 * changes of at most `RETENTION_BATCH` payouts, one after another: requests get their turn at
 * the journal between them.
 */
export class Retention {
  private task: ScheduledTask | undefined;
  /** When `task` is due; undefined when no sweep is scheduled. */
  private taskAt: number | undefined;
  /** A scheduled sweep is under way: it schedules the next one itself. */
  private ticking = false;
  private stopListening: (() => void) | undefined;
  private running: Promise<number[]> | undefined;
  private stopped = false;
  /** Something changed since the last sweep looked. */
  private dirty = true;
  private nextDueMs = Infinity;

  constructor(private readonly deps: RetentionDeps) {}

  /** Sweeps once now (on the clock's next turn), then as changes and ages make work. */
  start(): void {
    if (!retentionIsOn(this.deps.policy) || this.stopListening || this.stopped) return;
    this.stopListening = this.deps.store.onCommitted((change) => {
      if (change.reset || change.payouts?.length || change.postbacks?.length) this.wake();
    });
    this.scheduleAt(this.deps.clock.now());
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

  /** A payout or postback changed: a sweep within the interval, unless one is due sooner. */
  private wake(): void {
    this.dirty = true;
    if (this.stopped || this.ticking) return;
    const soon = this.deps.clock.now() + this.interval();
    if (this.taskAt === undefined || this.taskAt > soon) this.scheduleAt(soon);
  }

  private scheduleAt(at: number): void {
    this.task?.cancel();
    this.task = undefined;
    this.taskAt = undefined;
    if (this.stopped || !Number.isFinite(at)) return;
    this.taskAt = at;
    this.task = this.deps.clock.schedule(at, async (dueAt) => {
      this.task = undefined;
      this.taskAt = undefined;
      this.ticking = true;
      try {
        await this.sweep();
      } finally {
        this.ticking = false;
      }
      const next = dueAt + this.interval();
      this.scheduleAt(this.dirty ? next : Math.max(next, this.nextDueMs));
    });
  }

  private interval(): number {
    return this.deps.intervalMs ?? RETENTION_INTERVAL_MS;
  }

  private async run(): Promise<number[]> {
    const { store, clock, policy } = this.deps;
    this.dirty = false;
    const choice = chooseForgotten(
      await store.payoutSummaries({ statuses: ['ok', 'error'] }),
      await busyPayments(store),
      policy,
      clock.now(),
    );
    this.nextDueMs = choice.nextDueMs;
    const size = this.deps.batchSize ?? RETENTION_BATCH;
    const forgotten: number[] = [];
    for (let i = 0; i < choice.forget.length && !this.stopped; i += size) {
      // Asked again before each batch: a postback resent meanwhile makes its payout busy.
      const busy = await busyPayments(store);
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
async function busyPayments(store: Pick<Store, 'pendingPostbacks'>): Promise<Set<number>> {
  return new Set((await store.pendingPostbacks()).map((postback) => postback.paymentId));
}
