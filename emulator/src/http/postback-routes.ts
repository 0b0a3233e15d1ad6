import { Router } from 'express';
import type { VirtualClock } from '../clock.js';
import type { PostbackDispatcher } from '../postbacks/dispatcher.js';
import { describePostback, POSTBACK_STATES, type Postback } from '../postbacks/postback.js';
import { renderGatewayXml } from './xml.js';

/** A postback as the admin API shows it, `pg_xml` bodies as the XML they carried. */
function describe(postback: Postback): Record<string, unknown> {
  return describePostback(postback, renderGatewayXml);
}
import type { Store } from '../store/store.js';
import { sendAdminError } from './admin-errors.js';
import { listCursor, listLimit } from './list-limit.js';

const MAX_WAIT_MS = 120_000;
const DEFAULT_WAIT_MS = 10_000;
/** Faster than this, every timer of a day fires within a second: a typo, not a test. */
const MAX_SPEED = 100_000;
/** Ten years: more is a typo, not a test. */
const MAX_ADVANCE_MS = 10 * 365 * 24 * 3_600_000;

/** The outbox, its delivery log, the long poll, and the clock that drives them. */
export function postbackRoutes(deps: {
  store: Store;
  postbacks: PostbackDispatcher;
  clock: VirtualClock;
}): Router {
  const router = Router();

  router.get('/__sandbox/clock', (_req, res) => {
    res.json(deps.clock.status());
  });

  router.post('/__sandbox/clock/advance', async (req, res) => {
    const ms = (req.body as { ms?: unknown } | undefined)?.ms;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_ADVANCE_MS) {
      sendAdminError(
        res,
        'bad-request',
        'send {"ms": N} with N a whole number of milliseconds, 0 or more (at most ten years)',
      );
      return;
    }
    await deps.clock.advance(ms);
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
    const orderId = text(req.query.order_id);
    const paymentId = text(req.query.payment_id);
    const timeout = text(req.query.timeout_ms) ?? String(DEFAULT_WAIT_MS);
    if ((orderId === undefined && paymentId === undefined) || !/^\d+$/.test(timeout)) {
      sendAdminError(
        res,
        'bad-request',
        'send order_id or payment_id, and optionally timeout_ms (milliseconds, at most 120000)',
      );
      return;
    }
    const postback = await deps.postbacks.waitFor(
      {
        ...(orderId !== undefined ? { orderId } : {}),
        ...(paymentId !== undefined ? { paymentId: Number(paymentId) } : {}),
      },
      Math.min(Number(timeout), MAX_WAIT_MS),
    );
    if (!postback) {
      sendAdminError(
        res,
        'timeout',
        `no postback for that order was delivered within ${timeout} ms; a stopped clock (SANDBOX_CLOCK_SPEED=0) needs POST /__sandbox/clock/advance`,
        { postbacks: matching(deps.store, orderId, paymentId).map(describe) },
      );
      return;
    }
    res.json(describe(postback));
  });

  router.get('/__sandbox/postbacks', (req, res) => {
    const state = text(req.query.state);
    if (state !== undefined && !(POSTBACK_STATES as readonly string[]).includes(state)) {
      sendAdminError(
        res,
        'bad-request',
        `state must be pending, delivered or failed, not "${state}"`,
      );
      return;
    }
    const cursor = listCursor(req.query.cursor, POSTBACK_ID);
    if (cursor === null) {
      sendAdminError(
        res,
        'bad-request',
        'cursor must be the next_cursor of the previous page: a postback id such as 1241702200-1',
      );
      return;
    }
    const limit = listLimit(req.query.limit);
    const found = matching(deps.store, text(req.query.order_id), text(req.query.payment_id))
      .filter((p) => state === undefined || p.state === state)
      // Newest first: by payment, then the payment's latest postback first.
      .sort((a, b) => compareNewestFirst(sortKey(a.id), sortKey(b.id)));
    const after =
      cursor === undefined
        ? found
        : found.filter((p) => compareNewestFirst(sortKey(p.id), sortKey(cursor)) > 0);
    const page = after.slice(0, limit);
    const last = page.at(-1);
    res.json({
      postbacks: page.map(describe),
      total: found.length,
      limit,
      next_cursor: last !== undefined && after.length > limit ? last.id : null,
    });
  });

  router.post('/__sandbox/postbacks/:id/resend', async (req, res) => {
    const result = await deps.postbacks.resend(req.params.id);
    switch (result.kind) {
      case 'not-found':
        sendAdminError(
          res,
          'not-found',
          `no postback ${req.params.id}; list them at GET /__sandbox/postbacks`,
        );
        return;
      case 'outbox-full':
        // The sandbox's capacity, not the caller's rate: 503, as a payout is refused then.
        sendAdminError(res, 'outbox-full', `not resent: ${result.problem}`);
        return;
      case 'resent':
        res.status(201).json(describe(result.postback));
        return;
    }
  });

  return router;
}

/** Postback ids are `<payment id>-<n>`, n counting the payment's postbacks from 1. */
const POSTBACK_ID = /^\d{1,15}-\d{1,6}$/;

function sortKey(id: string): readonly [number, number] {
  const [payment = '0', sequence = '0'] = id.split('-');
  return [Number(payment), Number(sequence)];
}

/** Above 0 when `a` comes after `b` in a newest-first list. */
function compareNewestFirst(a: readonly [number, number], b: readonly [number, number]): number {
  return b[0] - a[0] || b[1] - a[1];
}

function matching(store: Store, orderId?: string, paymentId?: string): Postback[] {
  return [...store.postbacks()].filter(
    (p) =>
      (orderId === undefined || p.orderId === orderId) &&
      (paymentId === undefined || String(p.paymentId) === paymentId),
  );
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
