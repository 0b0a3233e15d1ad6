import type { TestCard } from '../cards/test-cards.js';
import type { PayoutRequest } from './request.js';

/**
 * What the gateway decides for an accepted payout request. A pure function of the request and
 * what the sandbox knows, so the scenario engine can put its own rules in front of the defaults
 * without touching the service (docs/style.md principle 2).
 */
export type FinalOutcome =
  { readonly kind: 'ok' } | { readonly kind: 'error'; readonly code: number };

export type Outcome =
  | FinalOutcome
  | { readonly kind: 'process'; readonly then: FinalOutcome; readonly afterMs: number };

export interface Decision {
  readonly outcome: Outcome;
  /** Which rule chose it, in words, for the request journal and the log line. */
  readonly reason: string;
}

/** How long a `process` payout stays in `process` when nothing else says so. */
export const DEFAULT_PROCESS_DELAY_MS = 5_000;

export interface OutcomeContext {
  readonly card: TestCard;
}

export function chooseOutcome(_request: PayoutRequest, context: OutcomeContext): Decision {
  const { card } = context;
  const reason = `test card ${card.pan}: ${card.documented}`;
  const outcome = card.outcome;
  switch (outcome.kind) {
    case 'ok':
      return { outcome: { kind: 'ok' }, reason };
    case 'error':
      return { outcome: { kind: 'error', code: outcome.code }, reason };
    case 'process':
      return {
        outcome: {
          kind: 'process',
          then:
            outcome.then === 'ok'
              ? { kind: 'ok' }
              : { kind: 'error', code: outcome.then.errorCode },
          afterMs: DEFAULT_PROCESS_DELAY_MS,
        },
        reason,
      };
  }
}
