/** The in-process API's shapes: what `startSandbox` takes and the `RunningSandbox` it gives. */
import type {
  CardFilter,
  CardList,
  CardSessionFilter,
  CardSessionList,
  FinishOutcome,
  MerchantBalance,
  MerchantList,
  PayoutFilter,
  PayoutPage,
  Pins,
  PostbackFilter,
  PostbackPage,
  PostbackView,
  RequestFilter,
  RequestPage,
  ResetAnswer,
  ResetRequest,
  RuleView,
  SavedCardView,
  ScenarioStatus,
} from './admin/api-types.js';
import type { SandboxEventOf, SandboxEventType } from './admin/events.js';
import type { ClockStatus } from './clock.js';
import type { LogLevel } from './config/config.js';
import type { Payout } from './payouts/payout.js';
import type { Postback } from './postbacks/postback.js';
import type { RuleInput } from './scenarios/file-types.js';
import type { Fields } from './signature/signature.js';

export interface MerchantInput {
  readonly id: string | number;
  readonly secretKey: string;
  /**
   * The merchant's payment key (signs card storage by default); without it, the default
   * merchant's (`paymentSecretKey` below, else `sandbox-payment-secret`).
   */
  readonly paymentSecretKey?: string;
  /** `"1000000.00"` or a number; 1,000,000.00 by default. */
  readonly openingBalance?: string | number;
}

export interface StartOptions {
  /** 0 (the default) picks a free port, so parallel test files never collide. */
  readonly port?: number;
  readonly host?: string;
  /**
   * The lowdb file, or a `postgres://user:password@host:5432/database` URL (a store several
   * sandboxes can share); by default everything stays in memory.
   */
  readonly dataFile?: string;
  /**
   * A folder of scenario files, scenarios as data (the file format, as objects), or `false` for
   * none. By default the bundled examples (magic values included).
   */
  readonly scenarios?: string | readonly unknown[] | false;
  readonly seed?: number;
  /** The first is the default merchant; by default merchant 100001, key sandbox-payout-secret. */
  readonly merchants?: readonly MerchantInput[];
  /**
   * The default merchant's payment key (SANDBOX_PAYMENT_SECRET_KEY, by default
   * `sandbox-payment-secret`), also the one of merchants given without their own. The first
   * merchant's own `paymentSecretKey`, when both are given, must be the same.
   */
  readonly paymentSecretKey?: string;
  /** Which key signs card storage (SANDBOX_CARD_STORAGE_KEY): `payment` (default) or `payout`. */
  readonly cardStorageKey?: 'payment' | 'payout';
  /** 1 real time (default), 0 stopped: then time moves only by `advanceClock`. */
  readonly clockSpeed?: number;
  /**
   * Forget settled payouts (ok or error, every postback delivered or failed) last changed
   * longer ago than this on the sandbox clock, with their postbacks; their order ids may be used
   * again (SANDBOX_RETAIN_FOR). A duration with its unit: `"30d"`, `"12h"`, `"90m"`. Off by
   * default: every payout is kept.
   */
  readonly retainFor?: string;
  /**
   * Keep at most each merchant's this many newest settled payouts; older ones are forgotten as
   * with `retainFor` (SANDBOX_RETAIN_PER_MERCHANT). Off by default.
   */
  readonly retainPerMerchant?: number;
  /** Any other setting by its environment variable name, e.g. `{ SANDBOX_POSTBACK_RETRY: 'fast' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** `silent` by default: a test run stays quiet. */
  readonly logLevel?: LogLevel;
}

/** A documented test card: its `token` goes in `pg_card_token_to`, its `id` in `pg_card_id_to`. */
export interface TestCardInfo {
  readonly pan: string;
  readonly token: string;
  readonly id: number;
  readonly outcome: string;
}

export interface SaveCardOptions {
  /** The `pg_user_id` the card is saved for. */
  readonly userId: string;
  /** A card number that passes the Luhn check, e.g. 4716047261941981. */
  readonly pan: string;
  /** The default merchant's unless given. */
  readonly merchantId?: string | number;
  /** `SANDBOX USER` unless given. */
  readonly holder?: string;
  /** `12` unless given. */
  readonly month?: string;
  /** Three years ahead unless given. */
  readonly year?: string;
  /** As if saved through `cardstoragepayout/add`. */
  readonly payoutOnly?: boolean;
}

/** The run-time rules a `removeRule` took away, as `GET /__sandbox/scenarios` shows rules. */
export interface RemovedRules {
  readonly removed: readonly RuleView[];
}

/** The run-time rules an `addRule` added (ids `runtime#1`, `runtime/<name>`). */
export interface AddedRules {
  readonly rules: readonly RuleView[];
}

export interface RunningSandbox {
  /** `http://127.0.0.1:<port>`: the gateway's base URL. */
  readonly url: string;
  readonly merchantId: string;
  readonly secretKey: string;
  /** The default merchant's payment key: pass it to `sign` for card storage (when it signs). */
  readonly paymentSecretKey: string;
  readonly seed: number;
  readonly cards: readonly TestCardInfo[];
  /** Signs fields for a script name with the default merchant's key (or another key). */
  sign(script: string, fields: Fields, secretKey?: string): string;
  /**
   * Saves a card for a user without the hosted page (no session, no callback, no 3DS), as
   * `POST /__sandbox/cards` does: pay out to its `token` or `id` with reg2reg. A payout to it
   * ends as the number's: the documented payout test cards keep their outcome, others are `ok`.
   * Rejects with a `SaveCardError` naming each bad field.
   */
  saveCard(card: SaveCardOptions): Promise<SavedCardView>;
  /**
   * Finishes a payout page (reg2nonreg) as if the recipient typed `pan` on it, as
   * `POST /__sandbox/payout-pages/{paymentId}/complete` does: the payout goes to that number (the
   * documented payout test cards keep their outcome, any other valid number is `ok`) and notifies
   * `pg_post_link` once final. `paymentId` is the answer's `pg_payment_id`. Resolves with the
   * payout; rejects with a `CompletePayoutPageError`: a number that is not 13-19 digits passing
   * the Luhn check, an unknown payment id, or a payout no longer waiting (paid, declined, expired).
   */
  completePayoutPage(paymentId: string | number, pan: string): Promise<Payout>;
  /**
   * Resolves with the order's postback (its newest payout's) once delivered, or failed for good,
   * as `GET /__sandbox/postbacks/wait` does. Rejects with a `SandboxAdminError`: at once,
   * `not-found` for an order the sandbox has no payout for (the message says what the gateway
   * answered it, if it saw it) and `conflict` for a payout made without `pg_post_link`; after
   * `timeoutMs` (10 s), `timeout`, saying what is pending and when it is due.
   */
  waitForPostback(orderId: string, options?: { timeoutMs?: number }): Promise<Postback>;
  /**
   * Calls `listener` with each live event from now on, the ones `GET /__sandbox/events` streams
   * (payout, postback, card, card-session, balance, request, reset, clock, forgotten), in
   * order, at once (records as stored: without the admin API's extras, e.g. a payout's
   * `answer`). `types` picks some, and types the listener's event. Returns how to stop
   * listening.
   *
   *   const statuses: string[] = [];
   *   const stop = sandbox.onEvent((e) => statuses.push(e.payout.status), { types: ['payout'] });
   *   // ... make a payout, advanceClock(5_000) ...
   *   stop();
   */
  onEvent<T extends SandboxEventType = SandboxEventType>(
    listener: (event: SandboxEventOf<T>) => void,
    options?: { readonly types?: readonly T[] },
  ): () => void;
  /**
   * Moves the sandbox clock and runs everything that became due, as
   * `POST /__sandbox/clock/advance`: milliseconds, or a duration as scenario files write them
   * (`"250ms"`, `"5s"`, `"10m"`, `"1h"`). Rejects with a `SandboxAdminError` (`bad-request`) for
   * anything else, below 0 or over ten years.
   */
  advanceClock(by: number | string): Promise<void>;
  /** The sandbox time, speed and pending timers, as `GET /__sandbox/clock`. */
  clock(): Promise<ClockStatus>;
  /** Runs the clock at `speed` from now on (0 stops it), as `POST /__sandbox/clock/speed`. */
  setClockSpeed(speed: number): Promise<void>;
  /**
   * Ends a `process` payout now, as `POST /__sandbox/payouts/{paymentId}/finish` does: `"ok"` or
   * `"error <code>"` (with the catalogue's description unless `description` is given). Its timer
   * is cancelled; the ledger (the amount back on an error) and the notify are a natural finish's.
   * Resolves with the payout; rejects with a `SandboxAdminError`: `not-found`, `conflict` (not
   * in process: final already, or a payout page still waiting), `bad-request`.
   */
  finish(
    paymentId: string | number,
    outcome: FinishOutcome,
    options?: { readonly description?: string },
  ): Promise<Payout>;
  /**
   * Adds to a merchant's payout balance (the default merchant's unless named), as
   * `POST /__sandbox/merchants/{id}/balance {"add": ...}`: an amount as pg_amount is written,
   * negative to take away (`"-50.00"`), never below 0.00 (`conflict`).
   */
  topUp(amount: string): Promise<MerchantBalance>;
  topUp(merchantId: string | number, amount: string): Promise<MerchantBalance>;
  /** Sets a merchant's payout balance (the default merchant's unless named), 0 or more. */
  setBalance(amount: string): Promise<MerchantBalance>;
  setBalance(merchantId: string | number, amount: string): Promise<MerchantBalance>;
  /**
   * Adds a rule at run time, as `POST /__sandbox/scenarios`: the rule shape of scenario files
   * (scenarios/README.md), or `{ rules: [...] }` for several (all or none). Run-time rules come
   * before the files' rules of the same priority, until `removeRule` or `reset`. Resolves with the
   * rules as loaded, with their ids; rejects with a `SandboxAdminError` (`bad-request`,
   * `problems` naming each bad field).
   *
   *   const { rules } = await sandbox.addRule({ name: 'slow', latency: '2s', outcome: 'ok' });
   *   // rules[0].id === 'runtime/slow'
   */
  addRule(rule: RuleInput | { readonly rules: readonly RuleInput[] }): Promise<AddedRules>;
  /**
   * Removes a run-time rule by its id (`runtime#1`, `runtime/<name>`), as
   * `DELETE /__sandbox/scenarios/rules/{id}`; a file's rule is refused (`conflict`).
   */
  removeRule(id: string): Promise<RemovedRules>;
  /** The loaded scenarios, their rules, load problems and pins, as `GET /__sandbox/scenarios`. */
  scenarios(): Promise<ScenarioStatus>;
  /**
   * Pins a scenario by name, for every merchant or only `merchantId`, as
   * `PUT /__sandbox/scenarios/active`: its rules then take part in every request, `apply:
   * when-selected` or not. Rejects with `not-found` for an unknown scenario or merchant.
   */
  pin(name: string, options?: { readonly merchantId?: string | number }): Promise<Pins>;
  /**
   * Unpins `merchantId`'s scenario, or every pin, as `DELETE /__sandbox/scenarios/active`.
   */
  unpin(options?: { readonly merchantId?: string | number }): Promise<Pins>;
  /**
   * Back to the scenario files: run-time rules, pins, counters and the journal cleared. With
   * `{ data: true }`, also payouts, postbacks, saved cards, card sessions and balances (the test
   * cards stay; ids go on). Resolves with what was cleared.
   */
  reset(options?: ResetRequest): Promise<ResetAnswer>;
  /** Stored payouts, newest first, as `GET /__sandbox/payouts` lists them (`next_cursor` pages). */
  payouts(filter?: PayoutFilter): Promise<PayoutPage>;
  /**
   * The request journal, as `GET /__sandbox/requests` lists it: newest first, `next_cursor`
   * pages back in time. A refused request is found by the `pg_order_id` it carried.
   */
  requests(filter?: RequestFilter): Promise<RequestPage>;
  /**
   * Postbacks and their delivery log, newest first, as `GET /__sandbox/postbacks` lists them:
   * each attempt with its URL and the body it sent; `next_cursor` pages.
   */
  postbacks(filter?: PostbackFilter): Promise<PostbackPage>;
  /**
   * Sends a postback again, now, as a new delivery (`kind: "resend"`), as
   * `POST /__sandbox/postbacks/{id}/resend`. Rejects with `not-found`, or `outbox-full`.
   */
  resendPostback(id: string): Promise<PostbackView>;
  /** The merchants and their payout balances, as `GET /__sandbox/merchants`. */
  merchants(): Promise<MerchantList>;
  /**
   * The test cards and the cards users saved (newest first, filtered), as
   * `GET /__sandbox/cards`.
   */
  savedCards(filter?: CardFilter): Promise<CardList>;
  /** Card-saving sessions, newest first, as `GET /__sandbox/card-sessions`. */
  cardSessions(filter?: CardSessionFilter): Promise<CardSessionList>;
  close(): Promise<void>;
}
