/**
 * The in-process API: start a sandbox inside another project's test suite.
 *
 *   const sandbox = await startSandbox({ port: 0, clockSpeed: 0 });
 *   // ... point the client at sandbox.url, sign with sandbox.secretKey ...
 *   await sandbox.close();
 */
import type {
  AdminErrorCode,
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
import { ConfigError, loadConfig, type LogLevel, type MerchantEntry } from './config/config.js';
import { bundledScenariosDir, SETTINGS } from './config/settings.js';
import type { ClockStatus } from './clock.js';
import {
  changeBalance,
  finishPayout,
  listPayouts,
  listRequests,
  parseResetRequest,
  resetSandbox,
} from './http/admin-actions.js';
import type { AdminRefusal } from './http/admin-errors.js';
import { listMerchants } from './http/admin-routes.js';
import {
  describeCard,
  listCards,
  listCardSessions,
  parseSaveCard,
  testCardViews,
} from './http/card-admin-routes.js';
import { completePayoutPage } from './http/payout-page-routes.js';
import {
  listPostbacks,
  parseAdvance,
  resendPostback,
  waitForPostback,
} from './http/postback-routes.js';
import {
  addRules,
  pinScenario,
  removeRule,
  scenarioStatus,
  unpinScenario,
} from './http/scenario-routes.js';
import type { RuleInput } from './scenarios/file-types.js';
import { createLogger } from './logger.js';
import { MerchantDirectory } from './merchants/merchants.js';
import { parseAmount, type Payout } from './payouts/payout.js';
import type { Postback } from './postbacks/postback.js';
import { baseUrl, listen, openSandbox } from './sandbox.js';
import { sign as signFields, type Fields } from './signature/signature.js';

export type { Postback, DeliveryAttempt } from './postbacks/postback.js';
export type { Payout, PayoutStatus } from './payouts/payout.js';
export type { SavedCard, SavedCardStatus } from './cards/card.js';
export type { ScenarioFile, RuleInput } from './scenarios/file-types.js';
export type { Fields } from './signature/signature.js';
export type { JournalEntry } from './gateway/journal.js';
export type {
  SandboxEvent,
  SandboxEventBody,
  SandboxEventOf,
  SandboxEventType,
} from './admin/events.js';
export type { CardSession } from './cards/card-session.js';
export type { ClockStatus } from './clock.js';
// The admin API's shapes live apart from http/ (which imports express): see api-types.ts.
export type {
  AdminErrorBody,
  AdminErrorCode,
  AttemptView,
  BalanceRequest,
  CardFilter,
  CardList,
  CardSessionFilter,
  CardSessionList,
  CardSessionView,
  FinishOutcome,
  FinishRequest,
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
  ScenarioView,
  TestCardView,
} from './admin/api-types.js';
export { sign, signatureBase, scriptNameFromPath, verifySignature } from './signature/signature.js';

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
  /** The lowdb file; by default everything stays in memory. */
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

/** `saveCard` was given a card the sandbox cannot save; `problems` has a message per field. */
export class SaveCardError extends Error {
  constructor(readonly problems: Readonly<Record<string, string>>) {
    super(
      `saveCard: ${Object.entries(problems)
        .map(([field, problem]) => `${field}: ${problem}`)
        .join('; ')}`,
    );
    this.name = 'SaveCardError';
  }
}

/** Why `completePayoutPage` did not pay: the message says what to do instead. */
export type CompletePayoutPageFailure = 'invalid-pan' | 'unknown' | 'not-waiting';

/** `completePayoutPage` could not complete the page; `payout` is the payout when there is one. */
export class CompletePayoutPageError extends Error {
  constructor(
    readonly reason: CompletePayoutPageFailure,
    message: string,
    readonly payout?: Payout,
  ) {
    super(`completePayoutPage: ${message}`);
    this.name = 'CompletePayoutPageError';
  }
}

/**
 * An admin helper (`finish`, `topUp`, `setBalance`, `addRule`, `removeRule`, `pin`, `reset`,
 * `payouts`, `requests`, `postbacks`, `resendPostback`, `waitForPostback`, `advanceClock`, ...)
 * was refused: `code` and the message are the admin API's (`not-found`, `bad-request`,
 * `conflict`, `timeout`, ...), `details` its extra fields (`problems` per field, the `payout`).
 */
export class SandboxAdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'SandboxAdminError';
  }
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
   * (payout, postback, card, card-session, balance, request, reset, clock), in order, at once
   * (records as stored: without the admin API's extras, e.g. a payout's `answer`). `types`
   * picks some, and types the listener's event. Returns how to stop listening.
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

export async function startSandbox(options: StartOptions = {}): Promise<RunningSandbox> {
  const [first, ...others] = (options.merchants ?? []).map(toMerchant);
  const folder =
    typeof options.scenarios === 'string'
      ? options.scenarios
      : options.scenarios === undefined
        ? bundledScenariosDir()
        : undefined;
  if (
    first?.paymentSecretKey !== undefined &&
    options.paymentSecretKey !== undefined &&
    first.paymentSecretKey !== options.paymentSecretKey
  ) {
    throw new ConfigError([
      `paymentSecretKey and merchants[0].paymentSecretKey differ; both are the default merchant's payment key: give one`,
    ]);
  }
  const paymentSecretKey = first?.paymentSecretKey ?? options.paymentSecretKey;
  const known = new Set(SETTINGS.map((setting) => setting.env));
  const unknown = Object.keys(options.settings ?? {}).filter((name) => !known.has(name as never));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((name) => `settings.${name} is not a setting; known: ${[...known].join(', ')}`),
    );
  }
  const config = loadConfig(
    {
      // Named options win over the same setting given in `settings`.
      ...options.settings,
      PORT: String(options.port ?? 0),
      HOST: options.host ?? '127.0.0.1',
      SANDBOX_DB: options.dataFile ?? options.settings?.SANDBOX_DB ?? ':memory:',
      ...(folder !== undefined ? { SANDBOX_SCENARIOS: folder } : {}),
      ...(options.seed !== undefined ? { SANDBOX_SEED: String(options.seed) } : {}),
      ...(first
        ? {
            SANDBOX_MERCHANT_ID: first.id,
            SANDBOX_SECRET_KEY: first.secretKey,
            SANDBOX_OPENING_BALANCE: String(first.openingBalanceMinor / 100),
          }
        : {}),
      ...(paymentSecretKey !== undefined ? { SANDBOX_PAYMENT_SECRET_KEY: paymentSecretKey } : {}),
      ...(options.cardStorageKey !== undefined
        ? { SANDBOX_CARD_STORAGE_KEY: options.cardStorageKey }
        : {}),
      ...(options.clockSpeed !== undefined
        ? { SANDBOX_CLOCK_SPEED: String(options.clockSpeed) }
        : {}),
      SANDBOX_LOG_LEVEL: options.logLevel ?? options.settings?.SANDBOX_LOG_LEVEL ?? 'silent',
    },
    {
      merchants: others,
      // A bad value is named as the option it came from.
      origins: {
        ...(options.cardStorageKey !== undefined
          ? { SANDBOX_CARD_STORAGE_KEY: 'cardStorageKey' }
          : {}),
        ...(paymentSecretKey !== undefined
          ? {
              SANDBOX_PAYMENT_SECRET_KEY:
                first?.paymentSecretKey !== undefined
                  ? 'merchants[0].paymentSecretKey'
                  : 'paymentSecretKey',
            }
          : {}),
      },
    },
  );
  const sandbox = await openSandbox(config, {
    logger: await createLogger(config.logLevel, false),
    scenariosDir: folder,
    inlineScenarios: Array.isArray(options.scenarios) ? options.scenarios : [],
    watchScenarios: typeof options.scenarios === 'string',
  });
  // A test that names scenarios wants them: a broken one fails the start, with file and line.
  const { problems } = sandbox.scenarios.status();
  if (problems.length > 0) {
    await sandbox.close();
    throw new ConfigError(
      problems.map((p) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`),
    );
  }
  let server;
  try {
    server = await listen(sandbox.app, config.port, config.host, config.requestTimeoutMs);
  } catch (error) {
    await sandbox.close();
    throw new ConfigError([
      `cannot listen on ${config.host}:${config.port} (${(error as NodeJS.ErrnoException).code ?? String(error)}); use port 0 for a free one`,
    ]);
  }
  const merchant = config.merchants.find((m) => m.id === config.defaultMerchantId);
  const merchants = new MerchantDirectory(config.merchants);
  const deps = { ...sandbox, merchants };
  const balance = async (
    helper: string,
    kind: 'add' | 'set',
    args: [string] | [string | number, string],
  ): Promise<MerchantBalance> => {
    const [merchantId, amount] = args.length === 1 ? [config.defaultMerchantId, args[0]] : args;
    const result = await changeBalance(deps, String(merchantId), { [kind]: amount });
    if (!result.ok) throw adminError(helper, result);
    return result.balance;
  };

  return {
    url: baseUrl(server),
    merchantId: config.defaultMerchantId,
    secretKey: merchant?.secretKey ?? '',
    paymentSecretKey: merchant?.paymentSecretKey ?? '',
    seed: sandbox.seed,
    cards: testCardViews(),
    sign: (script, fields, secretKey) =>
      signFields(script, fields, secretKey ?? merchant?.secretKey ?? ''),
    async saveCard(card) {
      const { merchantId, ...rest } = card;
      const parsed = parseSaveCard(
        {
          ...rest,
          merchantId: merchantId === undefined ? config.defaultMerchantId : String(merchantId),
        },
        merchants,
      );
      if (!parsed.ok) throw new SaveCardError(parsed.problems);
      const saved = await sandbox.cards.saveDirect(parsed.input);
      if (!saved.ok) throw new SaveCardError(saved.errors);
      return describeCard(saved.card);
    },
    async completePayoutPage(paymentId, pan) {
      const result = await completePayoutPage(sandbox, paymentId, pan);
      switch (result.kind) {
        case 'completed':
          return result.payout;
        case 'invalid':
          throw new CompletePayoutPageError('invalid-pan', `pan: ${result.error}`);
        case 'unknown':
          throw new CompletePayoutPageError('unknown', result.message);
        case 'not-waiting':
          throw new CompletePayoutPageError('not-waiting', result.message, result.payout);
      }
    },
    async waitForPostback(orderId, waitOptions = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 10_000;
      const result = await waitForPostback(deps, { orderId, timeoutMs }, 'helper');
      if (!result.ok) throw adminError('waitForPostback', result);
      return result.postback;
    },
    onEvent: (listener, eventOptions = {}) =>
      sandbox.events.subscribe(
        listener as (event: SandboxEventOf<SandboxEventType>) => void,
        eventOptions.types !== undefined ? { types: eventOptions.types } : {},
      ),
    async advanceClock(by) {
      const advance = parseAdvance({ by });
      if (!advance.ok) throw adminError('advanceClock', advance);
      await sandbox.clock.advance(advance.ms);
    },
    clock: () => Promise.resolve(sandbox.clock.status()),
    setClockSpeed: (speed) => sandbox.clock.setSpeed(speed),
    async finish(paymentId, outcome, finishOptions = {}) {
      const result = await finishPayout(sandbox, paymentId, { outcome, ...finishOptions });
      if (!result.ok) throw adminError('finish', result);
      return result.payout;
    },
    async topUp(...args: [string] | [string | number, string]) {
      return balance('topUp', 'add', args);
    },
    async setBalance(...args: [string] | [string | number, string]) {
      return balance('setBalance', 'set', args);
    },
    addRule(rule) {
      const result = addRules(sandbox.scenarios, rule);
      if (!result.ok) return Promise.reject(adminError('addRule', result));
      return Promise.resolve({ rules: result.rules });
    },
    scenarios: () => Promise.resolve(scenarioStatus(sandbox.scenarios)),
    pin(name, pinOptions = {}) {
      const merchantId =
        pinOptions.merchantId === undefined ? undefined : String(pinOptions.merchantId);
      const result = pinScenario(deps, name, merchantId);
      if (!result.ok) return Promise.reject(adminError('pin', result));
      return Promise.resolve({ pinned: result.pinned });
    },
    unpin: (pinOptions = {}) =>
      Promise.resolve(
        unpinScenario(
          sandbox.scenarios,
          pinOptions.merchantId === undefined ? undefined : String(pinOptions.merchantId),
        ),
      ),
    removeRule(id) {
      const result = removeRule(sandbox.scenarios, id);
      if (!result.ok) return Promise.reject(adminError('removeRule', result));
      return Promise.resolve({ removed: result.removed });
    },
    async reset(resetOptions = {}) {
      const request = parseResetRequest(resetOptions);
      if (!request.ok) throw adminError('reset', request);
      return resetSandbox(deps, request.data);
    },
    payouts(filter = {}) {
      const result = listPayouts(sandbox.store, filter);
      return result.ok
        ? Promise.resolve(result.page)
        : Promise.reject(adminError('payouts', result));
    },
    requests(filter = {}) {
      const result = listRequests(sandbox.journal, filter);
      return result.ok
        ? Promise.resolve(result.page)
        : Promise.reject(adminError('requests', result));
    },
    postbacks(filter = {}) {
      const result = listPostbacks(sandbox.store, filter);
      return result.ok
        ? Promise.resolve(result.page)
        : Promise.reject(adminError('postbacks', result));
    },
    async resendPostback(id) {
      const result = await resendPostback(sandbox, id);
      if (!result.ok) throw adminError('resendPostback', result);
      return result.postback;
    },
    merchants: () => Promise.resolve(listMerchants(deps)),
    savedCards(filter = {}) {
      const result = listCards(sandbox.store, filter);
      return result.ok
        ? Promise.resolve(result.list)
        : Promise.reject(adminError('savedCards', result));
    },
    cardSessions(filter = {}) {
      const result = listCardSessions(sandbox.store, filter);
      return result.ok
        ? Promise.resolve(result.list)
        : Promise.reject(adminError('cardSessions', result));
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sandbox.close();
    },
  };
}

function adminError(helper: string, refusal: AdminRefusal): SandboxAdminError {
  return new SandboxAdminError(refusal.code, `${helper}: ${refusal.error}`, refusal.extra ?? {});
}

function toMerchant(input: MerchantInput): MerchantEntry {
  const balance = input.openingBalance === undefined ? '1000000.00' : String(input.openingBalance);
  const minor = parseAmount(
    typeof input.openingBalance === 'number' ? input.openingBalance.toFixed(2) : balance,
  );
  if (minor === undefined) {
    throw new ConfigError([
      `merchant ${input.id}: openingBalance ${balance} is not an amount like 1000.00`,
    ]);
  }
  return {
    id: String(input.id),
    secretKey: input.secretKey,
    ...(input.paymentSecretKey !== undefined ? { paymentSecretKey: input.paymentSecretKey } : {}),
    openingBalanceMinor: minor,
  };
}
