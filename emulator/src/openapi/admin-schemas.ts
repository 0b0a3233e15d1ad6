import { SANDBOX_EVENT_TYPES } from '../admin/events.js';
import { ADMIN_ERRORS } from '../http/admin-errors.js';
import { PAYOUT_METHODS } from '../payouts/payout.js';
import { POSTBACK_STATES } from '../postbacks/postback.js';
import { SCENARIO_APPLIES } from '../scenarios/model.js';
import {
  amount,
  boolean,
  integer,
  list,
  nullableCursor,
  object,
  PAYOUT_STATUSES,
  scenarioRuleSchema,
  SESSION_STATES,
} from './admin-shared.js';
import { type Json, ref, text } from './schema.js';

/** The admin API's objects, as its routes answer them. */
export function adminSchemas(): Record<string, Json> {
  const errorRows = Object.entries(ADMIN_ERRORS).map(
    ([code, spec]) => `| ${code} | ${spec.status} | ${spec.meaning} |`,
  );
  return {
    AdminError: {
      title: 'The admin error',
      description: [
        'Every admin error (http/admin-errors.ts). `error` says what to do; some routes add `problems` (per field, or a list), the `payout` in the way, the `merchants`, `scenarios` or `postbacks` known.',
        '',
        '| code | HTTP | meaning |',
        '|---|---|---|',
        ...errorRows,
      ].join('\n'),
      ...object(
        {
          code: { type: 'string', enum: Object.keys(ADMIN_ERRORS) },
          error: text('What went wrong and what to do about it.'),
          problems: {
            description: 'What is wrong, per field (or, for rules, one line each).',
            anyOf: [
              { type: 'object', additionalProperties: { type: 'string' } },
              { type: 'array', items: { type: 'string' } },
            ],
          },
        },
        ['code', 'error'],
        { additionalProperties: true },
      ),
    },
    Payout: object(
      {
        paymentId: integer('pg_payment_id.'),
        merchantId: text('pg_merchant_id.'),
        orderId: text('pg_order_id.'),
        userId: text('pg_user_id ("" when not sent).'),
        amountMinor: integer('The amount in minor units (tiyn).'),
        method: { type: 'string', enum: [...PAYOUT_METHODS] },
        destination: {
          type: 'object',
          description:
            'Where the money goes, by kind: saved-card {token, cardId, hash}; card-number {pan, hash, holder?}; payout-page {viewId, backLink, pan?, hash?}; iban {iban, name, iin, bik, kbe?, knp?}.',
          properties: {
            kind: { type: 'string', enum: ['saved-card', 'card-number', 'payout-page', 'iban'] },
          },
          required: ['kind'],
          additionalProperties: true,
        },
        postLink: text('pg_post_link ("" when none).'),
        orderTimeLimit: text('pg_order_time_limit ("" when none).'),
        status: {
          type: 'string',
          enum: [...PAYOUT_STATUSES],
          description:
            '`waiting` (a payout page nobody finished), `process`, then `ok` or `error`.',
        },
        error: ref('PayoutError'),
        pendingFinal: {
          type: 'object',
          description: 'Where a process payout is heading and when (sandbox clock).',
          additionalProperties: true,
        },
        createdAt: text('ISO 8601, sandbox clock.'),
        updatedAt: text('ISO 8601, sandbox clock.'),
        history: list(
          object({
            status: text('The new status.'),
            at: text('When.'),
            reason: text('Why.'),
            error: ref('PayoutError'),
          }),
        ),
        balanceAfterMinor: integer("The merchant's balance right after the payout, minor units."),
        request: {
          type: 'object',
          description: 'Every field as received, pg_sig included.',
          additionalProperties: true,
        },
        answerSeal: {
          type: 'object',
          description:
            'How the answer is rendered again exactly as sent: its salt, origin, bad signature.',
          additionalProperties: true,
        },
      },
      [
        'paymentId',
        'merchantId',
        'orderId',
        'amountMinor',
        'method',
        'destination',
        'status',
        'createdAt',
        'updatedAt',
        'history',
      ],
      { additionalProperties: true },
    ),
    PayoutError: object({
      code: integer('pg_error_code.'),
      description: text('pg_error_description.'),
    }),
    PayoutView: {
      allOf: [ref('Payout')],
      description: 'A payout with the answer it got, as sent, and whether that answer verifies.',
      properties: {
        answer: {
          type: 'object',
          description: 'The answer fields as sent (rendered again from the payout with its salt).',
          additionalProperties: { type: 'string' },
        },
        answer_signature: object(
          {
            valid: boolean("Whether the answer's pg_sig verifies with the payout key."),
            reason: text('Why not.'),
          },
          ['valid'],
        ),
      },
    },
    PayoutPage: object(
      {
        payouts: list(ref('Payout'), 'Newest first.'),
        total: integer('How many match the filters, on every page.'),
        limit: integer('The page size.'),
        next_cursor: nullableCursor('a payment id'),
      },
      ['payouts', 'total', 'limit', 'next_cursor'],
    ),
    Postback: object(
      {
        id: text('<payment id>-<n>.'),
        paymentId: integer('pg_payment_id.'),
        merchantId: text('pg_merchant_id.'),
        orderId: text('pg_order_id.'),
        url: text('pg_post_link.'),
        fields: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'The notify fields, unsigned.',
        },
        kind: { type: 'string', enum: ['notify', 'duplicate', 'resend', 'card-callback'] },
        format: {
          type: 'string',
          enum: ['pg_xml'],
          description: 'One pg_xml field (card callbacks).',
        },
        key: { type: 'string', enum: ['payment'], description: 'Signed with the payment key.' },
        state: { type: 'string', enum: [...POSTBACK_STATES] },
        createdAt: text('ISO 8601, sandbox clock.'),
        dueAt: text('When the next attempt is due, while pending.'),
        attempts: list(
          object(
            {
              at: text('When.'),
              salt: text('pg_salt of this attempt.'),
              sig: text('pg_sig of this attempt.'),
              status: integer("The merchant's HTTP status."),
              error: text('Why it did not reach the merchant.'),
              durationMs: integer('How long it took.'),
              response: text("The start of the merchant's answer."),
              ack: object({
                status: text('ok, rejected or error.'),
                description: text('Its description.'),
              }),
              url: text('Where it went.'),
              body: text('The form body sent, exactly.'),
            },
            ['at', 'salt', 'sig', 'durationMs', 'url', 'body'],
          ),
        ),
      },
      [
        'id',
        'paymentId',
        'merchantId',
        'orderId',
        'url',
        'fields',
        'kind',
        'state',
        'createdAt',
        'attempts',
      ],
      { additionalProperties: true },
    ),
    JournalEntry: object(
      {
        id: integer('Counts up from 1; goes on after a clear.'),
        at: text('ISO 8601, sandbox clock.'),
        method: text('The HTTP method.'),
        path: text('The path as requested.'),
        merchantId: text('pg_merchant_id, when known.'),
        orderId: text('pg_order_id, when sent.'),
        paymentId: integer('pg_payment_id, when there is one.'),
        scenarioHeader: text('The X-Sandbox-Scenario header.'),
        outcome: text('`ok`, `process`, `error <code>`, …'),
        ruleId: text('The scenario rule that answered.'),
        reason: text('Which rule or check chose the answer.'),
        fault: text('A scripted transport fault.'),
        hint: text('The X-Sandbox-Hint the client got.'),
        ms: { type: 'number', description: 'How long the answer took.' },
      },
      ['id', 'at', 'method', 'path', 'outcome', 'reason', 'ms'],
    ),
    RequestPage: object(
      {
        requests: list(ref('JournalEntry')),
        total: integer('How many match the filters.'),
        limit: integer('The page size.'),
        next_cursor: nullableCursor('an entry id: the older entries'),
      },
      ['requests', 'total', 'limit', 'next_cursor'],
    ),
    SavedCard: object(
      {
        token: text('pg_card_token (reg2reg pg_card_token_to).'),
        id: integer('pg_card_id (reg2reg pg_card_id_to).'),
        merchantId: text('The merchant.'),
        userId: text('pg_user_id.'),
        pan: text('The number (test numbers only: the sandbox is offline).'),
        holder: text('The holder.'),
        month: text('Two digits.'),
        year: text('Two digits.'),
        hash: text('pg_card_hash.'),
        hhash: text('pg_card_hhash.'),
        bank: text('pg_bank.'),
        country: text('pg_country.'),
        threeDs: boolean('Saved through 3-D Secure.'),
        status: { type: 'string', enum: ['approved', 'deleted'] },
        createdAt: text('ISO 8601.'),
        deletedAt: text('ISO 8601.'),
        payoutOnly: boolean('Saved through cardstoragepayout/add.'),
        sessionId: integer('The session that saved it.'),
        outcome: text('How a payout to it ends by default, e.g. success, error 10000.'),
      },
      ['token', 'id', 'merchantId', 'userId', 'hash', 'status', 'createdAt', 'outcome'],
      { additionalProperties: true },
    ),
    CardSession: object(
      {
        paymentId: integer('pg_payment_id of the add answer.'),
        merchantId: text('The merchant.'),
        userId: text('pg_user_id.'),
        orderId: text('pg_order_id ("" when not sent).'),
        variant: { type: 'string', enum: ['add', 'add2', 'payout', 'gateway'] },
        state: { type: 'string', enum: [...SESSION_STATES] },
        viewId: text("The hosted page's id."),
        page: text('The hosted page (not for gateway sessions).'),
        history: list({ type: 'object', additionalProperties: true }),
      },
      ['paymentId', 'merchantId', 'userId', 'variant', 'state'],
      { additionalProperties: true },
    ),
    ClockStatus: object(
      {
        now: text('The sandbox time, ISO 8601.'),
        nowMs: integer('The same, in ms since 1970.'),
        speed: { type: 'number', description: '0 stopped, 1 real time.' },
        advancedMs: integer('How far it was moved by hand.'),
        pending: integer(
          "This process's timers waiting (on a shared store, not the other replicas').",
        ),
        next: text('When the next timer is due.'),
      },
      ['now', 'nowMs', 'speed', 'advancedMs', 'pending'],
    ),
    MerchantBalance: object(
      {
        pg_merchant_id: text('The merchant.'),
        balance: amount('The payout balance now.'),
        previous: amount('Before the change.'),
      },
      ['pg_merchant_id', 'balance', 'previous'],
    ),
    ResetAnswer: object(
      {
        reset: { type: 'boolean', enum: [true] },
        data: boolean('Whether the stored records were cleared too.'),
        scenarios: list({ type: 'string' }, 'The scenarios loaded after the reset.'),
        cleared: {
          type: 'object',
          description:
            'What went, counted: runtimeRules, pins, requests; with data also payouts, postbacks, savedCards, cardSessions, balances.',
          additionalProperties: { type: 'integer' },
        },
      },
      ['reset', 'data', 'scenarios', 'cleared'],
    ),
    ScenarioRule: {
      title: 'A scenario rule',
      description:
        'As in a scenario file (scenarios/README.md); the same schema the files are checked with, made from its zod schema (scenarios/schema.ts).',
      ...scenarioRuleSchema(),
    },
    DescribedRule: {
      type: 'object',
      description:
        'A loaded rule: its id (`<scenario>#<n>`, `<scenario>/<name>`, `runtime#<n>`), priority, methods, match (regexes as {regex, flags}) and what it decides.',
      properties: { id: text('Its id.') },
      required: ['id'],
      additionalProperties: true,
    },
    Scenario: object(
      {
        name: text('Its name.'),
        description: text('What it is for.'),
        apply: { type: 'string', enum: [...SCENARIO_APPLIES] },
        source: text('Its file, or `runtime`.'),
        rules: list(ref('DescribedRule')),
      },
      ['name', 'apply', 'source', 'rules'],
    ),
    Pins: {
      type: 'object',
      description: 'Pinned scenarios by merchant id; `*` for all merchants.',
      additionalProperties: { type: 'string' },
    },
    SandboxEvent: {
      title: 'A live event',
      description:
        'The `data:` of an event on GET /__sandbox/events: `{id, at, type, …}` with records as the routes show them: payout {payout: PayoutView}, postback {postback: Postback}, card {card: SavedCard}, card-session {session: CardSession}, balance {merchantId, balanceMinor}, request {entry: JournalEntry}, reset {scope: data | requests}, clock {now, speed}, forgotten {paymentIds} (settled payouts the retention setting dropped, with their postbacks); and `resync` {lastEventId, newestId, reason} when a resume cannot be served.',
      ...object(
        {
          id: integer('Counts up from 1 in each run of the sandbox.'),
          at: text('The sandbox clock, ISO 8601.'),
          type: { type: 'string', enum: [...SANDBOX_EVENT_TYPES, 'resync'] },
        },
        ['type'],
        { additionalProperties: true },
      ),
    },
  };
}
