/**
 * The admin API's request and response shapes, as `GET /__sandbox/*` answers them and the
 * `startSandbox()` helpers resolve with them: the package's public types (index.ts exports these).
 *
 * They live here, apart from the routes in http/, because a type's module is what its `.d.ts`
 * imports: http/ imports express, so a public type declared there would make every user's
 * TypeScript load express's types (and fail without @types/express, or under `node10`). This
 * module imports only the domain's own types, and the routes import their shapes from it.
 * api-types.test.ts checks, at compile time, that the error codes match admin-errors.ts's table.
 */
import type { CardSession, CardSessionState } from '../cards/card-session.js';
import type { SavedCard } from '../cards/card.js';
import type { JournalEntry } from '../gateway/journal.js';
import type { Payout, PayoutMethod, PayoutStatus } from '../payouts/payout.js';
import type { DeliveryAttempt, Postback, PostbackState } from '../postbacks/postback.js';

// ---------------------------------------------------------------------------------------------
// Errors

/** Every admin error's `code`; the README's admin API lists each with its HTTP status. */
export type AdminErrorCode =
  | 'bad-request'
  | 'bad-json'
  | 'unauthorized'
  | 'not-found'
  | 'unknown-route'
  | 'timeout'
  | 'conflict'
  | 'too-large'
  | 'store-failed'
  | 'internal'
  | 'outbox-full'
  | 'unavailable';

/** What every admin error answers: `{"code": ..., "error": "<what to do>"}` and extra fields. */
export interface AdminErrorBody {
  readonly code: AdminErrorCode;
  /** What went wrong and what to do about it. */
  readonly error: string;
  readonly [extra: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Actions: finish a payout, a merchant's balance, reset

/** A final outcome in the grammar of scenario files: `ok` or `error <code>`. */
export type FinishOutcome = 'ok' | `error ${number}`;

/** `POST /__sandbox/payouts/{paymentId}/finish`: `{"outcome": "ok"}` or an error. */
export interface FinishRequest {
  readonly outcome: FinishOutcome;
  /** With an error only: `pg_error_description`; the catalogue's text by default. */
  readonly description?: string;
}

/** `POST /__sandbox/merchants/{id}/balance`: exactly one of `add` and `set`, as pg_amount. */
export interface BalanceRequest {
  /** Added to the balance; may be negative (`"-50.00"`) as long as the balance stays 0 or more. */
  readonly add?: string;
  /** The new balance, 0 or more. */
  readonly set?: string;
}

/** A merchant's balance after a change, and what it was before. */
export interface MerchantBalance {
  readonly pg_merchant_id: string;
  readonly balance: string;
  readonly previous: string;
}

/** `GET /__sandbox/merchants`: each merchant with its payout balance. */
export interface MerchantList {
  readonly merchants: readonly { readonly pg_merchant_id: string; readonly balance: string }[];
}

/** `POST /__sandbox/reset`: `{}` resets scenario state; `{"data": true}` the records too. */
export interface ResetRequest {
  readonly data?: boolean;
}

/** What a reset cleared, as counts. */
export interface ResetAnswer {
  readonly reset: true;
  /** Whether the stored records were cleared too. */
  readonly data: boolean;
  /** The scenarios loaded after the reset (the files, read again). */
  readonly scenarios: string[];
  readonly cleared: {
    readonly runtimeRules: number;
    readonly pins: number;
    /** Request journal entries. */
    readonly requests: number;
    /** With `data` only: */
    readonly payouts?: number;
    readonly postbacks?: number;
    /** Cards users saved (the test cards are saved again at once). */
    readonly savedCards?: number;
    readonly cardSessions?: number;
    /** Merchants whose balance was stored: each is back at its opening balance. */
    readonly balances?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Lists: filters, a cursor and a total

/** `GET /__sandbox/payouts`: every filter given must hold. */
export interface PayoutFilter {
  readonly merchant_id?: string;
  readonly order_id?: string;
  readonly payment_id?: string;
  readonly status?: PayoutStatus;
  readonly method?: PayoutMethod;
  /** A saved card's token or id, or a masked number (`4671-59XX-XXXX-8252`). */
  readonly card?: string;
  /** 100 by default, at most 10,000. */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface PayoutPage {
  /** Newest first. */
  readonly payouts: Payout[];
  /** How many payouts match the filters, on every page. */
  readonly total: number;
  readonly limit: number;
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly next_cursor: string | null;
}

/** `GET /__sandbox/requests`: every filter given must hold. */
export interface RequestFilter {
  /** The path as requested, e.g. `/api/reg2reg`. */
  readonly path?: string;
  readonly merchant_id?: string;
  readonly order_id?: string;
  /** `error 1100`, or its first word, `error`, for every outcome that begins with it. */
  readonly outcome?: string;
  /** At most this many entries, newest first; all the journal holds (1,000 at most) by default. */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface RequestPage {
  /** Newest first; each page is older than the one before. */
  readonly requests: JournalEntry[];
  /** How many entries match the filters, on every page. */
  readonly total: number;
  readonly limit: number;
  /** Pass as `cursor` for the page of older entries; null on the last one. */
  readonly next_cursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Cards and card sessions

/** A documented test card, as `GET /__sandbox/cards` and `startSandbox().cards` show it. */
export interface TestCardView {
  readonly pan: string;
  /** Send it as `pg_card_token_to`. */
  readonly token: string;
  /** Send it as `pg_card_id_to`. */
  readonly id: number;
  /** How a payout to it ends: `success`, `error 10000`, `process, later success`, ... */
  readonly outcome: string;
}

/** A saved card as the admin API shows it, with how a payout to it ends by default. */
export interface SavedCardView extends SavedCard {
  readonly outcome: string;
}

/** `GET /__sandbox/cards`: every filter given must hold. */
export interface CardFilter {
  readonly merchant_id?: string | number;
  readonly user_id?: string;
  readonly status?: 'approved' | 'deleted';
  /** 100 by default, at most 10,000. */
  readonly limit?: number;
}

export interface CardList {
  /** The documented test cards: everyone's, listed once. */
  readonly cards: readonly TestCardView[];
  /** Cards users saved, newest first. */
  readonly saved: readonly SavedCardView[];
  /** How many saved cards match the filters. */
  readonly total: number;
  readonly limit: number;
}

/** `GET /__sandbox/card-sessions`: every filter given must hold. */
export interface CardSessionFilter {
  readonly merchant_id?: string | number;
  readonly user_id?: string;
  readonly state?: CardSessionState;
  /** 100 by default, at most 10,000. */
  readonly limit?: number;
}

/** A card session with the path of its hosted page (a Gateway (PCI) session has none). */
export interface CardSessionView extends CardSession {
  readonly page?: string;
}

export interface CardSessionList {
  /** Newest first. */
  readonly sessions: readonly CardSessionView[];
  readonly total: number;
  readonly limit: number;
}

// ---------------------------------------------------------------------------------------------
// Postbacks

/** One delivery attempt as the admin API shows it: with the URL and the whole body it sent. */
export interface AttemptView extends DeliveryAttempt {
  readonly url: string;
  readonly body: string;
}

/** A postback as `GET /__sandbox/postbacks` shows it: every attempt with its URL and body. */
export interface PostbackView extends Omit<Postback, 'attempts'> {
  readonly attempts: readonly AttemptView[];
}

/** `GET /__sandbox/postbacks`: every filter given must hold. */
export interface PostbackFilter {
  readonly order_id?: string;
  readonly payment_id?: string | number;
  readonly state?: PostbackState;
  /** 100 by default, at most 10,000. */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface PostbackPage {
  /** Newest first: by payment, then the payment's latest postback first. */
  readonly postbacks: PostbackView[];
  /** How many postbacks match the filters, on every page. */
  readonly total: number;
  readonly limit: number;
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly next_cursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** A rule as `GET /__sandbox/scenarios` shows it: as loaded, durations in ms, regexes as text. */
export interface RuleView {
  /** `<scenario>#<n>` or `<scenario>/<rule name>`; run-time rules: `runtime#1`, `runtime/<name>`. */
  readonly id: string;
  readonly priority: number;
  readonly [field: string]: unknown;
}

/** A loaded scenario, as `GET /__sandbox/scenarios` lists it. */
export interface ScenarioView {
  readonly name: string;
  readonly description?: string;
  /** `always`, or `when-selected`: only by the `X-Sandbox-Scenario` header or a pin. */
  readonly apply: string;
  /** The file it came from, `inline[n].json` for `startSandbox()`'s data, `runtime` for rules added at run time. */
  readonly source: string;
  readonly rules: readonly RuleView[];
}

/** `GET /__sandbox/scenarios`. */
export interface ScenarioStatus {
  readonly dir: string | undefined;
  readonly scenarios: readonly ScenarioView[];
  /** Files that did not load, with file and line, and pins whose scenario went away. */
  readonly problems: readonly {
    readonly file: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
  }[];
  /** Pinned scenario names by merchant id, `*` for every merchant. */
  readonly pinned: Readonly<Record<string, string>>;
}

/** The pins after a pin or an unpin, by merchant id, `*` for every merchant. */
export interface Pins {
  readonly pinned: Readonly<Record<string, string>>;
}
