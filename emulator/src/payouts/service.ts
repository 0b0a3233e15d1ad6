import { newViewId } from '../cards/ids.js';
import { isoTime, type Clock } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Decided, Store } from '../store/store.js';
import {
  fallbackChooser,
  type ChoiceContext,
  type Decision,
  type FinalOutcome,
  type Outcome,
  type OutcomeChooser,
} from './outcome.js';
import { resolveTarget } from './target.js';
import { finalPostbacks, PayoutEndings, timeLimitOffsetMinutes } from './payout-endings.js';
import { pageExpiry, payoutError, pendingFinalOf } from './pending-final.js';
import type { Payout, PayoutStatus, PendingFinal } from './payout.js';
import type { PayoutRequest } from './request.js';

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

/**
 * Takes payouts: checks, decides and stores a new one. How an open payout ends (its page, its
 * timer, the shared store's sweep, "finish now") is PayoutEndings' (payout-endings.ts); the
 * service answers for both, so callers hold one object.
 */
export class PayoutService {
  private readonly endings: PayoutEndings;

  constructor(private readonly deps: PayoutServiceDeps) {
    this.endings = new PayoutEndings(deps);
  }

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
      ? pageExpiry(now, request.orderTimeLimit, timeLimitOffsetMinutes(this.deps))
      : outcome.status === 'process'
        ? pendingFinalOf(
            outcome,
            now,
            request.orderTimeLimit,
            decision,
            timeLimitOffsetMinutes(this.deps),
          )
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
        const postbacks = pendingFinal
          ? []
          : finalPostbacks(this.deps, payout, balanceAfter, decision.postback);
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
    if (payout.pendingFinal) this.endings.scheduleFinal(payout.paymentId, payout.pendingFinal);
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

  /** See PayoutEndings.completePage: the recipient typed a card number on the payout page. */
  completePage(
    paymentId: number,
    card: { pan: string; holder?: string },
    context: ChoiceContext = {},
  ): Promise<{ kind: 'completed' | 'not-waiting'; payout: Payout } | undefined> {
    return this.endings.completePage(paymentId, card, context);
  }

  /** Re-arms the timers of payouts still in `process` or `waiting`, after a restart. */
  resumePending(): Promise<void> {
    return this.endings.resumePending();
  }

  /** See PayoutEndings.startSweep: on a shared store, ends due payouts a dead process held. */
  startSweep(): void {
    this.endings.startSweep();
  }

  /** See PayoutEndings.armDue: a clock advance catching up on other processes' due payouts. */
  armDue(dueBy: number): Promise<void> {
    return this.endings.armDue(dueBy);
  }

  /** Moves a `process` payout to its final status now; a no-op for one that is final already. */
  finalize(paymentId: number): Promise<Payout | undefined> {
    return this.endings.finalize(paymentId);
  }

  /** See PayoutEndings.finishNow: the dashboard's "finish now" with the outcome given. */
  finishNow(
    paymentId: number,
    final: FinalOutcome,
  ): Promise<{ kind: 'finished' | 'not-in-process'; payout: Payout } | undefined> {
    return this.endings.finishNow(paymentId, final);
  }

  /**
   * Stops the timers; pending payouts stay in the store and resume on the next start (or on
   * `resumePending`, after a data reset whose write failed). The service stays usable.
   */
  stop(): void {
    this.endings.stop();
  }

  /** For good (the sandbox stops): the timers and the shared store's sweep. */
  close(): void {
    this.endings.close();
  }
}

const PAGE_OPENED = 'payout page opened: waiting for the recipient';

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
