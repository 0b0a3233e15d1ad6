import { SANDBOX_EVENT_TYPES } from '../admin/events.js';
import { USER_ID } from '../payouts/request.js';
import {
  ADMIN_TAGS,
  type AdminRoute,
  boolean,
  integer,
  limitParameter,
  list,
  object,
  SESSION_STATES,
} from './admin-shared.js';
import { queryParameter, ref, text } from './schema.js';

/** The admin routes of cards, card sessions, live events and unknown admin paths. */
export const CARD_ROUTES: readonly AdminRoute[] = [
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
