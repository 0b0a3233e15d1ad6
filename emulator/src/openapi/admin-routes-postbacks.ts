import { POSTBACK_STATES } from '../postbacks/postback.js';
import {
  ADMIN_TAGS,
  type AdminRoute,
  integer,
  limitParameter,
  list,
  MAX_ADVANCE_MS,
  MAX_SPEED,
  MAX_WAIT_MS,
  nullableCursor,
  object,
} from './admin-shared.js';
import { queryParameter, ref, text } from './schema.js';

/** The admin routes of the virtual clock and postbacks. */
export const POSTBACK_ROUTES: readonly AdminRoute[] = [
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
];
