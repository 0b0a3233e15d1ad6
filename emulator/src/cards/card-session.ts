/**
 * A card-saving session: what `cardstorage/add` (and its `add2`, `cardstoragepayout/add` and
 * `/g2g/cardstorage/add` twins) opens and the hosted page or `payment_acs` closes
 * (docs/gateway/card-storage.md §3–§5, §10). Its life is a state table (docs/style.md principle 3):
 *
 *   created      → awaiting-3ds | approved | failed
 *   awaiting-3ds → approved | failed
 *   approved, failed: final
 *
 * Anything else is a bug in the caller, so it throws.
 */
export type CardSessionState = 'created' | 'awaiting-3ds' | 'approved' | 'failed';

const TRANSITIONS: Record<CardSessionState, readonly CardSessionState[]> = {
  created: ['awaiting-3ds', 'approved', 'failed'],
  'awaiting-3ds': ['approved', 'failed'],
  approved: [],
  failed: [],
};

export function isFinalSessionState(state: CardSessionState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function canTransitionSession(from: CardSessionState, to: CardSessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Which request opened the session, and so which card it saves and which answers it gives. */
export type CardSessionVariant =
  /** `/v1/merchant/{id}/cardstorage/add`, script `add`. */
  | 'add'
  /** `/v1/merchant/{id}/cardstorage/add2`, script `add2`. */
  | 'add2'
  /** `/v1/merchant/{id}/cardstoragepayout/add`: the card can only be paid out to (docs/gateway/card-storage.md §1). */
  | 'payout'
  /** `/g2g/cardstorage/add` (PCI): the number comes in the request; 3DS ends in `payment_acs`. */
  | 'gateway';

export interface SessionFailure {
  readonly code: number;
  readonly description: string;
}

/**
 * The card as typed, held only while the issuer's 3DS page is open, so the card can be saved once
 * the password passes. The CVC is never kept.
 */
export interface PendingCard {
  readonly pan: string;
  readonly holder: string;
  readonly month: string;
  readonly year: string;
}

export interface IssuerAnswer {
  readonly passed: boolean;
  readonly reason: string;
  /** The `PaRes` the merchant must send back in `payment_acs`. */
  readonly pares: string;
  readonly code?: number;
  readonly description?: string;
}

export interface SessionChange {
  readonly state: CardSessionState;
  /** ISO 8601, from the sandbox clock. */
  readonly at: string;
  readonly reason: string;
}

export interface CardSession {
  /** `pg_payment_id` of the `add` answer and the callback (numeric in every sample, §3). */
  readonly paymentId: number;
  readonly merchantId: string;
  readonly userId: string;
  /** `pg_order_id`; `''` when not sent (the answer then carries an empty element). */
  readonly orderId: string;
  readonly postLink: string;
  readonly backLink: string;
  readonly variant: CardSessionVariant;
  readonly state: CardSessionState;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The saved card's token, once `approved`. */
  readonly cardToken?: string;
  /** Why the session failed, once `failed`: what the failure callback carries. */
  readonly failure?: SessionFailure;
  /** Present while `awaiting-3ds` only. */
  readonly pendingCard?: PendingCard;
  /**
   * The issuer's answer on a Gateway (PCI) session: given on the 3DS page, carried back by the
   * merchant in `payment_acs` (as `pg_pares`), which ends the session with it.
   */
  readonly issuer?: IssuerAnswer;
  readonly history: readonly SessionChange[];
  /** The hex id in the view URL (`…/cardstorage/view?pg_payment_id=<hex>`, §3). */
  readonly viewId: string;
}

export class InvalidSessionTransitionError extends Error {
  constructor(
    readonly paymentId: number,
    readonly from: CardSessionState,
    readonly to: CardSessionState,
    detail?: string,
  ) {
    super(
      detail === undefined
        ? `card session ${paymentId} cannot go from ${from} to ${to}`
        : `card session ${paymentId} cannot go from ${from} to ${to}: ${detail}`,
    );
    this.name = 'InvalidSessionTransitionError';
  }
}

export interface NewCardSession {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly userId: string;
  readonly orderId: string;
  readonly postLink: string;
  readonly backLink: string;
  readonly variant: CardSessionVariant;
  readonly viewId: string;
}

/** A session in `created`, its history starting with that state. */
export function createCardSession(
  input: NewCardSession,
  at: string,
  reason = 'opened by the add request',
): CardSession {
  return {
    ...input,
    state: 'created',
    createdAt: at,
    updatedAt: at,
    history: [{ state: 'created', at, reason }],
  };
}

/**
 * What a move brings with it: `pendingCard` entering `awaiting-3ds`, `cardToken` entering
 * `approved`, `failure` entering `failed`. Each is required there and refused elsewhere.
 */
export interface SessionTransitionExtra {
  readonly cardToken?: string;
  readonly failure?: SessionFailure;
  readonly pendingCard?: PendingCard;
}

const REQUIRED: Record<CardSessionState, keyof SessionTransitionExtra | undefined> = {
  created: undefined,
  'awaiting-3ds': 'pendingCard',
  approved: 'cardToken',
  failed: 'failure',
};

export function transitionSession(
  session: CardSession,
  to: CardSessionState,
  at: string,
  reason: string,
  extra: SessionTransitionExtra = {},
): CardSession {
  const refuse = (detail?: string): never => {
    throw new InvalidSessionTransitionError(session.paymentId, session.state, to, detail);
  };
  if (!canTransitionSession(session.state, to)) refuse();
  const required = REQUIRED[to];
  if (required !== undefined && extra[required] === undefined) {
    refuse(`entering ${to} needs ${required}`);
  }
  for (const key of Object.keys(extra) as (keyof SessionTransitionExtra)[]) {
    if (extra[key] !== undefined && key !== required) {
      refuse(`${key} belongs to ${stateNeeding(key)}, not ${to}`);
    }
  }
  // The typed card leaves with the 3DS page: a final session keeps only the token or the failure.
  const { pendingCard: _typed, ...rest } = session;
  return {
    ...rest,
    ...(extra.cardToken !== undefined ? { cardToken: extra.cardToken } : {}),
    ...(extra.failure !== undefined ? { failure: extra.failure } : {}),
    ...(extra.pendingCard !== undefined ? { pendingCard: extra.pendingCard } : {}),
    state: to,
    updatedAt: at,
    history: [...session.history, { state: to, at, reason }],
  };
}

function stateNeeding(key: keyof SessionTransitionExtra): string {
  const entry = Object.entries(REQUIRED).find(([, needed]) => needed === key);
  return entry?.[0] ?? 'no state';
}
