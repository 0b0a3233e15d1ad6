import { findCard, cardHash } from '../cards/test-cards.js';
import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Randomness } from '../randomness.js';
import type { Store } from '../store/store.js';
import { chooseOutcome, type Decision } from './outcome.js';
import { transition, type Payout, type PayoutError, type PendingFinal } from './payout.js';
import type { PayoutRequest } from './request.js';

export interface PayoutServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  /** Called after a payout reached a final status later than its first answer. */
  readonly onFinalized?: (payout: Payout) => void;
}

/** Refused before a payout exists: nothing is stored. */
export interface Rejection {
  readonly kind: 'rejected';
  readonly error: GatewayErrorSpec;
  /** What the developer should do about it; for the hint header and the log, not the body. */
  readonly hint: string;
}

export interface Created {
  readonly kind: 'created';
  readonly payout: Payout;
  readonly decision: Decision;
  /** The merchant's payout balance after this payout, in minor units. */
  readonly balanceMinor: number;
}

/** Builds the answer's fields for a new payout, so the payout is stored with its answer at once. */
export type AnswerBuilder = (payout: Payout, balanceMinor: number) => Record<string, string>;

export class PayoutService {
  private readonly timers = new Map<number, ScheduledTask>();

  constructor(private readonly deps: PayoutServiceDeps) {}

  /** The payout balance, opening balance included for a merchant that has made no payout yet. */
  balance(merchant: Merchant): number {
    return this.deps.store.balance(merchant.id) ?? merchant.openingBalanceMinor;
  }

  /**
   * Checks, decides and stores a payout, then resolves once it is on disk. Everything before the
   * commit runs in one synchronous stretch, so parallel requests see each other's payouts.
   */
  async create(
    request: PayoutRequest,
    merchant: Merchant,
    buildAnswer: AnswerBuilder,
  ): Promise<Rejection | Created> {
    const { store, clock, randomness } = this.deps;
    const card = findCard({ token: request.cardToken, id: request.cardId });
    if (!card) return rejectUnknownCard(request);

    const previous = store.latestPayoutForOrder(merchant.id, request.orderId);
    if (previous && previous.status !== 'error') {
      return {
        kind: 'rejected',
        error: GatewayErrors.duplicateOrder,
        hint: `pg_order_id "${request.orderId}" is payment ${previous.paymentId} (${previous.status}); use a new order id. An order whose payout ended in error may be reused.`,
      };
    }

    const balanceBefore = this.balance(merchant);
    if (request.amountMinor > balanceBefore) {
      return {
        kind: 'rejected',
        error: GatewayErrors.insufficientBalance,
        hint: `the payout balance of merchant ${merchant.id} is ${balanceBefore / 100}; configure a larger opening balance in the merchants file`,
      };
    }

    const decision = chooseOutcome(request, { card });
    const now = clock.now();
    const at = isoTime(now);
    const paymentId = randomness.nextPaymentId(store.lastPaymentId());
    const outcome = decision.outcome;
    // A declined payout is debited and credited back in the same instant: the balance stays.
    const balanceAfter =
      outcome.kind === 'error' ? balanceBefore : balanceBefore - request.amountMinor;
    const error = outcome.kind === 'error' ? payoutError(outcome.code) : undefined;
    const pendingFinal: PendingFinal | undefined =
      outcome.kind === 'process'
        ? {
            status: outcome.then.kind,
            ...(outcome.then.kind === 'error' ? { error: payoutError(outcome.then.code) } : {}),
            dueAt: isoTime(now + outcome.afterMs),
          }
        : undefined;

    const base: Payout = {
      paymentId,
      merchantId: merchant.id,
      orderId: request.orderId,
      userId: request.userId,
      amountMinor: request.amountMinor,
      cardToken: card.token,
      cardId: card.id,
      cardHash: cardHash(card.pan),
      postLink: request.postLink,
      orderTimeLimit: request.orderTimeLimit,
      status: outcome.kind,
      ...(error ? { error } : {}),
      ...(pendingFinal ? { pendingFinal } : {}),
      createdAt: at,
      updatedAt: at,
      history: [{ status: outcome.kind, at, reason: decision.reason, ...(error ? { error } : {}) }],
      request: request.fields,
      answer: {},
    };
    const payout: Payout = { ...base, answer: buildAnswer(base, balanceAfter) };

    await store.commit({
      payouts: [payout],
      balances: { [merchant.id]: balanceAfter },
      lastPaymentId: paymentId,
    });
    if (payout.pendingFinal) this.scheduleFinal(payout.paymentId, payout.pendingFinal);
    return { kind: 'created', payout, decision, balanceMinor: balanceAfter };
  }

  /** Re-arms the timers of payouts still in `process`, after a restart. */
  resumePending(): void {
    for (const payout of this.deps.store.payouts()) {
      if (payout.status === 'process' && payout.pendingFinal) {
        this.scheduleFinal(payout.paymentId, payout.pendingFinal);
      }
    }
  }

  /** Moves a `process` payout to its final status now; a no-op for one that is final already. */
  async finalize(paymentId: number): Promise<Payout | undefined> {
    const { store, clock } = this.deps;
    this.timers.get(paymentId)?.cancel();
    this.timers.delete(paymentId);
    const payout = store.payout(paymentId);
    if (!payout || payout.status !== 'process' || !payout.pendingFinal) return payout;
    const final = payout.pendingFinal;
    const at = isoTime(clock.now());
    const next = transition(payout, final.status, at, 'processing finished', final.error);
    const balance = store.balance(payout.merchantId) ?? 0;
    await store.commit({
      payouts: [next],
      // A payout that ends in error gives the money back.
      ...(final.status === 'error'
        ? { balances: { [payout.merchantId]: balance + payout.amountMinor } }
        : {}),
    });
    this.deps.onFinalized?.(next);
    return next;
  }

  /** Stops the timers; pending payouts stay in the store and resume on the next start. */
  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  private scheduleFinal(paymentId: number, final: PendingFinal): void {
    this.timers.get(paymentId)?.cancel();
    const task = this.deps.clock.schedule(Date.parse(final.dueAt), async () => {
      // A failed write is retried on the next start, when the payout is still in `process`.
      await this.finalize(paymentId).catch(() => {});
    });
    this.timers.set(paymentId, task);
  }
}

function rejectUnknownCard(request: PayoutRequest): Rejection {
  const which =
    request.cardToken !== undefined
      ? `pg_card_token_to "${request.cardToken}"`
      : `pg_card_id_to "${request.cardId ?? ''}"`;
  return {
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint: `${which} is not a saved card; use one of the test cards listed at GET /__sandbox/cards`,
  };
}

/** The error a final outcome carries, described from the catalogue when the code is in it. */
export function payoutError(code: number): PayoutError {
  return { code, description: gatewayErrorByCode(code)?.description ?? `Payment error ${code}` };
}
