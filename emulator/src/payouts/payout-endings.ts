import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import { cardHash } from '../cards/test-cards.js';
import { isoTime, type ScheduledTask } from '../clock.js';
import type { Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Decided, LockedView } from '../store/store.js';
import { startStoreSweep } from '../store-sweep.js';
import { cardDecision, fallbackChooser, type ChoiceContext, type FinalOutcome } from './outcome.js';
import { payoutError, pendingFinalOf } from './pending-final.js';
import {
  transition,
  type Payout,
  type PayoutDestination,
  type PayoutStatus,
  type PendingFinal,
} from './payout.js';
import type { PayoutServiceDeps } from './service.js';
import { describeNumber } from './target.js';
import { GATEWAY_ZONE_OFFSET_MINUTES } from './time-limit.js';

/**
 * How open payouts end: a payout page completed, the timers that end `process` and `waiting`
 * payouts when they are due, the shared store's sweep for timers a dead process held, and the
 * dashboard's "finish now". Creating a payout is PayoutService's (service.ts), which arms the
 * timer of a payout born open here.
 */

/** What ending an open payout came to: `not-open` when it had ended already (elsewhere too). */
type Ended = { readonly kind: 'ended'; readonly payout: Payout } | NotOpen;
type NotOpen = { readonly kind: 'not-open'; readonly payout: Payout | undefined };

export class PayoutEndings {
  private readonly timers = new Map<number, ScheduledTask>();
  /** A shared store's sweep for payouts whose timer another (maybe dead) process held. */
  private sweep: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: PayoutServiceDeps) {}

  /**
   * The recipient typed a card number on the payout page: the payout goes to it, with the
   * outcome the number (or a scenario rule for `reg2nonreg`) gives. Only a waiting payout can be
   * completed (checked again under the lock: a page completed twice at once goes once); anything
   * else is answered with what it is.
   */
  async completePage(
    paymentId: number,
    card: { pan: string; holder?: string },
    context: ChoiceContext = {},
  ): Promise<{ kind: 'completed' | 'not-waiting'; payout: Payout } | undefined> {
    const { store, clock } = this.deps;
    const payout = await store.payout(paymentId);
    if (!payout) return undefined;
    if (!isWaitingPage(payout)) return { kind: 'not-waiting', payout };
    const hash = cardHash(card.pan);
    const decision = await (this.deps.chooseOutcome ?? fallbackChooser)(
      {
        method: 'payout-page',
        fields: { ...payout.request, pg_card_pan: card.pan },
        merchantId: payout.merchantId,
        orderId: payout.orderId,
        userId: payout.userId,
      },
      cardDecision(payoutOutcomeForPan(card.pan), describeNumber(card.pan, hash)),
      context,
    );
    const outcome = decision.outcome;
    const now = clock.now();
    const at = isoTime(now);
    const error = outcome.status === 'error' ? payoutError(outcome) : undefined;
    const pendingFinal =
      outcome.status === 'process'
        ? pendingFinalOf(
            outcome,
            now,
            payout.orderTimeLimit,
            decision,
            timeLimitOffsetMinutes(this.deps),
          )
        : undefined;
    let done: { kind: 'not-waiting'; payout: Payout } | Completion;
    try {
      done = await store.atomically(
        { payouts: [paymentId], balances: [payout.merchantId] },
        (view): Decided<{ kind: 'not-waiting'; payout: Payout } | Completion> => {
          const current = view.payout(paymentId) ?? payout;
          if (!isWaitingPage(current)) return { result: { kind: 'not-waiting', payout: current } };
          // Its expiry is off while the completion is written (back if the write fails).
          this.cancelTimer(paymentId);
          const moved = transition(current, outcome.status, at, decision.reason, error);
          const next: Payout = {
            ...moved,
            destination: { ...current.destination, pan: card.pan, hash },
            ...(pendingFinal ? { pendingFinal } : {}),
          };
          const { balance, balanceChange } = ledgerOnEnd(view, current, outcome.status);
          const postbacks = pendingFinal
            ? []
            : finalPostbacks(this.deps, next, balance, decision.postback, view);
          return {
            change: {
              payouts: [next],
              ...balanceChange,
              postbacks,
            },
            result: { kind: 'completed', payout: next, postbacks },
          };
        },
      );
    } catch (failed) {
      // Not stored: the page still waits, and so does its expiry.
      if (payout.pendingFinal) this.scheduleFinal(paymentId, payout.pendingFinal);
      throw failed;
    }
    if (done.kind === 'not-waiting') return done;
    this.deps.notifier?.activate(done.postbacks);
    if (done.payout.pendingFinal) this.scheduleFinal(paymentId, done.payout.pendingFinal);
    return { kind: 'completed', payout: done.payout };
  }

  /** Re-arms the timers of payouts still in `process` or `waiting`, after a restart. */
  async resumePending(): Promise<void> {
    for (const payout of await this.deps.store.openPayouts()) {
      if (payout.pendingFinal) {
        this.scheduleFinal(payout.paymentId, payout.pendingFinal);
      }
    }
  }

  /**
   * On a shared store, looks every second for open payouts whose end is due and that no timer
   * here holds: another process armed them and may have died. Ending one twice is harmless (the
   * second `end` finds it ended). Nothing on a store of one process.
   */
  startSweep(): void {
    if (!this.deps.store.shared || this.sweep) return;
    this.sweep = startStoreSweep(SWEEP_EVERY_MS, () => this.armDue(this.deps.clock.now()));
  }

  /**
   * Arms a timer here for each open payout of the shared store whose end is due by `dueBy` and
   * that no timer here holds (the sweep, and a clock advance catching up on other processes'
   * payouts). A payout another process ends first is ended once: `end` is a compare-and-set.
   */
  async armDue(dueBy: number): Promise<void> {
    for (const payout of await this.deps.store.duePayouts(dueBy, SWEEP_BATCH)) {
      if (payout.pendingFinal && !this.timers.has(payout.paymentId)) {
        this.scheduleFinal(payout.paymentId, payout.pendingFinal);
      }
    }
  }

  /** Moves a `process` payout to its final status now; a no-op for one that is final already. */
  async finalize(paymentId: number): Promise<Payout | undefined> {
    this.cancelTimer(paymentId);
    const payout = await this.deps.store.payout(paymentId);
    const open = payout?.status === 'process' || payout?.status === 'waiting';
    if (!payout || !open || !payout.pendingFinal) return payout;
    const ended = await this.end(payout, (current) => current.pendingFinal);
    return ended.payout;
  }

  /**
   * Ends a `process` payout now with the outcome given, not the one it was heading for (the QA
   * dashboard's "finish now", `POST /__sandbox/payouts/:id/finish`): its timer is cancelled, and
   * the ledger and the notify are a natural finish's (the amount goes back on an error; the
   * scenario's postback plan still applies). Its history says it was finished by hand. Anything
   * but a `process` payout is answered with what it is; a failed write rejects, and the payout
   * goes on waiting for its own end.
   */
  async finishNow(
    paymentId: number,
    final: FinalOutcome,
  ): Promise<{ kind: 'finished' | 'not-in-process'; payout: Payout } | undefined> {
    const payout = await this.deps.store.payout(paymentId);
    if (!payout) return undefined;
    if (payout.status !== 'process') return { kind: 'not-in-process', payout };
    this.cancelTimer(paymentId);
    try {
      const ended = await this.end(payout, (current) => {
        if (current.status !== 'process') return undefined;
        const pending = current.pendingFinal;
        const heading = pending
          ? `; it was heading for ${pending.status}${pending.error ? ` ${pending.error.code}` : ''} at ${pending.dueAt}`
          : '';
        return {
          status: final.status,
          ...(final.status === 'error' ? { error: payoutError(final) } : {}),
          reason: `finished by hand (POST /__sandbox/payouts/${paymentId}/finish)${heading}`,
          ...(pending?.postback ? { postback: pending.postback } : {}),
        };
      });
      if (ended.kind === 'ended') return { kind: 'finished', payout: ended.payout };
      return { kind: 'not-in-process', payout: ended.payout ?? payout };
    } catch (failed) {
      if (payout.pendingFinal) this.scheduleFinal(paymentId, payout.pendingFinal);
      throw failed;
    }
  }

  /**
   * A `process` or `waiting` payout becomes final: ledger, history and notify in one commit.
   * Compare and set: `final` is asked about the payout as stored under the lock, and a payout
   * that is not open any more (ended by another request, or by another process's timer) is
   * left alone, so it is ended and notified once.
   */
  private async end(
    payout: Payout,
    final: (
      current: Payout,
    ) => Pick<PendingFinal, 'status' | 'error' | 'reason' | 'postback'> | undefined,
  ): Promise<Ended> {
    const { store, clock } = this.deps;
    const at = isoTime(clock.now());
    const paymentId = payout.paymentId;
    const ended = await store.atomically(
      { payouts: [paymentId], balances: [payout.merchantId] },
      (view): Decided<Ended & { postbacks?: Postback[] }> => {
        const current = view.payout(paymentId);
        const open = current?.status === 'process' || current?.status === 'waiting';
        const to = current && open ? final(current) : undefined;
        if (!current || !to) return { result: { kind: 'not-open', payout: current } };
        const next = transition(current, to.status, at, to.reason, to.error);
        const { balance, balanceChange } = ledgerOnEnd(view, current, to.status);
        const postbacks = finalPostbacks(this.deps, next, balance, to.postback, view);
        return {
          change: {
            payouts: [next],
            ...balanceChange,
            postbacks,
          },
          result: { kind: 'ended', payout: next, postbacks },
        };
      },
    );
    if (ended.postbacks) this.deps.notifier?.activate(ended.postbacks);
    return ended;
  }

  private cancelTimer(paymentId: number): void {
    this.timers.get(paymentId)?.cancel();
    this.timers.delete(paymentId);
  }

  /**
   * Stops the timers; pending payouts stay in the store and resume on the next start (or on
   * `resumePending`, after a data reset whose write failed). The service stays usable.
   */
  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** For good (the sandbox stops): the timers and the shared store's sweep. */
  close(): void {
    this.stop();
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  /** Arms (or re-arms) the timer that ends an open payout when it is due. */
  scheduleFinal(paymentId: number, final: PendingFinal): void {
    this.timers.get(paymentId)?.cancel();
    const task = this.deps.clock.schedule(Date.parse(final.dueAt), async (dueAt) => {
      await this.finalize(paymentId).catch(() => {
        // The write did not reach the disk, so the payout is still `process` everywhere: try
        // again a little later (and on the next start, which re-arms every pending payout).
        this.scheduleFinal(paymentId, {
          ...final,
          dueAt: isoTime(Math.max(dueAt, this.deps.clock.now()) + FINALIZE_RETRY_MS),
        });
      });
    });
    this.timers.set(paymentId, task);
  }
}

/** A shared store is swept for due payouts this often (real time), this many at a time. */
const SWEEP_EVERY_MS = 1_000;
const SWEEP_BATCH = 100;

interface Completion {
  readonly kind: 'completed';
  readonly payout: Payout;
  readonly postbacks: Postback[];
}

function isWaitingPage(
  payout: Payout,
): payout is Payout & { destination: Extract<PayoutDestination, { kind: 'payout-page' }> } {
  return payout.status === 'waiting' && payout.destination.kind === 'payout-page';
}

/** How long a payout whose final write failed waits before the next try, on the sandbox clock. */
const FINALIZE_RETRY_MS = 5_000;

/**
 * The merchant's balance once an open payout ends: a payout that ends in error gives the money
 * back (`balanceChange` is what to store); any other end leaves the balance as it is.
 */
function ledgerOnEnd(
  view: LockedView,
  payout: Payout,
  status: PayoutStatus,
): { balance: number; balanceChange: { balances?: Readonly<Record<string, number>> } } {
  const before = view.balance(payout.merchantId) ?? 0;
  if (status !== 'error') return { balance: before, balanceChange: {} };
  const balance = before + payout.amountMinor;
  return { balance, balanceChange: { balances: { [payout.merchantId]: balance } } };
}

/**
 * The postbacks a payout that became final sends: none without a post link (the legacy
 * iban_payout takes none; every other method requires one). `view` counts the payment's
 * postbacks so far, under the lock (none for a new payout).
 */
export function finalPostbacks(
  deps: Pick<PayoutServiceDeps, 'notifier'>,
  payout: Payout,
  balanceMinor: number,
  plan?: PostbackPlan,
  view?: LockedView,
): Postback[] {
  if (payout.postLink === '') return [];
  const already = view ? view.postbacksOf(payout.paymentId).length : 0;
  return deps.notifier?.prepare(payout, balanceMinor, plan, already) ?? [];
}

/** The zone `pg_order_time_limit` is read in, in minutes east of UTC. */
export function timeLimitOffsetMinutes(
  deps: Pick<PayoutServiceDeps, 'timeLimitOffsetMinutes'>,
): number {
  return deps.timeLimitOffsetMinutes ?? GATEWAY_ZONE_OFFSET_MINUTES;
}
