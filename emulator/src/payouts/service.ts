import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import type { SavedCard } from '../cards/card.js';
import { isEveryonesCard } from '../cards/everyone.js';
import { TEST_CARDS, type CardOutcome } from '../cards/test-cards.js';
import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_PROCESS_DELAY_MS,
  cardDecision,
  fallbackChooser,
  type ChoiceContext,
  type Decision,
  type FinalOutcome,
  type OutcomeChooser,
} from './outcome.js';
import { transition, type Payout, type PayoutError, type PendingFinal } from './payout.js';
import type { PayoutRequest } from './request.js';
import { GATEWAY_ZONE_OFFSET_MINUTES, timeLimitToEpoch } from './time-limit.js';

/** Turns a payout that became final into postbacks, stored in the same commit as the payout. */
export interface FinalNotifier {
  prepare(payout: Payout, balanceMinor: number, plan?: PostbackPlan): Postback[];
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
    context: ChoiceContext = {},
  ): Promise<Rejection | FailedFirst | Created> {
    const { store, clock, randomness } = this.deps;
    const found = findSavedCard(store, request);
    const refusal = refuseCard(found, request, merchant);
    if (refusal || !found) return refusal ?? rejectUnknownCard(request);
    const card = found;

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

    const full = this.deps.notifier?.capacityProblem();
    if (full !== undefined) {
      return { kind: 'rejected', error: GatewayErrors.systemError, hint: full };
    }

    const decision = (this.deps.chooseOutcome ?? fallbackChooser)(
      {
        method: 'reg2reg',
        // The card fields name the card the payout goes to, however the client named it.
        fields: { ...request.fields, pg_card_token_to: card.token, pg_card_id_to: String(card.id) },
        merchantId: request.merchantId,
        orderId: request.orderId,
        userId: request.userId,
        cardToken: card.token,
      },
      cardDecision(payoutOutcomeForPan(card.pan), describeCard(card)),
      context,
    );
    if (decision.fault?.when === 'before') return { kind: 'failed-first', decision };
    const outcome = decision.outcome;
    if (outcome.status === 'error') {
      const spec = gatewayErrorByCode(outcome.code);
      // A refusal code (bad signature, validation, ...) chosen by a scenario refuses the request
      // as the gateway would: no payment is made.
      if (spec?.kind === 'request') {
        return {
          kind: 'rejected',
          error: spec,
          ...(outcome.description !== undefined ? { description: outcome.description } : {}),
          decision,
        };
      }
    }

    const now = clock.now();
    const at = isoTime(now);
    const paymentId = randomness.nextPaymentId(store.lastPaymentId());
    // A declined payout is debited and credited back in the same instant: the balance stays.
    const balanceAfter =
      outcome.status === 'error' ? balanceBefore : balanceBefore - request.amountMinor;
    const error = outcome.status === 'error' ? payoutError(outcome) : undefined;
    const pendingFinal: PendingFinal | undefined =
      outcome.status === 'process'
        ? this.pendingFinal(outcome, now, request.orderTimeLimit, decision)
        : undefined;

    const payout: Payout = {
      paymentId,
      merchantId: merchant.id,
      orderId: request.orderId,
      userId: request.userId,
      amountMinor: request.amountMinor,
      method: 'reg2reg',
      destination: { kind: 'saved-card', token: card.token, cardId: card.id, hash: card.hash },
      postLink: request.postLink,
      orderTimeLimit: request.orderTimeLimit,
      status: outcome.status,
      ...(error ? { error } : {}),
      ...(pendingFinal ? { pendingFinal } : {}),
      createdAt: at,
      updatedAt: at,
      history: [
        { status: outcome.status, at, reason: decision.reason, ...(error ? { error } : {}) },
      ],
      balanceAfterMinor: balanceAfter,
      request: request.fields,
      answerSeal: {
        salt: randomness.salt(),
        ...(decision.fault?.type === 'bad-signature' ? { badSignature: true } : {}),
      },
    };
    // A payout final at once notifies at once; a `process` one when it ends (docs/decisions/0007).
    const postbacks = pendingFinal
      ? []
      : (this.deps.notifier?.prepare(payout, balanceAfter, decision.postback) ?? []);

    await store.commit({
      payouts: [payout],
      balances: { [merchant.id]: balanceAfter },
      lastPaymentId: paymentId,
      postbacks,
    });
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
   * Where a `process` payout is heading. If `pg_order_time_limit` passes first, the gateway gives
   * up on it: error 360, "Transaction expired" (docs/decisions/0007).
   */
  private pendingFinal(
    outcome: Extract<Decision['outcome'], { status: 'process' }>,
    now: number,
    orderTimeLimit: string,
    decision: Decision,
  ): PendingFinal {
    const finalAt = now + (outcome.afterMs ?? DEFAULT_PROCESS_DELAY_MS);
    const limit = timeLimitToEpoch(
      orderTimeLimit,
      this.deps.timeLimitOffsetMinutes ?? GATEWAY_ZONE_OFFSET_MINUTES,
    );
    const plan = decision.postback ? { postback: decision.postback } : {};
    if (limit !== undefined && limit < finalAt) {
      return {
        status: 'error',
        error: payoutError({ status: 'error', code: GatewayErrors.orderExpired.code }),
        dueAt: isoTime(Math.max(now, limit)),
        reason: `pg_order_time_limit ${orderTimeLimit} passed while in process`,
        ...plan,
      };
    }
    return {
      status: outcome.then.status,
      ...(outcome.then.status === 'error' ? { error: payoutError(outcome.then) } : {}),
      dueAt: isoTime(finalAt),
      reason: 'processing finished',
      ...plan,
    };
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
    const next = transition(payout, final.status, at, final.reason, final.error);
    const before = store.balance(payout.merchantId) ?? 0;
    // A payout that ends in error gives the money back.
    const balance = final.status === 'error' ? before + payout.amountMinor : before;
    const postbacks = this.deps.notifier?.prepare(next, balance, final.postback) ?? [];
    await store.commit({
      payouts: [next],
      ...(final.status === 'error' ? { balances: { [payout.merchantId]: balance } } : {}),
      postbacks,
    });
    this.deps.notifier?.activate(postbacks);
    return next;
  }

  /** Stops the timers; pending payouts stay in the store and resume on the next start. */
  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
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

/** How long a payout whose final write failed waits before the next try, on the sandbox clock. */
const FINALIZE_RETRY_MS = 5_000;

/** A token wins over an id when both are sent (the legacy SDK sends an id, newer clients a token). */
function findSavedCard(store: Store, request: PayoutRequest): SavedCard | undefined {
  if (request.cardToken !== undefined) return store.card(request.cardToken.toLowerCase());
  if (request.cardId !== undefined) return store.cardById(Number(request.cardId));
  return undefined;
}

/**
 * A card is paid to only by the merchant and user who saved it (the test cards are everyone's),
 * and not once it is removed. The gateway's code for these is not documented: the sandbox
 * answers its "card not found" (docs/decisions/0012-card-storage.md).
 */
function refuseCard(
  card: SavedCard | undefined,
  request: PayoutRequest,
  merchant: Merchant,
): Rejection | undefined {
  if (!card) return undefined;
  const which =
    request.cardToken !== undefined
      ? `pg_card_token_to "${request.cardToken}"`
      : `pg_card_id_to "${request.cardId ?? ''}"`;
  const refuse = (hint: string): Rejection => ({
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint,
  });
  if (card.status === 'deleted') {
    return refuse(
      `${which} was removed${card.deletedAt ? ` at ${card.deletedAt}` : ''}; save the card again to pay out to it`,
    );
  }
  if (isEveryonesCard(card)) return undefined;
  if (card.merchantId !== merchant.id) {
    return refuse(
      `${which} was saved for another merchant; each merchant pays out to its own users' cards`,
    );
  }
  if (card.userId !== request.userId) {
    return refuse(
      `${which} belongs to another pg_user_id than "${request.userId}"; send the user the card was saved for`,
    );
  }
  return undefined;
}

/** How the payout's reason names the card: the documented outcome of a test card, else its mask. */
function describeCard(card: SavedCard): string {
  const documented = TEST_CARDS.find((test) => test.token === card.token);
  return documented
    ? `test card ${documented.pan}: ${documented.documented}`
    : `saved card ${card.hash}: ${describeOutcome(payoutOutcomeForPan(card.pan))}`;
}

function describeOutcome(outcome: CardOutcome): string {
  if (outcome.kind === 'ok') return 'success';
  if (outcome.kind === 'error') return `error ${outcome.code}`;
  return outcome.then === 'ok'
    ? 'process, later success'
    : `process, later error ${outcome.then.errorCode}`;
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

/** The error a final outcome carries: its own description, else the catalogue's. */
export function payoutError(outcome: Extract<FinalOutcome, { status: 'error' }>): PayoutError {
  return {
    code: outcome.code,
    description:
      outcome.description ??
      gatewayErrorByCode(outcome.code)?.description ??
      `Payment error ${outcome.code}`,
  };
}
