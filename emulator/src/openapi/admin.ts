import { z } from 'zod';
import { SANDBOX_EVENT_TYPES } from '../admin/events.js';
import { JOURNAL_LIMITS } from '../gateway/journal.js';
import { ADMIN_ERRORS, type AdminErrorCode } from '../http/admin-errors.js';
import { PAYOUT_METHODS } from '../payouts/payout.js';
import { POSTBACK_STATES } from '../postbacks/postback.js';
import { ruleSchema } from '../scenarios/schema.js';
import { SCENARIO_APPLIES } from '../scenarios/model.js';
import { USER_ID } from '../payouts/request.js';
import {
  openApiPath,
  pathParameter,
  queryParameter,
  ref,
  text,
  type Json,
  type Operation,
} from './schema.js';

/**
 * The sandbox's own JSON API under `/__sandbox` (http/admin-routes.ts and the route files it
 * mounts): what each route takes and answers, and the one error shape. The scenario rule a route
 * takes is the zod schema scenario files are checked with, as JSON Schema; the error codes are
 * the admin catalogue (http/admin-errors.ts).
 */
export const ADMIN_TAGS = {
  sandbox: 'Sandbox',
  payouts: 'Admin: payouts and merchants',
  scenarios: 'Admin: scenarios, requests, reset',
  postbacks: 'Admin: postbacks and the clock',
  cards: 'Admin: cards',
  events: 'Admin: live events',
} as const;

/** Where the sandbox serves this document. */
export const OPENAPI_PATH = '/__sandbox/openapi.json';

const LIST_LIMIT = { default: 100, max: 10_000 } as const;
/** http/postback-routes.ts: at most ten years, and 100,000 times real time. */
const MAX_ADVANCE_MS = 10 * 365 * 24 * 3_600_000;
const MAX_SPEED = 100_000;
const MAX_WAIT_MS = 120_000;
const PAYOUT_STATUSES = ['waiting', 'process', 'ok', 'error'] as const;
const SESSION_STATES = ['created', 'awaiting-3ds', 'approved', 'failed'] as const;

const json = (schema: Json): Json => ({ 'application/json': { schema } });
const integer = (description: string, more: Json = {}): Json => ({
  type: 'integer',
  description,
  ...more,
});
const boolean = (description: string): Json => ({ type: 'boolean', description });
const object = (
  properties: Record<string, Json>,
  required: string[] = [],
  more: Json = {},
): Json => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...more,
});
const list = (items: Json, description?: string): Json => ({
  type: 'array',
  items,
  ...(description !== undefined ? { description } : {}),
});
const nullableCursor = (what: string): Json => ({
  type: ['string', 'null'],
  description: `Pass as cursor for the next page (${what}); null on the last one.`,
});
const amount = (description: string): Json =>
  text(description, { pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['1000000.00'] });

function limitParameter(byDefault: number = LIST_LIMIT.default): Json {
  return {
    ...queryParameter(
      'limit',
      `At most this many (${byDefault} by default, ${LIST_LIMIT.max} at most).`,
    ),
    schema: { type: 'integer', minimum: 1, maximum: LIST_LIMIT.max },
  };
}

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

/** The zod schema of a rule as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without `$schema`. */
function scenarioRuleSchema(): Json {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ruleSchema, { io: 'input' }) as Json;
  return schema;
}

interface AdminRoute {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly id: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly query?: readonly Json[];
  readonly body?: Json;
  readonly ok: { readonly status: number; readonly description: string; readonly schema: Json };
  /** An answer that is not an admin error (health's 503), in the route's own shape. */
  readonly otherwise?: {
    readonly status: number;
    readonly description: string;
    readonly schema: Json;
  };
  readonly errors?: readonly AdminErrorCode[];
  /** Served without the admin token. */
  readonly open?: true;
  /** A route that writes to the data file. */
  readonly writes?: true;
}

const PATH_PARAMETERS: Record<string, string> = {
  id: 'The id, as the list shows it.',
  paymentId: "The payout's pg_payment_id.",
  rest: 'Any other path below /__sandbox.',
};

const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'get',
    path: '/__sandbox/health',
    id: 'health',
    tag: ADMIN_TAGS.sandbox,
    summary: 'Whether the sandbox is up and its store answers',
    open: true,
    ok: {
      status: 200,
      description: 'Up, and its store can be used.',
      schema: object({ status: { type: 'string', enum: ['ok'] } }, ['status']),
    },
    otherwise: {
      status: 503,
      description:
        'Up, but its store cannot be used (PostgreSQL down, unreachable or not answering within 2 s): it can serve nothing now. `problem` says what is wrong, without the password.',
      schema: object(
        {
          status: { type: 'string', enum: ['unavailable'] },
          problem: { type: 'string' },
        },
        ['status', 'problem'],
      ),
    },
  },
  {
    method: 'get',
    path: '/__sandbox',
    id: 'sandbox_home',
    tag: ADMIN_TAGS.sandbox,
    summary: 'A page for browsers that links to the QA dashboard',
    description:
      'A browser (Accept: text/html) gets a page linking to the QA dashboard, whose files are served at /__sandbox/ui/ without the admin token (the page is where the token is typed in). Other clients get the JSON 404 of an unserved path.',
    open: true,
    ok: { status: 200, description: 'The page.', schema: { type: 'string' } },
  },
  {
    method: 'get',
    path: OPENAPI_PATH,
    id: 'openapi_document',
    tag: ADMIN_TAGS.sandbox,
    summary: 'This document: OpenAPI 3.1',
    description:
      'Built once per process from the code the sandbox validates with. Served without the admin token, like the dashboard files: it is documentation and holds no data.',
    open: true,
    ok: { status: 200, description: 'The OpenAPI 3.1 document.', schema: { type: 'object' } },
  },
  {
    method: 'get',
    path: '/__sandbox/merchants',
    id: 'list_merchants',
    tag: ADMIN_TAGS.payouts,
    summary: 'Merchants and their payout balances',
    ok: {
      status: 200,
      description: 'The merchants.',
      schema: object(
        {
          merchants: list(
            object(
              { pg_merchant_id: text('The merchant.'), balance: amount('Its payout balance.') },
              ['pg_merchant_id', 'balance'],
            ),
          ),
        },
        ['merchants'],
      ),
    },
  },
  {
    method: 'post',
    path: '/__sandbox/merchants/:id/balance',
    id: 'change_balance',
    tag: ADMIN_TAGS.payouts,
    summary: "Top up, take from or set a merchant's payout balance",
    description: 'Exactly one of add and set; never below 0.00 (409).',
    body: {
      oneOf: [
        object(
          {
            add: text('Added; may be negative ("-50.00").', {
              pattern: '^-?[0-9]{1,9}(\\.[0-9]{1,2})?$',
            }),
          },
          ['add'],
          { additionalProperties: false },
        ),
        object(
          { set: text('The new balance, 0 or more.', { pattern: '^[0-9]{1,9}(\\.[0-9]{1,2})?$' }) },
          ['set'],
          { additionalProperties: false },
        ),
      ],
      example: { add: '100.00' },
    },
    writes: true,
    ok: { status: 200, description: 'The balance now and before.', schema: ref('MerchantBalance') },
    errors: ['bad-request', 'not-found', 'conflict'],
  },
  {
    method: 'get',
    path: '/__sandbox/payouts',
    id: 'list_payouts',
    tag: ADMIN_TAGS.payouts,
    summary: 'Stored payouts, newest first',
    query: [
      queryParameter('merchant_id', "Only this merchant's."),
      queryParameter('order_id', "Only this order's."),
      queryParameter('payment_id', 'Only this payment.'),
      queryParameter('status', 'Only in this status.', { enum: [...PAYOUT_STATUSES] }),
      queryParameter('method', 'Only made by this method.', { enum: [...PAYOUT_METHODS] }),
      queryParameter(
        'card',
        "A saved card's token or id, or a masked number (4671-59XX-XXXX-8252).",
      ),
      limitParameter(),
      queryParameter('cursor', 'The next_cursor of the previous page.', {
        pattern: '^[0-9]{1,15}$',
      }),
    ],
    ok: { status: 200, description: 'A page of payouts.', schema: ref('PayoutPage') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/payouts/:paymentId',
    id: 'get_payout',
    tag: ADMIN_TAGS.payouts,
    summary: 'One payout, with its answer as sent',
    ok: { status: 200, description: 'The payout.', schema: ref('PayoutView') },
    errors: ['not-found'],
  },
  {
    method: 'post',
    path: '/__sandbox/payouts/:paymentId/finish',
    id: 'finish_payout',
    tag: ADMIN_TAGS.payouts,
    summary: 'End a process payout now',
    description:
      "Its timer is cancelled; the ledger and the notify are a natural finish's. 409 for a final payout, or a payout page still waiting (complete it instead).",
    body: {
      ...object(
        {
          outcome: text('"ok" or "error <code>", the final outcomes of scenario files.', {
            pattern: '^\\s*(?:ok|error\\s+[1-9][0-9]{0,8})\\s*$',
          }),
          description: text(
            "With an error only: pg_error_description (the catalogue's text by default).",
            {
              minLength: 1,
              maxLength: 1_000,
            },
          ),
        },
        ['outcome'],
        { additionalProperties: false },
      ),
      example: { outcome: 'error 10001' },
    },
    writes: true,
    ok: { status: 200, description: 'The payout, finished.', schema: ref('PayoutView') },
    errors: ['bad-request', 'not-found', 'conflict'],
  },
  {
    method: 'post',
    path: '/__sandbox/payout-pages/:paymentId/complete',
    id: 'complete_payout_page',
    tag: ADMIN_TAGS.payouts,
    summary: 'Finish a payout page as if the recipient typed the number',
    body: {
      ...object(
        {
          pan: text(
            'The card number: 13 to 19 digits (spaces and dashes dropped), passing the Luhn check.',
          ),
        },
        ['pan'],
        { additionalProperties: false },
      ),
      example: { pan: '4671593866478252' },
    },
    writes: true,
    ok: { status: 200, description: 'The payout.', schema: ref('Payout') },
    errors: ['bad-request', 'not-found', 'conflict'],
  },
  {
    method: 'get',
    path: '/__sandbox/scenarios',
    id: 'list_scenarios',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Loaded scenarios, their rules, load problems and pins',
    ok: {
      status: 200,
      description: 'The scenarios.',
      schema: object(
        {
          dir: text('The scenarios folder, when there is one.'),
          scenarios: list(ref('Scenario')),
          problems: list(
            object(
              {
                file: text('The file.'),
                line: integer('Line.'),
                column: integer('Column.'),
                message: text('What to fix.'),
              },
              ['file', 'message'],
              { additionalProperties: true },
            ),
          ),
          pinned: ref('Pins'),
        },
        ['scenarios', 'problems', 'pinned'],
      ),
    },
  },
  {
    method: 'put',
    path: '/__sandbox/scenarios/active',
    id: 'pin_scenario',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Pin a scenario, for all merchants or one',
    body: {
      ...object(
        {
          name: text('The scenario.'),
          merchant_id: { type: ['string', 'integer'], description: 'Only for this merchant.' },
        },
        ['name'],
      ),
      example: { name: 'gateway-down' },
    },
    ok: {
      status: 200,
      description: 'The pins now.',
      schema: object({ pinned: ref('Pins') }, ['pinned']),
    },
    errors: ['bad-request', 'not-found'],
  },
  {
    method: 'delete',
    path: '/__sandbox/scenarios/active',
    id: 'unpin_scenario',
    tag: ADMIN_TAGS.scenarios,
    summary: "Unpin (all pins, or one merchant's)",
    query: [queryParameter('merchant_id', "Only this merchant's pin.")],
    ok: {
      status: 200,
      description: 'The pins now.',
      schema: object({ pinned: ref('Pins') }, ['pinned']),
    },
  },
  {
    method: 'post',
    path: '/__sandbox/scenarios',
    id: 'add_rules',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Add a rule (or several) at run time',
    description:
      'One rule, or {"rules": [...]}. Run-time rules come before the files\' rules of the same priority; a reset removes them.',
    body: {
      anyOf: [ref('ScenarioRule'), object({ rules: list(ref('ScenarioRule')) }, ['rules'])],
      example: { match: { pg_amount: { min: 5000 } }, outcome: 'error 10000' },
    },
    ok: {
      status: 201,
      description: 'The rules added, with their ids.',
      schema: object({ rules: list(ref('DescribedRule')) }, ['rules']),
    },
    errors: ['bad-request'],
  },
  {
    method: 'delete',
    path: '/__sandbox/scenarios/rules/*id',
    id: 'remove_rule',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Remove a run-time rule by its id',
    description:
      "The id as GET /__sandbox/scenarios shows it (runtime#1 sent as runtime%231; runtime/slow as it is or with %2F). A file's rule: 409, edit the file.",
    ok: {
      status: 200,
      description: 'The rules removed.',
      schema: object({ removed: list(ref('DescribedRule')) }, ['removed']),
    },
    errors: ['not-found', 'conflict'],
  },
  {
    method: 'post',
    path: '/__sandbox/reset',
    id: 'reset',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Back to the scenario files (and, with data, to an empty store)',
    body: {
      ...object(
        {
          data: boolean('Also clear payouts, postbacks, saved cards, card sessions and balances.'),
        },
        [],
        {
          additionalProperties: false,
        },
      ),
      example: { data: true },
    },
    writes: true,
    ok: { status: 200, description: 'What was cleared.', schema: ref('ResetAnswer') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/requests',
    id: 'list_requests',
    tag: ADMIN_TAGS.scenarios,
    summary: 'The request journal, newest first: which rule answered each request, and why',
    query: [
      queryParameter('path', 'The path as requested, e.g. /api/reg2reg.'),
      queryParameter('merchant_id', "Only this merchant's."),
      queryParameter('order_id', "Only this order's."),
      queryParameter('outcome', '`error 1100`, or `error` for every error.'),
      limitParameter(JOURNAL_LIMITS.entries),
      queryParameter('cursor', 'The next_cursor of the previous page.', {
        pattern: '^[0-9]{1,15}$',
      }),
    ],
    ok: { status: 200, description: 'A page of entries.', schema: ref('RequestPage') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/clock',
    id: 'get_clock',
    tag: ADMIN_TAGS.postbacks,
    summary: 'The sandbox time, speed and pending timers',
    ok: { status: 200, description: 'The clock.', schema: ref('ClockStatus') },
  },
  {
    method: 'post',
    path: '/__sandbox/clock/advance',
    id: 'advance_clock',
    tag: ADMIN_TAGS.postbacks,
    summary: 'Move the clock ahead and run everything that became due',
    body: {
      ...object({
        ms: {
          oneOf: [
            integer('Milliseconds, 0 or more.', { minimum: 0, maximum: MAX_ADVANCE_MS }),
            text('A duration as in scenario files: 250ms, 5s, 2m, 1h.'),
          ],
        },
        by: {
          oneOf: [
            text('A duration as in scenario files: 250ms, 5s, 2m, 1h.'),
            integer('Milliseconds, 0 or more.', { minimum: 0, maximum: MAX_ADVANCE_MS }),
          ],
        },
      }),
      description: 'Send `ms` or `by` (at most ten years).',
      example: { by: '10m' },
    },
    ok: { status: 200, description: 'The clock.', schema: ref('ClockStatus') },
    errors: ['bad-request'],
  },
  {
    method: 'post',
    path: '/__sandbox/clock/speed',
    id: 'set_clock_speed',
    tag: ADMIN_TAGS.postbacks,
    summary: 'Stop the clock or set its speed',
    body: {
      ...object(
        {
          speed: {
            type: 'number',
            minimum: 0,
            maximum: MAX_SPEED,
            description: '0 stops the clock, 1 is real time, 10 ten times faster.',
          },
        },
        ['speed'],
      ),
      example: { speed: 0 },
    },
    ok: { status: 200, description: 'The clock.', schema: ref('ClockStatus') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/postbacks',
    id: 'list_postbacks',
    tag: ADMIN_TAGS.postbacks,
    summary: 'Postbacks and their delivery log, newest first',
    query: [
      queryParameter('order_id', "Only this order's."),
      queryParameter('payment_id', "Only this payment's."),
      queryParameter('state', 'Only in this state.', { enum: [...POSTBACK_STATES] }),
      limitParameter(),
      queryParameter('cursor', 'The next_cursor of the previous page.', {
        pattern: '^[0-9]{1,15}-[0-9]{1,6}$',
      }),
    ],
    ok: {
      status: 200,
      description: 'A page of postbacks.',
      schema: object(
        {
          postbacks: list(ref('Postback')),
          total: integer('How many match.'),
          limit: integer('The page size.'),
          next_cursor: nullableCursor('a postback id'),
        },
        ['postbacks', 'total', 'limit', 'next_cursor'],
      ),
    },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/postbacks/wait',
    id: 'wait_for_postback',
    tag: ADMIN_TAGS.postbacks,
    summary: "Long poll: answer once the order's postback is delivered (or failed for good)",
    query: [
      queryParameter('order_id', 'The order (this or payment_id).'),
      queryParameter('payment_id', 'The payment (this or order_id).'),
      {
        ...queryParameter(
          'timeout_ms',
          `How long to wait (10000 by default, ${MAX_WAIT_MS} at most).`,
        ),
        schema: { type: 'integer', minimum: 0 },
      },
    ],
    ok: { status: 200, description: 'The postback.', schema: ref('Postback') },
    errors: ['bad-request', 'not-found', 'conflict', 'timeout'],
  },
  {
    method: 'post',
    path: '/__sandbox/postbacks/:id/resend',
    id: 'resend_postback',
    tag: ADMIN_TAGS.postbacks,
    summary: 'Send a postback again, now, as a new delivery',
    writes: true,
    ok: { status: 201, description: 'The new delivery.', schema: ref('Postback') },
    errors: ['not-found', 'outbox-full'],
  },
  {
    method: 'get',
    path: '/__sandbox/cards',
    id: 'list_cards',
    tag: ADMIN_TAGS.cards,
    summary: 'The test cards, and the cards users saved (newest first)',
    query: [
      queryParameter('merchant_id', "Only this merchant's."),
      queryParameter('user_id', "Only this user's."),
      queryParameter('status', 'Only in this status.', { enum: ['approved', 'deleted'] }),
      limitParameter(),
    ],
    ok: {
      status: 200,
      description: 'The cards.',
      schema: object(
        {
          cards: list(
            object({
              pan: text('The number.'),
              token: text('Its token: send it as pg_card_token_to.'),
              id: integer('Its id: send it as pg_card_id_to.'),
              outcome: text('How a payout to it ends.'),
            }),
            "The documented payout test cards: everyone's.",
          ),
          saved: list(ref('SavedCard')),
          total: integer('How many saved cards match.'),
          limit: integer('The page size.'),
        },
        ['cards', 'saved', 'total', 'limit'],
      ),
    },
    errors: ['bad-request'],
  },
  {
    method: 'post',
    path: '/__sandbox/cards',
    id: 'save_card',
    tag: ADMIN_TAGS.cards,
    summary: 'Save a card without the hosted page (no session, no callback, no 3DS)',
    body: {
      ...object(
        {
          userId: text('The pg_user_id it is saved for.', { pattern: USER_ID.source }),
          pan: text('The number: 13 to 19 digits, Luhn.'),
          merchantId: text('The default merchant unless given.'),
          holder: text('The holder.'),
          month: text('12 unless given.'),
          year: text('Three years ahead unless given.'),
          payoutOnly: boolean('As if saved through cardstoragepayout/add.'),
        },
        ['userId', 'pan'],
        { additionalProperties: false },
      ),
      example: { userId: '42', pan: '4716047261941981' },
    },
    writes: true,
    ok: { status: 201, description: 'The card.', schema: ref('SavedCard') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/card-sessions',
    id: 'list_card_sessions',
    tag: ADMIN_TAGS.cards,
    summary: 'Card-saving sessions, newest first',
    query: [
      queryParameter('merchant_id', "Only this merchant's."),
      queryParameter('user_id', "Only this user's."),
      queryParameter('state', 'Only in this state.', { enum: [...SESSION_STATES] }),
      limitParameter(),
    ],
    ok: {
      status: 200,
      description: 'The sessions.',
      schema: object(
        {
          sessions: list(ref('CardSession')),
          total: integer('How many match.'),
          limit: integer('The page size.'),
        },
        ['sessions', 'total', 'limit'],
      ),
    },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/events',
    id: 'events',
    tag: ADMIN_TAGS.events,
    summary: 'Live events as Server-Sent Events',
    description:
      'Each event is `id:` (counting up in this run), `event:` (its type) and `data:` (SandboxEvent as JSON); a `: heartbeat` comment every 15 s; `retry: 2000` first. Last-Event-ID (or ?last_event_id=) replays what came after it from the last 500 events, or sends one `resync` event when it cannot.',
    query: [
      queryParameter(
        'types',
        `A comma-separated list of ${SANDBOX_EVENT_TYPES.join(', ')}; all by default.`,
      ),
      queryParameter('last_event_id', 'Resume after this event (the Last-Event-ID header wins).', {
        pattern: '^[0-9]{1,15}$',
      }),
    ],
    ok: { status: 200, description: 'The stream (text/event-stream).', schema: { type: 'string' } },
    errors: ['bad-request', 'not-found', 'unavailable'],
  },
  {
    method: 'post',
    path: '/__sandbox/*rest',
    id: 'unknown_admin_route',
    tag: ADMIN_TAGS.sandbox,
    summary: 'Any other admin path (any method)',
    ok: { status: 404, description: 'unknown-route.', schema: ref('AdminError') },
  },
];

function adminOperation(route: AdminRoute): Operation {
  const parameters: Json[] = [];
  for (const match of route.path.matchAll(/[:*]([A-Za-z_]\w*)/g)) {
    const name = match[1] as string;
    parameters.push(pathParameter(name, PATH_PARAMETERS[name] ?? name));
  }
  if (route.id === 'events') {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'Sent by a reconnecting browser: resume after this event.',
      schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
    });
  }
  parameters.push(...(route.query ?? []));
  const codes: AdminErrorCode[] = [...(route.errors ?? [])];
  if (route.open !== true) codes.push('unauthorized');
  if (route.body !== undefined) codes.push('bad-json', 'too-large');
  if (route.writes === true) codes.push('store-failed');
  if (route.open !== true) codes.push('internal');
  const byStatus = new Map<number, AdminErrorCode[]>();
  for (const code of codes) {
    const status = ADMIN_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const okContent =
    route.id === 'events'
      ? {
          'text/event-stream': {
            schema: { type: 'string' },
            example:
              'id: 1\nevent: payout\ndata: {"id":1,"at":"2026-01-15T10:00:00.000Z","type":"payout","payout":{…}}\n\n',
          },
        }
      : route.id === 'sandbox_home'
        ? { 'text/html': { schema: { type: 'string' } } }
        : json(route.ok.schema);
  const responses: Record<string, Json> = {
    [String(route.ok.status)]: { description: route.ok.description, content: okContent },
    ...(route.otherwise
      ? {
          [String(route.otherwise.status)]: {
            description: route.otherwise.description,
            content: json(route.otherwise.schema),
          },
        }
      : {}),
  };
  for (const [status, group] of byStatus) {
    responses[String(status)] = {
      description: group.map((code) => `${code}: ${ADMIN_ERRORS[code].meaning}`).join('; '),
      content: json(ref('AdminError')),
    };
  }
  const { example, ...bodySchema } = route.body ?? {};
  return {
    operationId: route.id,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.open === true ? [] : ADMIN_SECURITY,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body !== undefined
      ? {
          requestBody: {
            required: route.id !== 'reset',
            content: {
              'application/json': {
                schema: bodySchema,
                ...(example !== undefined ? { example } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The admin token, when SANDBOX_ADMIN_TOKEN is set; none otherwise (the empty requirement). */
const ADMIN_SECURITY = [{ adminBearer: [] }, { adminToken: [] }, {}];

export const ADMIN_SECURITY_SCHEMES = {
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'With SANDBOX_ADMIN_TOKEN set, every admin route but health, the dashboard files and this document needs `Authorization: Bearer <token>` (or X-Sandbox-Token); without it, none does.',
  },
  adminToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Sandbox-Token',
    description: 'The same token.',
  },
};

export function adminPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const route of ADMIN_ROUTES) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    item[route.method] = adminOperation(route);
    if (route.path === '/__sandbox/*rest') {
      item.description =
        'Express answers every method here with 404 unknown-route; `post` stands for all of them.';
    }
  }
  return paths;
}
