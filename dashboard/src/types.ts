/**
 * The admin API's JSON, as the dashboard reads it (README, "Admin API"). Written here rather
 * than imported from the emulator: the dashboard is a client of the API like any script, and
 * must keep working with what the API answers, not with the sandbox's internals.
 */

export type PayoutStatus = 'waiting' | 'process' | 'ok' | 'error';

export interface PayoutError {
  readonly code: number;
  readonly description: string;
}

export interface StatusChange {
  readonly status: PayoutStatus;
  readonly at: string;
  readonly reason: string;
  readonly error?: PayoutError;
}

export type Destination =
  | {
      readonly kind: 'saved-card';
      readonly token: string;
      readonly cardId: number;
      readonly hash: string;
    }
  | {
      readonly kind: 'card-number';
      readonly pan: string;
      readonly hash: string;
      readonly holder?: string;
    }
  | {
      readonly kind: 'payout-page';
      readonly viewId: string;
      readonly backLink: string;
      readonly pan?: string;
      readonly hash?: string;
    }
  | {
      readonly kind: 'iban';
      readonly iban: string;
      readonly name: string;
      readonly iin: string;
      readonly bik: string;
    };

export interface Payout {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly method: string;
  readonly destination?: Destination;
  readonly postLink: string;
  readonly orderTimeLimit: string;
  readonly status: PayoutStatus;
  readonly error?: PayoutError;
  readonly pendingFinal?: {
    readonly status: 'ok' | 'error';
    readonly error?: PayoutError;
    readonly dueAt: string;
    readonly reason: string;
  };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly StatusChange[];
  readonly balanceAfterMinor?: number;
  readonly request: Readonly<Record<string, string>>;
  readonly answerSeal?: { readonly salt: string; readonly badSignature?: boolean };
  /** `GET /__sandbox/payouts/:id` only: the answer's fields, in order, as sent. */
  readonly answer?: Readonly<Record<string, string>>;
}

/** A list page: the newer routes answer `next_cursor` while more are left. */
export interface Page {
  readonly total?: number;
  readonly limit?: number;
  readonly next_cursor?: string | number | null;
}

export interface PayoutList extends Page {
  readonly payouts: Payout[];
}

export interface DeliveryAttempt {
  readonly at: string;
  readonly salt: string;
  readonly sig: string;
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  readonly response?: string;
  readonly ack?: { readonly status: string; readonly description?: string };
  readonly url: string;
  readonly body: string;
}

export interface Postback {
  readonly id: string;
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly kind: 'notify' | 'duplicate' | 'resend' | 'card-callback';
  readonly format?: 'pg_xml';
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly createdAt: string;
  readonly dueAt?: string;
  readonly holdForNext?: boolean;
  readonly failAttempts?: number;
  readonly attempts: readonly DeliveryAttempt[];
}

export interface PostbackList extends Page {
  readonly postbacks: Postback[];
}

export interface JournalEntry {
  readonly id?: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  readonly scenarioHeader?: string;
  readonly outcome: string;
  readonly ruleId?: string;
  readonly reason: string;
  readonly fault?: string;
  readonly hint?: string;
  readonly ms: number;
}

export interface RequestList extends Page {
  readonly requests: JournalEntry[];
}

export interface Outcome {
  readonly status: 'ok' | 'error' | 'process';
  readonly code?: number;
  readonly description?: string;
  readonly then?: Outcome;
  readonly afterMs?: number;
}

export type Decider =
  | { readonly kind: 'outcome'; readonly outcome: Outcome }
  | {
      readonly kind: 'sequence';
      readonly steps: readonly Outcome[];
      readonly per: string;
      readonly loop: boolean;
    }
  | { readonly kind: 'weighted'; readonly choices: readonly { weight: number; outcome: Outcome }[] }
  | { readonly kind: 'default' };

export interface Rule {
  readonly id: string;
  readonly description?: string;
  readonly priority: number;
  readonly methods: readonly string[];
  readonly match: Readonly<Record<string, unknown>>;
  readonly decider?: Decider;
  readonly probability?: number;
  readonly times?: number;
  readonly latencyMs?: number;
  readonly fault?: { readonly type: string; readonly when: string };
  readonly postback?: Readonly<Record<string, unknown>>;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly apply: 'always' | 'when-selected';
  readonly source: string;
  readonly rules: readonly Rule[];
}

export interface ScenarioStatus {
  readonly dir?: string;
  readonly scenarios: Scenario[];
  readonly problems: readonly {
    readonly file: string;
    readonly line?: number;
    readonly message: string;
  }[];
  /** Pinned scenario names by merchant id; `*` is the pin for all merchants. */
  readonly pinned: Readonly<Record<string, string>>;
}

export interface Merchant {
  readonly pg_merchant_id: string;
  readonly balance: string;
}

export interface ClockStatus {
  readonly now: string;
  readonly nowMs: number;
  readonly speed: number;
  readonly advancedMs: number;
  readonly pending: number;
  readonly next?: string;
}

export interface TestCard {
  readonly pan: string;
  /** Sent as pg_card_token_to. */
  readonly token: string;
  /** Sent as pg_card_id_to. */
  readonly id: number;
  readonly outcome: string;
}

export interface SavedCard {
  readonly token: string;
  readonly id: number;
  readonly merchantId: string;
  readonly userId: string;
  readonly pan: string;
  readonly holder: string;
  readonly month: string;
  readonly year: string;
  readonly hash: string;
  readonly bank: string;
  readonly status: 'approved' | 'deleted';
  readonly createdAt: string;
  readonly payoutOnly: boolean;
  readonly outcome: string;
}

export interface CardList extends Page {
  readonly cards: TestCard[];
  readonly saved: SavedCard[];
}

export interface CardSession {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly userId: string;
  readonly orderId: string;
  readonly variant: string;
  readonly state: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly cardToken?: string;
  readonly failure?: { readonly code: number; readonly description: string };
  readonly history: readonly {
    readonly state: string;
    readonly at: string;
    readonly reason: string;
  }[];
  readonly page?: string;
}

export interface CardSessionList extends Page {
  readonly sessions: CardSession[];
}

/** The one shape admin errors answer: `{ "code": "...", "error": "what to do" }`. */
export interface AdminError {
  readonly code?: string;
  readonly error?: string;
  readonly problems?: unknown;
}
