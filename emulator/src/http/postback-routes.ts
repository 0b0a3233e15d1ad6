import { Router } from 'express';
import type { PostbackFilter, PostbackPage, PostbackView } from '../admin/api-types.js';
import type { VirtualClock } from '../clock.js';
import { DURATION, parseDuration } from '../duration.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { PostbackDispatcher } from '../postbacks/dispatcher.js';
import { POSTBACK_STATES, type Postback } from '../postbacks/postback.js';
import type { Store } from '../store/store.js';
import { refuse, sendAdminError, sendRefusal, type AdminRefusal } from './admin-errors.js';
import { isRecord } from './form-body.js';
import { filterText, listCursor, listLimit, queryValue } from './list-query.js';
import { describe, waitForPostback } from './postback-wait.js';

const MAX_WAIT_MS = 120_000;
const DEFAULT_WAIT_MS = 10_000;
/** Faster than this, every timer of a day fires within a second: a typo, not a test. */
const MAX_SPEED = 100_000;
/** Ten years: more is a typo, not a test. */
const MAX_ADVANCE_MS = 10 * 365 * 24 * 3_600_000;

type Result<T> = ({ readonly ok: true } & T) | AdminRefusal;

export interface PostbackDeps {
  readonly store: Store;
  readonly postbacks: PostbackDispatcher;
  readonly clock: VirtualClock;
  readonly merchants: MerchantDirectory;
  readonly journal: RequestJournal;
}

/** The outbox, its delivery log, the long poll, and the clock that drives them. */
export function postbackRoutes(deps: PostbackDeps): Router {
  const router = Router();

  router.get('/__sandbox/clock', (_req, res) => {
    res.json(deps.clock.status());
  });

  router.post('/__sandbox/clock/advance', async (req, res) => {
    const advance = parseAdvance(req.body);
    if (!advance.ok) {
      sendRefusal(res, advance);
      return;
    }
    await deps.clock.advance(advance.ms);
    res.json(deps.clock.status());
  });

  router.post('/__sandbox/clock/speed', async (req, res) => {
    const speed = (req.body as { speed?: unknown } | undefined)?.speed;
    if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0 || speed > MAX_SPEED) {
      sendAdminError(
        res,
        'bad-request',
        `send {"speed": N}: 0 stops the clock (it then moves only by POST /__sandbox/clock/advance), 1 is real time, 10 ten times faster; at most ${MAX_SPEED}`,
      );
      return;
    }
    await deps.clock.setSpeed(speed);
    res.json(deps.clock.status());
  });

  router.get('/__sandbox/postbacks/wait', async (req, res) => {
    const orderId = filterText(req.query.order_id);
    const paymentId = filterText(req.query.payment_id);
    const timeout = filterText(req.query.timeout_ms) ?? String(DEFAULT_WAIT_MS);
    if (
      (orderId === undefined && paymentId === undefined) ||
      !/^\d+$/.test(timeout) ||
      (paymentId !== undefined && !PAYMENT_ID.test(paymentId))
    ) {
      sendAdminError(
        res,
        'bad-request',
        'send order_id or payment_id (the pg_payment_id of the answer, digits), and optionally timeout_ms (milliseconds, at most 120000)',
      );
      return;
    }
    const result = await waitForPostback(
      deps,
      {
        ...(orderId !== undefined ? { orderId } : {}),
        ...(paymentId !== undefined ? { paymentId } : {}),
        timeoutMs: Math.min(Number(timeout), MAX_WAIT_MS),
      },
      'http',
    );
    if (!result.ok) sendRefusal(res, result);
    else res.json(describe(result.postback));
  });

  router.get('/__sandbox/postbacks', async (req, res) => {
    const result = await listPostbacks(deps.store, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.page);
  });

  router.post('/__sandbox/postbacks/:id/resend', async (req, res) => {
    const result = await resendPostback(deps, req.params.id);
    // 201: a new postback, a delivery of its own.
    if (!result.ok) sendRefusal(res, result);
    else res.status(201).json(result.postback);
  });

  return router;
}

// ---------------------------------------------------------------------------------------------
// The clock: POST /__sandbox/clock/advance

const ADVANCE_USAGE =
  'send {"ms": 1000} (milliseconds) or {"by": "10m"} (a duration as in scenario files: 250ms, 5s, 2m, 1h; "ms" takes one too), 0 or more and at most ten years';

/** `{"ms": 1000}`, `{"by": "10m"}` or `{"ms": "10m"}`: how far to move the clock, in ms. */
export function parseAdvance(body: unknown): Result<{ ms: number }> {
  if (!isRecord(body)) {
    return refuse('bad-request', `${ADVANCE_USAGE}; the body is ${describeBody(body)}`);
  }
  const given = (['ms', 'by'] as const).filter((name) => body[name] !== undefined);
  const [name] = given;
  if (given.length !== 1 || name === undefined) {
    return refuse(
      'bad-request',
      given.length === 0
        ? `${ADVANCE_USAGE}; the body has neither`
        : `${ADVANCE_USAGE}; the body has both: send one`,
    );
  }
  const value = body[name];
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string'
        ? parseDuration(value.trim())
        : undefined;
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0 || ms > MAX_ADVANCE_MS) {
    const shown = JSON.stringify(value ?? null).slice(0, 100);
    const why =
      typeof value === 'string' && !DURATION.test(value.trim())
        ? `${shown} is not a duration`
        : typeof value === 'number' && !Number.isInteger(value)
          ? `${shown} is not a whole number of milliseconds`
          : `${shown} is not 0 to ten years`;
    return refuse('bad-request', `${why}: ${ADVANCE_USAGE}`);
  }
  return { ok: true, ms };
}

function describeBody(body: unknown): string {
  if (body === undefined) return 'empty';
  if (Array.isArray(body)) return 'a JSON array';
  return body === null ? 'null' : `a JSON ${typeof body}`;
}

// ---------------------------------------------------------------------------------------------
// The outbox: GET /__sandbox/postbacks, POST /__sandbox/postbacks/:id/resend

/** Postback ids are `<payment id>-<n>`, n counting the payment's postbacks from 1. */
const POSTBACK_ID = /^\d{1,15}-\d{1,6}$/;
const PAYMENT_ID = /^\d{1,15}$/;

/**
 * The postbacks that match `filter` (a query string's values, or a `PostbackFilter`), newest
 * first, as `GET /__sandbox/postbacks` and `startSandbox().postbacks` list them.
 */
export async function listPostbacks(
  store: Store,
  filter: PostbackFilter | Readonly<Record<string, unknown>>,
): Promise<Result<{ page: PostbackPage }>> {
  const query = filter as Readonly<Record<string, unknown>>;
  const state = filterText(query.state);
  if (state !== undefined && !(POSTBACK_STATES as readonly string[]).includes(state)) {
    return refuse(
      'bad-request',
      `state must be pending, delivered or failed, not "${state.slice(0, 100)}"`,
    );
  }
  const cursor = listCursor(queryValue(query.cursor), POSTBACK_ID);
  if (cursor === null) {
    return refuse(
      'bad-request',
      'cursor must be the next_cursor of the previous page: a postback id such as 1241702200-1',
    );
  }
  const limit = listLimit(queryValue(query.limit));
  const orderId = filterText(query.order_id);
  const paymentId = filterText(query.payment_id);
  // A payment id is matched as written: "007" names no postback.
  if (paymentId !== undefined && !/^(?:0|[1-9]\d{0,14})$/.test(paymentId)) {
    return { ok: true, page: { postbacks: [], total: 0, limit, next_cursor: null } };
  }
  // Newest first: by payment, then the payment's latest postback first.
  const found = await store.postbackPage(
    {
      ...(orderId !== undefined ? { orderId } : {}),
      ...(paymentId !== undefined ? { paymentId: Number(paymentId) } : {}),
      ...(state !== undefined ? { state: state as Postback['state'] } : {}),
    },
    { limit, ...(cursor !== undefined ? { after: cursor } : {}) },
  );
  const last = found.items.at(-1);
  return {
    ok: true,
    page: {
      postbacks: found.items.map(describe),
      total: found.total,
      limit,
      next_cursor: last !== undefined && found.more ? last.id : null,
    },
  };
}

/** Sends a postback again, now, as a new delivery (`PostbackDispatcher.resend`). */
export async function resendPostback(
  deps: { readonly postbacks: PostbackDispatcher },
  id: string,
): Promise<Result<{ postback: PostbackView }>> {
  const result = await deps.postbacks.resend(id);
  switch (result.kind) {
    case 'not-found':
      return refuse(
        'not-found',
        `no postback ${id.slice(0, 100)}; list them at GET /__sandbox/postbacks`,
      );
    case 'outbox-full':
      // The sandbox's capacity, not the caller's rate: 503, as a payout is refused then.
      return refuse('outbox-full', `not resent: ${result.problem}`);
    case 'resent':
      return { ok: true, postback: describe(result.postback) };
  }
}
