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
import { listLimit } from './list-limit.js';

const MAX_WAIT_MS = 120_000;
const DEFAULT_WAIT_MS = 10_000;
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
      res.status(400).json({
        error:
          'send {"ms": N} with N a whole number of milliseconds, 0 or more (at most ten years)',
      });
      return;
    }
    await deps.clock.advance(ms);
    res.json(deps.clock.status());
  });

  router.get('/__sandbox/postbacks/wait', async (req, res) => {
    const orderId = text(req.query.order_id);
    const paymentId = text(req.query.payment_id);
    const timeout = text(req.query.timeout_ms) ?? String(DEFAULT_WAIT_MS);
    if ((orderId === undefined && paymentId === undefined) || !/^\d+$/.test(timeout)) {
      res.status(400).json({
        error:
          'send order_id or payment_id, and optionally timeout_ms (milliseconds, at most 120000)',
      });
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
      res.status(408).json({
        error: `no postback for that order was delivered within ${timeout} ms; a stopped clock (SANDBOX_CLOCK_SPEED=0) needs POST /__sandbox/clock/advance`,
        postbacks: matching(deps.store, orderId, paymentId).map(describe),
      });
      return;
    }
    res.json(describe(postback));
  });

  router.get('/__sandbox/postbacks', (req, res) => {
    const state = text(req.query.state);
    if (state !== undefined && !(POSTBACK_STATES as readonly string[]).includes(state)) {
      res.status(400).json({ error: `state must be pending, delivered or failed, not "${state}"` });
      return;
    }
    const limit = listLimit(req.query.limit);
    const found = matching(deps.store, text(req.query.order_id), text(req.query.payment_id))
      .filter((p) => state === undefined || p.state === state)
      // Newest first, and at most `limit`.
      .sort((a, b) => b.paymentId - a.paymentId || (a.id < b.id ? 1 : -1));
    res.json({
      postbacks: found.slice(0, limit).map(describe),
      total: found.length,
      limit,
    });
  });

  router.post('/__sandbox/postbacks/:id/resend', async (req, res) => {
    const result = await deps.postbacks.resend(req.params.id);
    switch (result.kind) {
      case 'not-found':
        res.status(404).json({
          error: `no postback ${req.params.id}; list them at GET /__sandbox/postbacks`,
        });
        return;
      case 'outbox-full':
        // The sandbox's capacity, not the caller's rate: 503, as a payout is refused then.
        res.status(503).json({ error: `not resent: ${result.problem}` });
        return;
      case 'resent':
        res.status(201).json(describe(result.postback));
        return;
    }
  });

  return router;
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
