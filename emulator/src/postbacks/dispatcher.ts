import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Payout } from '../payouts/payout.js';
import type { Randomness } from '../randomness.js';
import type { Store } from '../store/store.js';
import { sendAttempt, withAttempt } from './attempt.js';
import { startStoreSweep } from '../store-sweep.js';
import { plannedPostbacks, resendOf } from './planned-postbacks.js';
import {
  isSandboxAdminLink,
  type DeliveryAttempt,
  type HostAllowlist,
  type Postback,
  type OutboxMessage,
  type PostbackPlan,
  type XmlRenderer,
} from './postback.js';
import type { RetryPolicy } from './retry-policy.js';
import type { PostbackSender } from './sender.js';
import { PostbackWaiters, type WaitFilter } from './waiters.js';

export interface DispatcherDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  readonly merchants: MerchantDirectory;
  readonly sender: PostbackSender;
  /** The payout notify's fields (gateway/render.ts): the outbox sends them, it does not make them. */
  readonly notifyFields: (payout: Payout, balanceMinor: number) => Record<string, string>;
  /** Renders a `pg_xml` postback's XML (http/xml.ts). */
  readonly renderXml: XmlRenderer;
  readonly policy: RetryPolicy;
  readonly allowlist: HostAllowlist;
  /** Before the first attempt, unless a scenario says otherwise. */
  readonly defaultDelayMs: number;
  readonly timeoutMs: number;
  /** At most this many postbacks wait in the outbox; new payouts are refused beyond it. */
  readonly maxPending?: number;
  readonly onAttempt?: (postback: Postback, attempt: DeliveryAttempt) => void;
  /** An attempt that could not be recorded (the store's write failed): it will be made again. */
  readonly onUnrecorded?: (postback: Postback, error: unknown) => void;
}

/** What a resend came to: a new postback, or why none was made. */
export type ResendResult =
  | { readonly kind: 'resent'; readonly postback: Postback }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'outbox-full'; readonly problem: string };

/** A shared store is swept for due postbacks this often (real time), this many at a time. */
const SWEEP_EVERY_MS = 1_000;
const SWEEP_BATCH = 100;

/**
 * The outbox: turns final payouts into postbacks, delivers them on the clock, retries on the
 * policy, records every attempt. Delivery happens after the answer and never throws into a
 * request (docs/style.md principle 5).
 */
export class PostbackDispatcher {
  private readonly timers = new Map<string, ScheduledTask>();
  /** Out-of-order postbacks waiting for their merchant's next one: kept apart, never searched for. */
  private readonly held = new Set<string>();
  /**
   * Postbacks still to be delivered (or to fail for good), and resends on their way into the
   * store: the outbox's size, which `maxPending` bounds.
   */
  private readonly pending = new Set<string>();
  /**
   * Postbacks whose attempt is under way. One postback is never in flight twice: the attempt
   * under way decides what comes next, so two attempts cannot race to write the log.
   */
  private readonly inFlight = new Set<string>();
  private readonly waiters: PostbackWaiters;
  /** A shared store's sweep for postbacks other processes left (`startSweep`). */
  private sweep: ReturnType<typeof setInterval> | undefined;
  /** Tells apart the places resends hold in `pending` while their id is being counted. */
  private reservations = 0;
  /** After stop(), nothing is armed again: what is pending is resumed at the next start. */
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.waiters = new PostbackWaiters(deps);
  }

  /**
   * The postbacks a payout that just became final sends: stored with it in one commit.
   * `already` is how many postbacks the payment has, read where the commit is decided.
   */
  prepare(payout: Payout, balanceMinor: number, plan: PostbackPlan = {}, already = 0): Postback[] {
    return this.prepareMessage(
      {
        paymentId: payout.paymentId,
        merchantId: payout.merchantId,
        orderId: payout.orderId,
        url: payout.postLink,
        fields: this.deps.notifyFields(payout, balanceMinor),
        kind: 'notify',
      },
      plan,
      already,
    );
  }

  /**
   * The postbacks a message sends (a card callback, a payout's notify), with a scenario's plan:
   * delayed, doubled, out of order, or lost for its first attempts. Stored by the caller in the
   * commit that made them due, then `activate`d. `already`: how many postbacks the payment has
   * (their ids are `<payment id>-1`, `-2`, …), read under the lock of that commit.
   */
  prepareMessage(message: OutboxMessage, plan: PostbackPlan = {}, already = 0): Postback[] {
    return plannedPostbacks(
      message,
      plan,
      this.deps.clock.now(),
      this.deps.defaultDelayMs,
      already,
    );
  }

  /** Why no more payouts can be taken, when the outbox is full. */
  capacityProblem(): string | undefined {
    const max = this.deps.maxPending;
    if (max === undefined || this.pending.size < max) return undefined;
    return `the outbox holds ${this.pending.size} pending postbacks, its limit (SANDBOX_MAX_PENDING_POSTBACKS); let them be delivered or fail, check GET /__sandbox/postbacks?state=pending, or raise the limit`;
  }

  /** What the developer should know about a post link before its postback fails. */
  warningFor(url: string): string | undefined {
    if (isSandboxAdminLink(url)) {
      return "pg_post_link is under /__sandbox, the sandbox's own admin API, so its postback will not be sent (a resend link there would make postbacks without end); set pg_post_link to your merchant's notify URL";
    }
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

  /**
   * After a start: every pending postback gets its timer back (an overdue one fires at once).
   * On a shared store, the sweep for postbacks other processes left starts too.
   */
  async resumePending(): Promise<void> {
    this.activate(await this.deps.store.pendingPostbacks());
    this.startSweep();
  }

  /**
   * On a shared store, looks every second for due postbacks that nothing here has a timer or an
   * attempt for (another process made them, and may have died) and arms them: the claim taken at
   * attempt time makes sure one process makes each attempt.
   */
  private startSweep(): void {
    if (!this.deps.store.shared || this.sweep || this.stopped) return;
    this.sweep = startStoreSweep(SWEEP_EVERY_MS, () => this.armDue(this.deps.clock.now()));
  }

  /**
   * Arms the shared store's postbacks due by `dueBy` that nothing here has a timer or an attempt
   * for (the sweep, and a clock advance catching up on other processes' postbacks). One another
   * process holds a claim on is not listed: that process's attempt is under way.
   */
  async armDue(dueBy: number): Promise<void> {
    const due = await this.deps.store.duePostbacks(dueBy, SWEEP_BATCH);
    this.activate(due.filter((p) => !this.timers.has(p.id) && !this.inFlight.has(p.id)));
  }

  /** Another process's commit: the long polls here hear of the postbacks it recorded. */
  heardElsewhere(postbacks: readonly Postback[]): void {
    // Each waiter looks at the store again: once for the whole change is enough.
    const [first] = postbacks;
    if (first) this.waiters.notify(first);
  }

  /**
   * Sends a payout's notify again, now, as a new postback with its own log. A resend counts
   * against the outbox's limit like any postback, so no loop of resends can fill memory.
   */
  async resend(id: string): Promise<ResendResult> {
    const original = await this.deps.store.postback(id);
    if (!original) return { kind: 'not-found' };
    const problem = this.capacityProblem();
    if (problem !== undefined) return { kind: 'outbox-full', problem };
    const now = this.deps.clock.now();
    // Counted from now, so resends asked for at the same time cannot pass the limit together;
    // a commit that fails changed nothing, so the count goes back. The id is counted under the
    // payment's lock: two resends (here or in two processes) never take one id.
    const reserved = `resend:${id}:${now}:${this.reservations++}`;
    this.pending.add(reserved);
    let copy: Postback;
    try {
      copy = await this.deps.store.atomically({ payouts: [original.paymentId] }, (view) => {
        const made = resendOf(original, view.postbacksOf(original.paymentId).length, now);
        return { change: { postbacks: [made] }, result: made };
      });
    } finally {
      this.pending.delete(reserved);
    }
    this.activate([copy]);
    return { kind: 'resent', postback: copy };
  }

  /**
   * Resolves with the newest payout's postback for the order once it is delivered (or failed for
   * good), or with undefined after `timeoutMs` of real time.
   */
  waitFor(filter: WaitFilter, timeoutMs: number): Promise<Postback | undefined> {
    return this.waiters.waitFor(filter, timeoutMs);
  }

  /**
   * Forgets the outbox before a data reset clears it (`POST /__sandbox/reset {"data": true}`):
   * timers cancelled, nothing held, nothing counted as pending. An attempt under way ends
   * unrecorded, since its postback is gone. Unlike `stop`, the dispatcher stays in service; if
   * the reset's write fails, `resumePending` brings the postbacks back.
   */
  forget(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.held.clear();
    this.pending.clear();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.deps.sender.close?.();
    this.waiters.releaseAll();
  }

  private arm(postback: Postback): void {
    // The attempt under way arms the next one itself, from what it learnt.
    if (this.stopped || this.inFlight.has(postback.id)) return;
    this.timers.get(postback.id)?.cancel();
    const at = postback.dueAt ? Date.parse(postback.dueAt) : this.deps.clock.now();
    this.timers.set(
      postback.id,
      this.deps.clock.schedule(at, () => this.attempt(postback.id)),
    );
  }

  /**
   * One delivery attempt: sign with a fresh salt, POST, record, and decide what comes next.
   * The record is made on the stored postback as it is once the answer is in, never on the copy
   * read before sending; a delivered or failed postback stays so. An attempt whose record does
   * not reach the disk changed nothing: it does not count, and the postback is tried again.
   */
  private async attempt(id: string): Promise<void> {
    this.timers.delete(id);
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    let postback: Postback | undefined;
    try {
      // Pending and not held by another process's attempt, or nothing to do here.
      postback = await this.deps.store.claimPostback(id);
    } catch {
      // The store could not be asked: try again as after an attempt that was not recorded.
      this.inFlight.delete(id);
      await this.tryAgainUnrecorded(id);
      return;
    }
    if (!postback) {
      // Done with (or gone), or another process's attempt holds it: not this outbox's to count.
      // On a shared store the sweep brings it back if that process dies.
      this.inFlight.delete(id);
      this.pending.delete(id);
      this.held.delete(id);
      return;
    }
    // Its hold ends when its own attempt begins: a later delivery has nothing left to release.
    this.held.delete(id);
    let made: { attempt: DeliveryAttempt; updated: Postback } | undefined;
    try {
      const { attempt, sent, startedAt } = await sendAttempt(this.deps, postback);
      const current = await this.deps.store.postback(id);
      // A data reset cleared the outbox while this attempt was on its way: nothing to record.
      if (!current) return;
      const updated = withAttempt(current, attempt, sent ? startedAt : undefined, this.deps.policy);
      await this.deps.store.commit({ postbacks: [updated] });
      made = { attempt, updated };
    } catch (error) {
      made = undefined;
      this.deps.onUnrecorded?.(postback, error);
    } finally {
      this.inFlight.delete(id);
    }
    if (!made) {
      await this.tryAgainUnrecorded(id);
      return;
    }
    this.deps.onAttempt?.(made.updated, made.attempt);
    await this.settle(made.updated);
  }

  /** After an attempt: the next one armed, or the postback done with. */
  private async settle(postback: Postback): Promise<void> {
    if (postback.state === 'pending') {
      this.arm(postback);
    } else {
      this.pending.delete(postback.id);
      await this.releaseHeld(postback);
    }
    this.waiters.notify(postback);
  }

  /**
   * The attempt's record did not reach the disk (a full disk, say). The merchant may have had
   * it, so it goes again, at-least-once (docs/decisions/0007), after the policy's longest wait:
   * uncounted attempts must not become a stream of postbacks while the disk stays full.
   */
  private async tryAgainUnrecorded(id: string): Promise<void> {
    const current = await this.deps.store.postback(id).catch(() => undefined);
    if (!current) {
      this.pending.delete(id);
      return;
    }
    if (current.state !== 'pending') {
      await this.settle(current);
      return;
    }
    const wait = Math.max(1_000, ...this.deps.policy.waitsMs);
    this.arm({ ...current, dueAt: isoTime(this.deps.clock.now() + wait) });
  }

  /** Out-of-order: postbacks held back for this merchant's next one may go now. */
  private async releaseHeld(sent: Postback): Promise<void> {
    this.held.delete(sent.id);
    for (const id of [...this.held]) {
      const held = await this.deps.store.postback(id);
      if (!held || held.state !== 'pending') {
        this.held.delete(id);
      } else if (held.merchantId === sent.merchantId && held.createdAt <= sent.createdAt) {
        this.held.delete(id);
        this.arm({ ...held, dueAt: isoTime(this.deps.clock.now()) });
      }
    }
  }
}
