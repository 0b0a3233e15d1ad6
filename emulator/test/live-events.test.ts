import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { baseUrl, listen } from '../src/sandbox.js';
import { card, openTestSandbox, payoutFields, signed, type TestSandbox } from './helpers.js';
import { Receiver } from './receiver.js';
import { SseClient, type SseEvent } from './sse-client.js';

/**
 * `GET /__sandbox/events`: the dashboard's live events as Server-Sent Events, over real HTTP,
 * on the sandbox's virtual clock. Every wait is for something the stream sends.
 */
let sandbox: TestSandbox | undefined;
let server: Server | undefined;
let url = '';
const clients: SseClient[] = [];
let receiver: Receiver | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await sandbox?.dispose();
  sandbox = undefined;
  if (server) {
    const closing = server;
    await new Promise<void>((resolve) => {
      closing.close(() => resolve());
      closing.closeAllConnections();
    });
    server = undefined;
  }
  await receiver?.close();
  receiver = undefined;
});

async function start(
  env: Record<string, string> = {},
  options: { http?: boolean } = {},
): Promise<TestSandbox> {
  if (options.http) receiver = await Receiver.start();
  const opened = await openTestSandbox(
    env,
    undefined,
    options.http ? { sender: new HttpPostbackSender() } : {},
  );
  sandbox = opened;
  server = await listen(opened.app, 0, '127.0.0.1');
  url = baseUrl(server);
  return opened;
}

async function stream(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(`${url}/__sandbox/events${query}`, headers);
  clients.push(client);
  return client;
}

/** A signed reg2reg over HTTP; resolves with the answer's text once the sandbox has answered. */
async function pay(overrides: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/api/reg2reg`, {
    method: 'POST',
    body: new URLSearchParams(signed(payoutFields(overrides))),
  });
  return res.text();
}

function paymentIdOf(answer: string): number {
  return Number(/<pg_payment_id>(\d+)<\/pg_payment_id>/.exec(answer)?.[1]);
}

function payoutOf(event: SseEvent): Record<string, unknown> {
  return event.data.payout as Record<string, unknown>;
}

const isPayout =
  (paymentId: number, status?: string) =>
  (event: SseEvent): boolean =>
    event.event === 'payout' &&
    payoutOf(event).paymentId === paymentId &&
    (status === undefined || payoutOf(event).status === status);

describe('the stream', () => {
  it('answers text/event-stream, uncached, with a retry hint first', async () => {
    await start();
    const client = await stream();
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    const first = await client.nextBlock();
    expect(first?.retry).toBe('2000');
  });

  it('tells a payout made over HTTP as a payout event, shaped as GET /__sandbox/payouts/:id, and its request', async () => {
    await start();
    const client = await stream();
    const answer = await pay({ pg_amount: '12.34' });
    const paymentId = paymentIdOf(answer);
    const read = await client.readUntil((event) => event.event === 'request');
    const payout = read.find(isPayout(paymentId));
    expect(payout).toBeDefined();
    const shown = (await (await fetch(`${url}/__sandbox/payouts/${paymentId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(payoutOf(payout!)).toEqual(shown);
    expect(payoutOf(payout!).answer).toMatchObject({ pg_status: 'ok', pg_payment_amount: '12.34' });
    expect(payout!.data).toMatchObject({
      type: 'payout',
      id: Number(payout!.id),
      at: '2026-01-15T10:00:00.000Z',
    });
    const balance = read.find((event) => event.event === 'balance');
    expect(balance?.data).toMatchObject({ merchantId: '100001', balanceMinor: expect.any(Number) });
    const request = read.at(-1);
    expect(request?.data.entry).toMatchObject({
      path: '/api/reg2reg',
      paymentId,
      outcome: 'ok',
    });
    // Ids count up by one, in the order sent.
    const ids = read.map((event) => Number(event.id));
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
  });

  it('tells a process payout again when the clock finishes it', async () => {
    const opened = await start();
    const client = await stream('?types=payout');
    const paymentId = paymentIdOf(
      await pay({ pg_card_token_to: card('process, later success').token }),
    );
    await client.readUntil(isPayout(paymentId, 'process'));
    await opened.clock.advance(5_000);
    const [finished] = (await client.readUntil(isPayout(paymentId))).slice(-1);
    expect(payoutOf(finished!)).toMatchObject({
      status: 'ok',
      updatedAt: '2026-01-15T10:00:05.000Z',
    });
    expect((payoutOf(finished!).history as unknown[]).length).toBe(2);
    expect(finished?.data.at).toBe('2026-01-15T10:00:05.000Z');
  });

  it('tells a postback when it is queued and when an attempt is recorded, with the body sent', async () => {
    const opened = await start({}, { http: true });
    const client = await stream('?types=postback');
    const paymentId = paymentIdOf(await pay({ pg_post_link: receiver!.url('/notify') }));
    const [queued] = await client.readUntil(() => true);
    expect(queued?.data.postback).toMatchObject({ paymentId, state: 'pending', attempts: [] });
    await opened.clock.advance(3_000);
    const [attempted] = await client.readUntil(() => true);
    const postback = attempted?.data.postback as {
      state: string;
      attempts: { status: number; url: string; body: string }[];
    };
    expect(postback.state).toBe('delivered');
    expect(postback.attempts).toHaveLength(1);
    expect(postback.attempts[0]).toMatchObject({ status: 200, url: receiver!.url('/notify') });
    expect(postback.attempts[0]?.body).toContain(`pg_payment_id=${paymentId}`);
    expect(receiver!.received).toHaveLength(1);
  });
});

describe('?types=', () => {
  it('sends only the types asked for', async () => {
    await start();
    const client = await stream('?types=payout,postback');
    const first = paymentIdOf(await pay());
    // A second payout's event comes after everything the first one made, in order.
    const second = paymentIdOf(await pay());
    const read = await client.readUntil(isPayout(second));
    expect(new Set(read.map((event) => event.event))).toEqual(new Set(['payout', 'postback']));
    expect(read.some(isPayout(first))).toBe(true);
  });

  it('refuses a type it does not know, listing the ones it does', async () => {
    await start();
    const res = await fetch(`${url}/__sandbox/events?types=payout,payouts`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain('"payouts"');
    expect(error).toContain(
      'payout, postback, card, card-session, balance, request, reset, clock, forgotten',
    );
  });
});

describe('resuming', () => {
  it('replays what came after Last-Event-ID, then goes on live', async () => {
    await start();
    const first = await stream();
    await pay();
    const [seen] = (await first.readUntil((event) => event.event === 'request')).slice(-1);
    first.close();
    const missed = paymentIdOf(await pay());

    const again = await stream('', { 'Last-Event-ID': seen!.id! });
    const replayed = await again.readUntil((event) => event.event === 'request');
    expect(Number(replayed[0]?.id)).toBe(Number(seen!.id) + 1);
    expect(replayed.some(isPayout(missed))).toBe(true);
    const live = paymentIdOf(await pay());
    await again.readUntil(isPayout(live));
  });

  it('takes the id as ?last_event_id= too, and keeps ?types= when replaying', async () => {
    await start();
    const first = await stream();
    await pay();
    const read = await first.readUntil((event) => event.event === 'request');
    const before = Number(read[0]?.id) - 1;
    const again = await stream(`?types=request&last_event_id=${before}`);
    const [replayed] = await again.readUntil(() => true);
    expect(replayed?.event).toBe('request');
    expect(replayed?.id).toBe(read.at(-1)?.id);
  });

  it('says to reload when the id is from another run of the sandbox', async () => {
    await start();
    const client = await stream('', { 'Last-Event-ID': '999999' });
    const [resync] = await client.readUntil(() => true);
    expect(resync?.event).toBe('resync');
    expect(resync?.data).toMatchObject({ type: 'resync', lastEventId: 999999 });
    expect(String(resync?.data.reason)).toContain('reload');
    // Carries the newest id, so the next reconnect resumes from here.
    expect(Number(resync?.id)).toBe(sandbox!.events.lastId);
  });

  it('refuses an id that is not a whole number', async () => {
    await start();
    const res = await fetch(`${url}/__sandbox/events?last_event_id=abc`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('whole number');
  });
});

describe('the admin token', () => {
  it('is required when set', async () => {
    await start({ SANDBOX_ADMIN_TOKEN: 'let-me-in-please' });
    const refused = await fetch(`${url}/__sandbox/events`);
    expect(refused.status).toBe(401);
    const client = await stream('', { Authorization: 'Bearer let-me-in-please' });
    expect(client.response.status).toBe(200);
    expect((await client.nextBlock())?.retry).toBe('2000');
  });
});

describe('the end of a stream', () => {
  it('stops listening when the client hangs up', async () => {
    const opened = await start();
    const answered = new Promise<ServerResponse>((resolve) => {
      server!.on('request', (req: IncomingMessage, res: ServerResponse) => {
        // Express rewrites req.url while it routes: the stream is known by what it accepts.
        if (req.headers.accept === 'text/event-stream') resolve(res);
      });
    });
    expect(opened.events.subscriberCount).toBe(0);
    const client = await stream();
    const res = await answered;
    expect(opened.events.subscriberCount).toBe(1);
    client.close();
    await once(res, 'close');
    expect(opened.events.subscriberCount).toBe(0);
  });

  it('ends when the sandbox closes, so the server closes without cutting it', async () => {
    const opened = await start();
    const client = await stream();
    await client.nextBlock();
    sandbox = undefined;
    await opened.dispose();
    expect(await client.drained()).toBe(true);
    const closing = server!;
    server = undefined;
    // No closeAllConnections(): the ended stream left nothing open.
    await new Promise<void>((resolve) => closing.close(() => resolve()));
    expect(opened.events.subscriberCount).toBe(0);
  });

  it('answers 503 once the sandbox is closing', async () => {
    const opened = await start();
    opened.events.close();
    const res = await fetch(`${url}/__sandbox/events`);
    expect(res.status).toBe(503);
  });
});

describe('the heartbeat', () => {
  it('sends a comment every 15 s of real time', async () => {
    await start();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const client = await stream();
      await client.nextBlock();
      vi.advanceTimersByTime(15_000);
      const beat = await client.nextBlock();
      expect(beat?.comments).toEqual(['heartbeat']);
      expect(beat?.data).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
