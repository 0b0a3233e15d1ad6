import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import { newViewId } from '../cards/ids.js';
import { cardHash } from '../cards/test-cards.js';
import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Decided, LockedView, Store } from '../store/store.js';
import {
  cardDecision,
  fallbackChooser,
  type ChoiceContext,
  type Decision,
  type FinalOutcome,
  type Outcome,
  type OutcomeChooser,
} from './outcome.js';
import { describeNumber, resolveTarget } from './target.js';
import { pageExpiry, payoutError, pendingFinalOf } from './pending-final.js';
import {
  transition,
  type Payout,
  type PayoutDestination,
  type PayoutStatus,
  type PendingFinal,
} from './payout.js';
import type { PayoutRequest } from './request.js';
import { GATEWAY_ZONE_OFFSET_MINUTES } from './time-limit.js';

/** Turns a payout that became final into postbacks, stored in the same commit as the payout. */
export interface FinalNotifier {
  /** `already`: how many postbacks the payment has (ids are `<payment id>-<n>`). */
  prepare(payout: Payout, balanceMinor: number, plan?: PostbackPlan, already?: number): Postback[];
  activate(postbacks: readonly Postback[]): void;
  /** Set when no more postbacks can be queued: then no payout is taken. */
  capacityProblem(): string | undefined;
}

export interface PayoutServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  /** Chooses the outcome of a payout that passed the checks; the test card's by default. */
  readonly chooseOutcome?: OutcomeChooser;
  /** Sends the postback of every payout that becomes final; none without one. */
  readonly notifier?: FinalNotifier;
  /** The zone `pg_order_time_limit` is read in, in minutes east of UTC (+05:00 by default). */
  readonly timeLimitOffsetMinutes?: number;
}

/** Refused before a payout exists: nothing is stored. */
export interface Rejection {
  readonly kind: 'rejected';
  readonly error: GatewayErrorSpec;
  /** A description other than the catalogue's, when a scenario gave one. */
  readonly description?: string;
  /** What the developer should do about it; for the hint header and the log, not the body. */
  readonly hint?: string;
  /** Set when a scenario rule chose the refusal (with its latency and fault). */
  readonly decision?: Decision;
}

/** A scripted failure before the gateway did anything: nothing is stored, the answer breaks. */
export interface FailedFirst {
  readonly kind: 'failed-first';
  readonly decision: Decision;
}

export interface Created {
  readonly kind: 'created';
  readonly payout: Payout;
  readonly decision: Decision;
  /** The merchant's payout balance after this payout, in minor units. */
  readonly balanceMinor: number;
}

/** What ending an open payout came to: `not-open` when it had ended already (elsewhere too). */
type Ended = { readonly kind: 'ended'; readonly payout: Payout } | NotOpen;
type NotOpen = { readonly kind: 'not-open'; readonly payout: Payout | undefined };

export class PayoutService {
  private readonly timers = new Map<number, ScheduledTask>();
  /** A shared store's sweep for payouts whose timer another (maybe dead) process held. */
  private sweep: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: PayoutServiceDeps) {}

  /** The payout balance, opening balance included for a merchant that has made no payout yet. */
  async balance(merchant: Merchant): Promise<number> {
    return (await this.deps.store.balance(merchant.id)) ?? merchant.openingBalanceMinor;
  }

  /**
   * Checks, decides and stores a payout, then resolves once it is durable. The early checks read
   * the store and answer most refusals; the order and the balance are checked again, locked, in
   * the `atomically` that stores the payout, so parallel requests (or processes) with one order
   * id make one payout and never take the balance below zero.
   */
  async create(
    request: PayoutRequest,
    merchant: Merchant,
    context: ChoiceContext = {},
  ): Promise<Rejection | FailedFirst | Created> {
    const { store, clock, randomness } = this.deps;
    const target = await resolveTarget(store, request, merchant, () =>
      newViewId(() => randomness.idDraw()),
    );
    if ('kind' in target) return target;

    const duplicate = duplicateOrder(
      await store.latestPayoutForOrder(merchant.id, request.orderId),
      request,
    );
    if (duplicate) return duplicate;
    const short = shortBalance(await this.balance(merchant), request, merchant);
    if (short) return short;

    const full = this.deps.notifier?.capacityProblem();
    if (full !== undefined) {
      return { kind: 'rejected', error: GatewayErrors.systemError, hint: full };
    }

    const decision: Decision = await (this.deps.chooseOutcome ?? fallbackChooser)(
      {
        method: request.method,
        fields: { ...request.fields, ...target.choiceFields },
        merchantId: request.merchantId,
        orderId: request.orderId,
        userId: request.userId,
        ...(target.cardToken !== undefined ? { cardToken: target.cardToken } : {}),
      },
      target.fallback ?? { outcome: { status: 'ok' }, reason: PAGE_OPENED },
      context,
    );
    if (decision.fault?.when === 'before') return { kind: 'failed-first', decision };
    const waiting = target.destination.kind === 'payout-page';
    // A payout page decides nothing until the recipient typed a number (the `payout-page`
    // step): the call itself takes only a scenario's latency, fault or refusal.
    const outcome: Outcome = waiting ? { status: 'ok' } : decision.outcome;
    if (decision.outcome.status === 'error') {
      const chosen = decision.outcome;
      const spec = gatewayErrorByCode(chosen.code);
      // A refusal code (bad signature, validation, ...) chosen by a scenario refuses the request
      // as the gateway would: no payment is made.
      if (spec?.kind === 'request') {
        return {
          kind: 'rejected',
          error: spec,
          ...(chosen.description !== undefined ? { description: chosen.description } : {}),
          decision,
        };
      }
    }

    const now = clock.now();
    const at = isoTime(now);
    // Drawn in this order (payment id, then salt) so a seeded run gives the same ids and salts.
    const paymentId = await store.nextPaymentId((last) => randomness.nextPaymentId(last));
    const salt = randomness.salt();
    const status: PayoutStatus = waiting ? 'waiting' : outcome.status;
    const error = outcome.status === 'error' ? payoutError(outcome) : undefined;
    const pendingFinal: PendingFinal | undefined = waiting
      ? pageExpiry(now, request.orderTimeLimit, this.offsetMinutes())
      : outcome.status === 'process'
        ? pendingFinalOf(outcome, now, request.orderTimeLimit, decision, this.offsetMinutes())
        : undefined;

    // Its balance is known once the balance is locked; set there, in this place among the fields.
    const draft: Payout = {
      paymentId,
      merchantId: merchant.id,
      orderId: request.orderId,
      userId: request.userId,
      amountMinor: request.amountMinor,
      method: request.method,
      destination: target.destination,
      postLink: request.postLink,
      orderTimeLimit: request.orderTimeLimit,
      status,
      ...(error ? { error } : {}),
      ...(pendingFinal ? { pendingFinal } : {}),
      createdAt: at,
      updatedAt: at,
      history: [{ status, at, reason: decision.reason, ...(error ? { error } : {}) }],
      balanceAfterMinor: 0,
      request: request.fields,
      answerSeal: {
        salt,
        ...(request.origin !== undefined ? { origin: request.origin } : {}),
        ...(decision.fault?.type === 'bad-signature' ? { badSignature: true } : {}),
      },
    };
    const stored = await store.atomically(
      { orders: [{ merchantId: merchant.id, orderId: request.orderId }], balances: [merchant.id] },
      (
        view,
      ): Decided<Rejection | { payout: Payout; postbacks: Postback[]; balanceAfter: number }> => {
        const refused =
          duplicateOrder(view.latestPayoutForOrder(merchant.id, request.orderId), request) ??
          shortBalance(
            view.balance(merchant.id) ?? merchant.openingBalanceMinor,
            request,
            merchant,
          );
        if (refused) return { result: refused };
        const balanceBefore = view.balance(merchant.id) ?? merchant.openingBalanceMinor;
        // A declined payout is debited and credited back in the same instant: the balance
        // stays. A payout page holds the amount while it waits.
        const balanceAfter =
          outcome.status === 'error' ? balanceBefore : balanceBefore - request.amountMinor;
        const payout: Payout = { ...draft, balanceAfterMinor: balanceAfter };
        // A payout final at once notifies at once; a `process` or `waiting` one when it ends
        // (docs/decisions/0007).
        const postbacks = pendingFinal ? [] : this.notify(payout, balanceAfter, decision.postback);
        return {
          change: {
            payouts: [payout],
            balances: { [merchant.id]: balanceAfter },
            lastPaymentId: paymentId,
            postbacks,
          },
          result: { payout, postbacks, balanceAfter },
        };
      },
    );
    if ('kind' in stored) return stored;
    const { payout, postbacks, balanceAfter } = stored;
    this.deps.notifier?.activate(postbacks);
    if (payout.pendingFinal) this.scheduleFinal(payout.paymentId, payout.pendingFinal);
    const expiredAtOnce = pendingFinal?.error?.code === GatewayErrors.orderExpired.code;
    return {
      kind: 'created',
      payout,
      decision: expiredAtOnce
        ? {
            ...decision,
            hint: `pg_order_time_limit ${request.orderTimeLimit} has passed: this process payout ends in error ${GatewayErrors.orderExpired.code} at once`,
          }
        : decision,
      balanceMinor: balanceAfter,
    };
  }

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
        ? pendingFinalOf(outcome, now, payout.orderTimeLimit, decision, this.offsetMinutes())
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
          const before = view.balance(current.merchantId) ?? 0;
          const balance = outcome.status === 'error' ? before + current.amountMinor : before;
          const postbacks = pendingFinal ? [] : this.notify(next, balance, decision.postback, view);
          return {
            change: {
              payouts: [next],
              ...(outcome.status === 'error'
                ? { balances: { [current.merchantId]: balance } }
                : {}),
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
    let running = false;
    this.sweep = setInterval(() => {
      if (running) return;
      running = true;
      this.deps.store
        .duePayouts(this.deps.clock.now(), SWEEP_BATCH)
        .then((due) => {
          for (const payout of due) {
            if (payout.pendingFinal && !this.timers.has(payout.paymentId)) {
              this.scheduleFinal(payout.paymentId, payout.pendingFinal);
            }
          }
        })
        .catch(() => {
          // The store could not be read: the next sweep tries again.
        })
        .finally(() => (running = false));
    }, SWEEP_EVERY_MS);
    this.sweep.unref();
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
        const before = view.balance(current.merchantId) ?? 0;
        // A payout that ends in error gives the money back.
        const balance = to.status === 'error' ? before + current.amountMinor : before;
        const postbacks = this.notify(next, balance, to.postback, view);
        return {
          change: {
            payouts: [next],
            ...(to.status === 'error' ? { balances: { [current.merchantId]: balance } } : {}),
            postbacks,
          },
          result: { kind: 'ended', payout: next, postbacks },
        };
      },
    );
    if (ended.postbacks) this.deps.notifier?.activate(ended.postbacks);
    return ended;
  }

  /**
   * The postbacks a payout that became final sends: none without a post link (the legacy
   * iban_payout takes none; every other method requires one). `view` counts the payment's
   * postbacks so far, under the lock (none for a new payout).
   */
  private notify(
    payout: Payout,
    balanceMinor: number,
    plan?: PostbackPlan,
    view?: LockedView,
  ): Postback[] {
    if (payout.postLink === '') return [];
    const already = view ? view.postbacksOf(payout.paymentId).length : 0;
    return this.deps.notifier?.prepare(payout, balanceMinor, plan, already) ?? [];
  }

  /** The zone `pg_order_time_limit` is read in, in minutes east of UTC. */
  private offsetMinutes(): number {
    return this.deps.timeLimitOffsetMinutes ?? GATEWAY_ZONE_OFFSET_MINUTES;
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

  private scheduleFinal(paymentId: number, final: PendingFinal): void {
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

const PAGE_OPENED = 'payout page opened: waiting for the recipient';

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

/** A payout exists for the order and did not end in error: the order id is taken. */
function duplicateOrder(
  previous: Payout | undefined,
  request: PayoutRequest,
): Rejection | undefined {
  if (!previous || previous.status === 'error') return undefined;
  return {
    kind: 'rejected',
    error: GatewayErrors.duplicateOrder,
    hint: `pg_order_id "${request.orderId}" is payment ${previous.paymentId} (${previous.status}); use a new order id. An order whose payout ended in error may be reused.`,
  };
}

function shortBalance(
  balance: number,
  request: PayoutRequest,
  merchant: Merchant,
): Rejection | undefined {
  if (request.amountMinor <= balance) return undefined;
  return {
    kind: 'rejected',
    error: GatewayErrors.insufficientBalance,
    hint: `the payout balance of merchant ${merchant.id} is ${balance / 100}; configure a larger opening balance in the merchants file`,
  };
}
