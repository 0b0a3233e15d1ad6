import { PAYOUT_METHODS } from '../payouts/payout.js';
import {
  ADMIN_TAGS,
  type AdminRoute,
  amount,
  limitParameter,
  list,
  object,
  OPENAPI_PATH,
  PAYOUT_STATUSES,
} from './admin-shared.js';
import { queryParameter, ref, text } from './schema.js';

/** The admin routes of the sandbox itself, merchants and payouts. */
export const PAYOUT_ROUTES: readonly AdminRoute[] = [
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
];
