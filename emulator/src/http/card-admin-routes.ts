import { Router } from 'express';
import type {
  CardFilter,
  CardList,
  CardSessionFilter,
  CardSessionList,
  CardSessionView,
  SavedCardView,
  TestCardView,
} from '../admin/api-types.js';
import type { SavedCard } from '../cards/card.js';
import type { CardStorage } from '../cards/card-storage.js';
import type { CardSession, CardSessionState } from '../cards/card-session.js';
import type { DirectCard } from '../cards/saved-cards.js';
import { isEveryonesCard } from '../cards/everyone.js';
import { TEST_CARDS } from '../cards/test-cards.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import { USER_ID } from '../payouts/request.js';
import type { Store } from '../store/store.js';
import { refuse, sendAdminError, sendRefusal, type AdminRefusal } from './admin-errors.js';
import { isRecord } from './form-body.js';
import { filterText, listLimit } from './list-query.js';
import { cardPagePath } from './card-page.js';

/**
 * Saved cards and card sessions for tests and QA (issue 11): save a card without a browser, see
 * the cards users saved next to the documented test cards, and follow the hosted-page sessions.
 */
export function cardAdminRoutes(deps: {
  store: Store;
  cards: CardStorage;
  merchants: MerchantDirectory;
}): Router {
  const router = Router();

  router.get('/__sandbox/cards', async (req, res) => {
    const result = await listCards(deps.store, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.list);
  });

  router.post('/__sandbox/cards', async (req, res) => {
    const parsed = parseSaveCard(req.body, deps.merchants);
    if (!parsed.ok) {
      sendAdminError(res, 'bad-request', SAVE_CARD_USAGE, { problems: parsed.problems });
      return;
    }
    let saved;
    try {
      saved = await deps.cards.saveDirect(parsed.input);
    } catch (error) {
      sendAdminError(
        res,
        'store-failed',
        `the sandbox could not store the card (${(error as Error).message}); check the data file's disk and permissions, then try again`,
      );
      return;
    }
    if (!saved.ok) {
      sendAdminError(res, 'bad-request', SAVE_CARD_USAGE, { problems: saved.errors });
      return;
    }
    res.status(201).json(describeCard(saved.card));
  });

  router.get('/__sandbox/card-sessions', async (req, res) => {
    const result = await listCardSessions(deps.store, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.list);
  });

  return router;
}

/** The documented test cards, as the admin API and `startSandbox().cards` name their fields. */
export function testCardViews(): TestCardView[] {
  return TEST_CARDS.map((card) => ({
    pan: card.pan,
    token: card.token,
    id: card.id,
    outcome: card.documented,
  }));
}

/** `GET /__sandbox/cards`: the test cards, and the saved cards that match `filter`. */
export async function listCards(
  store: Store,
  filter: CardFilter | Readonly<Record<string, unknown>>,
): Promise<{ ok: true; list: CardList } | AdminRefusal> {
  const query = filter as Readonly<Record<string, unknown>>;
  const merchantId = filterText(query.merchant_id);
  const userId = filterText(query.user_id);
  const status = filterText(query.status);
  if (status !== undefined && status !== 'approved' && status !== 'deleted') {
    return refuse(
      'bad-request',
      `status must be approved or deleted, not "${status.slice(0, 100)}"`,
    );
  }
  const limit = listLimit(filterText(query.limit));
  const saved: SavedCard[] = [];
  for (const card of await store.cards()) {
    // The test cards are everyone's: they are listed once, under `cards`.
    if (isEveryonesCard(card)) continue;
    if (merchantId !== undefined && card.merchantId !== merchantId) continue;
    if (userId !== undefined && card.userId !== userId) continue;
    if (status !== undefined && card.status !== status) continue;
    saved.push(card);
  }
  saved.sort((a, b) => b.id - a.id);
  return {
    ok: true,
    list: {
      cards: testCardViews(),
      saved: saved.slice(0, limit).map(describeCard),
      total: saved.length,
      limit,
    },
  };
}

/** `GET /__sandbox/card-sessions`: the sessions that match `filter`, newest first. */
export async function listCardSessions(
  store: Store,
  filter: CardSessionFilter | Readonly<Record<string, unknown>>,
): Promise<{ ok: true; list: CardSessionList } | AdminRefusal> {
  const query = filter as Readonly<Record<string, unknown>>;
  const merchantId = filterText(query.merchant_id);
  const userId = filterText(query.user_id);
  const state = filterText(query.state);
  if (state !== undefined && !(SESSION_STATES as readonly string[]).includes(state)) {
    return refuse(
      'bad-request',
      `state must be one of ${SESSION_STATES.join(', ')}, not "${state.slice(0, 100)}"`,
    );
  }
  const limit = listLimit(filterText(query.limit));
  const found: CardSession[] = [];
  for (const session of await store.cardSessions()) {
    if (merchantId !== undefined && session.merchantId !== merchantId) continue;
    if (userId !== undefined && session.userId !== userId) continue;
    if (state !== undefined && session.state !== state) continue;
    found.push(session);
  }
  found.sort((a, b) => b.paymentId - a.paymentId);
  return {
    ok: true,
    list: {
      sessions: found.slice(0, limit).map(describeSession),
      total: found.length,
      limit,
    },
  };
}

const SESSION_STATES: readonly CardSessionState[] = [
  'created',
  'awaiting-3ds',
  'approved',
  'failed',
];

const SAVE_CARD_USAGE =
  'send {"userId": "...", "pan": "4716047261941981"} and optionally "merchantId" (the default merchant), "holder", "month", "year" (12 and three years ahead) and "payoutOnly"';

/** A saved card as the admin API shows it, with how a payout to it ends by default. */
export function describeCard(card: SavedCard): SavedCardView {
  return {
    ...card,
    outcome: TEST_CARDS.find((test) => test.pan === card.pan)?.documented ?? 'success',
  };
}

/** A session, with the path of its hosted page (the Gateway's PCI sessions have none). */
/** A card session as the admin API (and its live events) show it: with its hosted page. */
export function describeSession(session: CardSession): CardSessionView {
  return {
    ...session,
    ...(session.variant !== 'gateway'
      ? { page: cardPagePath(session.merchantId, session.viewId) }
      : {}),
  };
}

const SAVE_CARD_FIELDS = new Set([
  'merchantId',
  'userId',
  'pan',
  'holder',
  'month',
  'year',
  'payoutOnly',
]);

/**
 * The body of `POST /__sandbox/cards`, checked field by field; the card itself (Luhn, expiry) is
 * checked by `CardStorage.saveDirect`, whose messages come back in the same shape.
 */
export function parseSaveCard(
  body: unknown,
  merchants: MerchantDirectory,
): { ok: true; input: DirectCard } | { ok: false; problems: Record<string, string> } {
  if (!isRecord(body)) return { ok: false, problems: { body: 'must be a JSON object' } };
  const problems: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    if (!SAVE_CARD_FIELDS.has(name)) {
      problems[name] =
        `is not a field of a card; the fields are ${[...SAVE_CARD_FIELDS].join(', ')}`;
    }
  }
  const scalar = (name: string): string | undefined => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    problems[name] = 'must be a string';
    return undefined;
  };

  const known = merchants.all().map((merchant) => merchant.id);
  const merchantId = scalar('merchantId') ?? known[0] ?? '';
  if (problems.merchantId === undefined && merchants.find(merchantId) === undefined) {
    problems.merchantId = `no merchant ${merchantId} is configured; known: ${known.join(', ')}`;
  }
  const userId = scalar('userId');
  if (userId === undefined || userId === '') {
    problems.userId ??= 'is required: the pg_user_id the card is saved for';
  } else if (!USER_ID.test(userId)) {
    problems.userId =
      'must be 1-50 characters of Latin letters, digits, "_" or "-", as reg2reg takes pg_user_id';
  }
  const pan = scalar('pan');
  if (pan === undefined) problems.pan ??= 'is required: the card number, e.g. 4716047261941981';
  const holder = scalar('holder');
  const month = scalar('month');
  const year = scalar('year');
  const payoutOnly = body.payoutOnly;
  if (payoutOnly !== undefined && payoutOnly !== null && typeof payoutOnly !== 'boolean') {
    problems.payoutOnly = 'must be true or false';
  }
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    input: {
      merchantId,
      userId: userId ?? '',
      pan: pan ?? '',
      ...(holder !== undefined ? { holder } : {}),
      ...(month !== undefined ? { month } : {}),
      ...(year !== undefined ? { year } : {}),
      ...(typeof payoutOnly === 'boolean' ? { payoutOnly } : {}),
    },
  };
}
