import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Payout } from '../payouts/payout.js';
import type { Randomness } from '../randomness.js';
import { scriptNameFromPath, withSignature } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import {
  attemptBody,
  notifyFields,
  type DeliveryAttempt,
  type HostAllowlist,
  type Postback,
  type PostbackPlan,
} from './postback.js';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.js';
import type { PostbackSender } from './sender.js';

export interface DispatcherDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  readonly merchants: MerchantDirectory;
  readonly sender: PostbackSender;
  readonly policy: RetryPolicy;
  readonly allowlist: HostAllowlist;
  /** Before the first attempt, unless a scenario says otherwise. */
  readonly defaultDelayMs: number;
  readonly timeoutMs: number;
  /** At most this many postbacks wait in the outbox; new payouts are refused beyond it. */
  readonly maxPending?: number;
  readonly onAttempt?: (postback: Postback, attempt: DeliveryAttempt) => void;
}

/** A duplicate arrives this long after the original. */
const DUPLICATE_GAP_MS = 1_000;
/** An out-of-order postback waits at most this long for the merchant's next one. */
const MAX_HOLD_MS = 60_000;

/**
 * The outbox: turns final payouts into postbacks, delivers them on the clock, retries on the
 * policy, records every attempt. Delivery happens after the answer and never throws into a
 * request (docs/style.md principle 5).
 */
export class PostbackDispatcher {
  private readonly timers = new Map<string, ScheduledTask>();
  /** Out-of-order postbacks waiting for their merchant's next one: kept apart, never searched for. */
  private readonly held = new Set<string>();
  /** Postbacks still to be delivered (or to fail for good). */
  private readonly pending = new Set<string>();
  private readonly waiters = new Set<{ matches: (p: Postback) => boolean; done: () => void }>();

  constructor(private readonly deps: DispatcherDeps) {}

  /** The postbacks a payout that just became final sends: stored with it in one commit. */
  prepare(payout: Payout, balanceMinor: number, plan: PostbackPlan = {}): Postback[] {
    const now = this.deps.clock.now();
    const dueAt = now + (plan.delayMs ?? this.deps.defaultDelayMs);
    const base = {
      paymentId: payout.paymentId,
      merchantId: payout.merchantId,
      orderId: payout.orderId,
      url: payout.postLink,
      fields: notifyFields(payout, balanceMinor),
      state: 'pending' as const,
      createdAt: isoTime(now),
      attempts: [],
    };
    const sequence = this.countFor(payout.paymentId);
    const notify: Postback = {
      ...base,
      id: `${payout.paymentId}-${sequence + 1}`,
      kind: 'notify',
      dueAt: isoTime(plan.outOfOrder ? dueAt + MAX_HOLD_MS : dueAt),
      ...(plan.outOfOrder ? { holdForNext: true } : {}),
    };
    if (!plan.duplicate) return [notify];
    return [
      notify,
      {
        ...base,
        id: `${payout.paymentId}-${sequence + 2}`,
        kind: 'duplicate',
        dueAt: isoTime(dueAt + DUPLICATE_GAP_MS),
      },
    ];
  }

  /** Why no more payouts can be taken, when the outbox is full. */
  capacityProblem(): string | undefined {
    const max = this.deps.maxPending;
    if (max === undefined || this.pending.size < max) return undefined;
    return `the outbox holds ${this.pending.size} pending postbacks, its limit (SANDBOX_MAX_PENDING_POSTBACKS); let them be delivered or fail, check GET /__sandbox/postbacks?state=pending, or raise the limit`;
  }

  /** What the developer should know about a post link before its postback fails. */
  warningFor(url: string): string | undefined {
    return this.deps.allowlist.allows(url)
      ? undefined
      : `pg_post_link's host is not in SANDBOX_POSTBACK_ALLOW (${this.deps.allowlist.describe()}), so its postback will not be sent; hosts match as written (localhost is not 127.0.0.1)`;
  }

  /** Arms the timers of postbacks that are now stored. */
  activate(postbacks: readonly Postback[]): void {
    for (const postback of postbacks) {
      if (postback.holdForNext) this.held.add(postback.id);
      this.pending.add(postback.id);
      this.arm(postback);
    }
  }

  /** After a start: every pending postback gets its timer back (an overdue one fires at once). */
  resumePending(): void {
    for (const postback of this.deps.store.postbacks()) {
      if (postback.state === 'pending') this.activate([postback]);
    }
  }

  /** Sends a payout's notify again, now, as a new postback with its own log. */
  async resend(id: string): Promise<Postback | undefined> {
    const original = this.deps.store.postback(id);
    if (!original) return undefined;
    const now = this.deps.clock.now();
    const copy: Postback = {
      id: `${original.paymentId}-${this.countFor(original.paymentId) + 1}`,
      paymentId: original.paymentId,
      merchantId: original.merchantId,
      orderId: original.orderId,
      url: original.url,
      fields: original.fields,
      kind: 'resend',
      state: 'pending',
      createdAt: isoTime(now),
      dueAt: isoTime(now),
      attempts: [],
    };
    await this.deps.store.commit({ postbacks: [copy] });
    this.activate([copy]);
    return copy;
  }

  /**
   * Resolves with the newest payout's postback for the order once it is delivered (or failed for
   * good), or with undefined after `timeoutMs` of real time.
   */
  waitFor(
    filter: { orderId?: string; paymentId?: number; merchantId?: string },
    timeoutMs: number,
  ): Promise<Postback | undefined> {
    // Looked up through the order and payment indexes, never by scanning the outbox: a waiter
    // is asked again after every delivery.
    const settled = (): Postback | undefined => {
      const paymentId = filter.paymentId ?? this.newestPaymentFor(filter);
      if (paymentId === undefined) return undefined;
      const ofPayment = this.postbacksOf(paymentId).filter(
        (p) => filter.orderId === undefined || p.orderId === filter.orderId,
      );
      return (
        ofPayment.find((p) => p.state === 'delivered') ??
        (ofPayment.length > 0 && ofPayment.every((p) => p.state === 'failed')
          ? ofPayment[0]
          : undefined)
      );
    };
    const now = settled();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter = {
        matches: () => settled() !== undefined,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(settled());
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.deps.sender.close?.();
    for (const waiter of [...this.waiters]) waiter.done();
  }

  /** The newest payout of the order, among the merchants that could have made it. */
  private newestPaymentFor(filter: { orderId?: string; merchantId?: string }): number | undefined {
    if (filter.orderId === undefined) return undefined;
    const merchants =
      filter.merchantId === undefined
        ? this.deps.merchants.all().map((m) => m.id)
        : [filter.merchantId];
    let newest: number | undefined;
    for (const merchantId of merchants) {
      const payout = this.deps.store.latestPayoutForOrder(merchantId, filter.orderId);
      if (payout && (newest === undefined || payout.paymentId > newest)) newest = payout.paymentId;
    }
    return newest;
  }

  private postbacksOf(paymentId: number): Postback[] {
    const found: Postback[] = [];
    for (let k = 1; ; k++) {
      const postback = this.deps.store.postback(`${paymentId}-${k}`);
      if (!postback) return found;
      found.push(postback);
    }
  }

  /** How many postbacks a payment has: ids are `<payment id>-1`, `-2`, ... in order. */
  private countFor(paymentId: number): number {
    return this.postbacksOf(paymentId).length;
  }

  private arm(postback: Postback): void {
    this.timers.get(postback.id)?.cancel();
    const at = postback.dueAt ? Date.parse(postback.dueAt) : this.deps.clock.now();
    this.timers.set(
      postback.id,
      this.deps.clock.schedule(at, () => this.attempt(postback.id)),
    );
  }

  /** One delivery attempt: sign with a fresh salt, POST, record, and decide what comes next. */
  private async attempt(id: string): Promise<void> {
    this.timers.delete(id);
    const postback = this.deps.store.postback(id);
    if (!postback || postback.state !== 'pending') return;
    const { clock, sender, allowlist, policy } = this.deps;
    const startedAt = clock.now();
    const signature = this.sign(postback);
    const body = attemptBody(postback, signature);

    const allowed = allowlist.allows(postback.url);
    const result = allowed
      ? await sender.send(postback.url, body, this.deps.timeoutMs)
      : {
          error: `the host is not in SANDBOX_POSTBACK_ALLOW (${allowlist.describe()})`,
          durationMs: 0,
        };
    const attempt: DeliveryAttempt = {
      at: isoTime(startedAt),
      salt: signature.salt,
      sig: signature.sig,
      ...result,
    };
    const attempts = [...postback.attempts, attempt];
    const delivered = result.status === 200;
    const next =
      delivered || !allowed ? undefined : nextAttemptAt(policy, attempts.length, startedAt);
    const { dueAt: _due, holdForNext: _held, ...rest } = postback;
    const updated: Postback = {
      ...rest,
      attempts,
      state: delivered ? 'delivered' : next === undefined ? 'failed' : 'pending',
      ...(next !== undefined ? { dueAt: isoTime(next) } : {}),
    };
    await this.deps.store.commit({ postbacks: [updated] });
    this.deps.onAttempt?.(updated, attempt);
    if (updated.state === 'pending') {
      this.arm(updated);
    } else {
      this.pending.delete(updated.id);
      this.releaseHeld(updated);
    }
    for (const waiter of [...this.waiters]) if (waiter.matches(updated)) waiter.done();
  }

  /** Out-of-order: postbacks held back for this merchant's next one may go now. */
  private releaseHeld(sent: Postback): void {
    this.held.delete(sent.id);
    for (const id of this.held) {
      const held = this.deps.store.postback(id);
      if (!held || held.state !== 'pending') {
        this.held.delete(id);
      } else if (held.merchantId === sent.merchantId && held.createdAt <= sent.createdAt) {
        this.held.delete(id);
        this.arm({ ...held, dueAt: isoTime(this.deps.clock.now()) });
      }
    }
  }

  /**
   * A fresh salt and the signature over the notify fields and the query parameters of
   * `pg_post_link`, since the merchant's PHP sees those among the request's parameters
   * (docs/decisions/0007); they stay in the URL, not in the body.
   */
  private sign(postback: Postback): { salt: string; sig: string } {
    const merchant = this.deps.merchants.find(postback.merchantId);
    const url = new URL(postback.url);
    const query = Object.fromEntries(url.searchParams);
    const signed = withSignature(
      scriptNameFromPath(url.pathname),
      { ...query, ...postback.fields },
      merchant?.secretKey ?? '',
      this.deps.randomness.salt(),
    );
    return { salt: signed.pg_salt ?? '', sig: signed.pg_sig ?? '' };
  }
}
