import type { CardOutcome } from '../cards/test-cards.js';
import type { PostbackPlan } from '../postbacks/postback.js';
import type { Fields } from '../signature/signature.js';

/**
 * What the gateway decides for a payout request that passed its checks, and the seam where the
 * scenario engine plugs in: the service asks an `OutcomeChooser`, the default one answers from
 * the test card (docs/style.md principle 2).
 */
export type FinalOutcome =
  | { readonly status: 'ok' }
  | { readonly status: 'error'; readonly code: number; readonly description?: string };

export type Outcome =
  | FinalOutcome
  | { readonly status: 'process'; readonly then: FinalOutcome; readonly afterMs?: number };

/** What the HTTP answer suffers, on top of the outcome. */
export const TRANSPORT_FAULTS = [
  'http-500',
  'http-502',
  'http-503',
  'drop',
  'truncated-xml',
  'malformed-xml',
] as const;
export type TransportFault = (typeof TRANSPORT_FAULTS)[number];

/** A transport fault, or an answer whose `pg_sig` does not verify. */
export const FAULT_TYPES = [...TRANSPORT_FAULTS, 'bad-signature'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface Fault {
  readonly type: FaultType;
  /**
   * `after` (default): the payout is made, then the answer is lost or broken, so the client
   * must ask for the status. `before`: the gateway failed first and nothing is stored.
   */
  readonly when: 'before' | 'after';
}

export interface Decision {
  readonly outcome: Outcome;
  /** Which rule chose it, in words, for the request journal and the log line. */
  readonly reason: string;
  readonly ruleId?: string;
  readonly latencyMs?: number;
  readonly fault?: Fault;
  /** How the postback is delivered: delay, duplicate, out of order. */
  readonly postback?: PostbackPlan;
  /** Something the developer should know about how the choice was made. */
  readonly hint?: string;
}

export interface ChoiceContext {
  /** The `X-Sandbox-Scenario` header, when the client sent one. */
  readonly scenarioHeader?: string;
}

/**
 * Every gateway step a scenario can decide: the payout methods, the payout page's card number
 * typed (`payout-page`: its outcome; `reg2nonreg` is the call that opens it), and the steps of
 * saving a card (the hosted page's submit, the issuer's 3DS check, the Gateway's add).
 */
export const CHOICE_METHODS = [
  'reg2reg',
  'reg2nonreg',
  'payout-page',
  'p2p2nonreg',
  'to_iban',
  'iban_payout',
  'cardstorage/add',
  'cardstorage/3ds',
  'g2g/cardstorage/add',
] as const;
export type ChoiceMethod = (typeof CHOICE_METHODS)[number];

/** The steps that make payouts: what a rule that names no method decides. */
export const PAYOUT_CHOICE_METHODS: readonly ChoiceMethod[] = [
  'reg2reg',
  'reg2nonreg',
  'payout-page',
  'p2p2nonreg',
  'to_iban',
  'iban_payout',
];

/** What a scenario rule sees of a request, whatever the method. */
export interface ChoiceRequest {
  readonly method: ChoiceMethod;
  /** The request's fields, as rules match them. */
  readonly fields: Fields;
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  /** The card the step is about, when there is one. */
  readonly cardToken?: string;
}

/**
 * Decides a step: a scenario's rule, else `fallback` (the card's documented outcome). A promise
 * when the scenario state is shared by several processes (PostgreSQL: scenarios/state.ts) and
 * must be read first; callers await it.
 */
export type OutcomeChooser = (
  request: ChoiceRequest,
  fallback: Decision,
  context: ChoiceContext,
) => Decision | Promise<Decision>;

/** How long a `process` payout stays in `process` when nothing else says so. */
export const DEFAULT_PROCESS_DELAY_MS = 5_000;

/** The documented outcome of a card's number (docs/gateway/payouts.md §5; any other number: ok). */
export function cardDecision(outcome: CardOutcome, reason: string): Decision {
  switch (outcome.kind) {
    case 'ok':
      return { outcome: { status: 'ok' }, reason };
    case 'error':
      return { outcome: { status: 'error', code: outcome.code }, reason };
    case 'process':
      return {
        outcome: {
          status: 'process',
          then:
            outcome.then === 'ok'
              ? { status: 'ok' }
              : { status: 'error', code: outcome.then.errorCode },
        },
        reason,
      };
  }
}

/** No scenarios: the fallback decides. */
export const fallbackChooser: OutcomeChooser = (_request, fallback) => fallback;
