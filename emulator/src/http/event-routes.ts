import type { MerchantDirectory } from '../merchants/merchants.js';
import { payoutView } from './payout-view.js';
import { Router, type Request } from 'express';
import {
  isSandboxEventType,
  SANDBOX_EVENT_TYPES,
  type EventBus,
  type SandboxEvent,
  type SandboxEventType,
} from '../admin/events.js';
import type { Payout } from '../payouts/payout.js';
import { describePostback } from '../postbacks/postback.js';
import { describeCard, describeSession } from './card-admin-routes.js';
import { renderGatewayXml } from './xml.js';

/** Real time, not sandbox time: it keeps proxies and browsers from dropping a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** How long a browser waits before it reconnects (the stream's `retry:` hint). */
const RETRY_MS = 2_000;
/**
 * A client that stops reading would make the sandbox buffer its events without end: past this
 * much unsent, its stream is cut, and it resumes from its `Last-Event-ID` when it reconnects.
 */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export interface EventRouteDeps {
  /** Absent only in an app built without `openSandbox`'s wiring: the route then says so. */
  readonly events?: EventBus;
  /** The answer a payout got, as `GET /__sandbox/payouts/:id` shows it. */
  readonly answerOf: (payout: Payout) => Record<string, string> | undefined;
  readonly merchants: MerchantDirectory;
}

/**
 * `GET /__sandbox/events`: the live events as Server-Sent Events, for the dashboard. Mounted
 * behind the admin token. Each event is `id:` (counting up in this run), `event:` (its type) and
 * `data:` (its JSON, records as the admin API shows them); `?types=payout,postback` picks types;
 * `Last-Event-ID` (or `?last_event_id=`) replays what came after it, from the last 500 kept.
 */
export function eventRoutes(deps: EventRouteDeps): Router {
  const router = Router();
  // Rendered once per event, however many streams send it.
  const rendered = new WeakMap<SandboxEvent, string>();
  const frame = (event: SandboxEvent): string => {
    let text = rendered.get(event);
    if (text === undefined) {
      text = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(wireEvent(event, deps))}\n\n`;
      rendered.set(event, text);
    }
    return text;
  };

  router.get('/__sandbox/events', (req, res) => {
    const { events } = deps;
    if (!events) {
      res.status(404).json({
        error: 'live events are not wired in this app; openSandbox() wires them',
      });
      return;
    }
    if (events.isClosed) {
      res.status(503).json({ error: 'the sandbox is shutting down; connect again once it is up' });
      return;
    }
    const types = parseTypes(req.query.types);
    if (!types.ok) {
      res.status(400).json({ error: types.error });
      return;
    }
    const resume = parseLastEventId(req);
    if (!resume.ok) {
      res.status(400).json({ error: resume.error });
      return;
    }

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    // The connection serves this stream only: it closes when the stream ends, so a server that
    // is shutting down waits for nothing once the sandbox ends its streams.
    res.setHeader('Connection', 'close');
    // nginx and the like buffer responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }

    let open = true;
    let unsubscribe = (): void => {};
    const stop = (cut: boolean): void => {
      if (!open) return;
      open = false;
      unsubscribe();
      clearInterval(heartbeat);
      if (cut) res.destroy();
      else res.end();
    };
    const send = (text: string): void => {
      if (!open) return;
      res.write(text);
      if (res.writableLength > MAX_UNSENT_BYTES) stop(true);
    };
    const wanted = (event: SandboxEvent): boolean =>
      types.value === undefined || types.value.includes(event.type);
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();

    res.on('close', () => stop(false));
    // Subscribed before the headers go out: a client that has them hears every later event.
    unsubscribe = events.subscribe((event) => send(frame(event)), {
      ...(types.value !== undefined ? { types: types.value } : {}),
      onClose: () => stop(false),
    });

    res.flushHeaders();
    send(`retry: ${RETRY_MS}\n\n`);
    if (resume.value !== undefined) {
      const missed = events.since(resume.value);
      if (missed === undefined) {
        // Sent with the newest id, so the next reconnect resumes from here.
        send(
          `id: ${events.lastId}\nevent: resync\ndata: ${JSON.stringify({
            type: 'resync',
            lastEventId: resume.value,
            newestId: events.lastId,
            reason: resyncReason(resume.value, events),
          })}\n\n`,
        );
      } else {
        for (const event of missed) if (wanted(event)) send(frame(event));
      }
    }
  });

  return router;
}

/**
 * An event as the stream sends it: `{ id, at, type, ... }`, with records as the admin API shows
 * them (a payout with its `answer`, postback attempts with `url` and `body`, a saved card with
 * its `outcome`, a hosted-page session with its `page`).
 */
function wireEvent(event: SandboxEvent, deps: EventRouteDeps): Record<string, unknown> {
  switch (event.type) {
    case 'payout':
      return { ...event, payout: payoutView(event.payout, deps.answerOf, deps.merchants) };
    case 'postback':
      return { ...event, postback: describePostback(event.postback, renderGatewayXml) };
    case 'card':
      return { ...event, card: describeCard(event.card) };
    case 'card-session':
      return { ...event, session: describeSession(event.session) };
    default:
      return event;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `?types=payout,postback` (or the parameter repeated); all types when absent. */
function parseTypes(value: unknown): Parsed<SandboxEventType[] | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const parts = (Array.isArray(value) ? value : [value])
    .flatMap((part) => (typeof part === 'string' ? part.split(',') : [String(part)]))
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const unknown = parts.filter((part) => !isSandboxEventType(part));
  if (unknown.length > 0 || parts.length === 0) {
    return {
      ok: false,
      error: `types must be a comma-separated list of ${SANDBOX_EVENT_TYPES.join(', ')}${
        unknown.length > 0 ? `; not ${unknown.map((t) => `"${t}"`).join(', ')}` : ''
      }`,
    };
  }
  return { ok: true, value: parts.filter(isSandboxEventType) };
}

/** The browser's `Last-Event-ID` header on a reconnect, else `?last_event_id=`. */
function parseLastEventId(req: Request): Parsed<number | undefined> {
  const header = req.get('last-event-id')?.trim();
  const query = req.query.last_event_id;
  const given = header !== undefined && header !== '' ? header : query;
  if (given === undefined) return { ok: true, value: undefined };
  if (typeof given !== 'string' || !/^\d{1,15}$/.test(given)) {
    return {
      ok: false,
      error:
        'Last-Event-ID (or ?last_event_id=) must be the id of an event this stream sent, a whole number; leave it out to start from now',
    };
  }
  return { ok: true, value: Number(given) };
}

function resyncReason(lastEventId: number, events: EventBus): string {
  return lastEventId > events.lastId
    ? 'the sandbox restarted since that event (ids start again at 1): reload what you show'
    : 'events after that one are no longer kept (the last 500 are): reload what you show';
}
