import { connect } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { baseUrl, listen } from '../../src/sandbox.js';
import { HttpPostbackSender } from '../../src/postbacks/sender.js';
import {
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from '../helpers.js';
import { answers, Receiver, type Responder } from '../receiver.js';

/** Races, limits and faults: nothing may break the sandbox or make it lose or double a payout. */
let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox.dispose();
});

function pay(overrides: Record<string, string>): Promise<Record<string, string>> {
  return request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields(overrides)))
    .then((res) => parseAnswer(res.text));
}

describe('races', () => {
  it('makes exactly one payout from 100 parallel requests with one order id', async () => {
    sandbox = await openTestSandbox();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => pay({ pg_order_id: 'race-100' })),
    );
    expect(results.filter((r) => r.pg_status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.pg_error_code === '10012')).toHaveLength(99);
    expect((await sandbox.store.payouts()).filter((p) => p.orderId === 'race-100')).toHaveLength(1);
  });

  it('never overdraws one balance from parallel payouts', async () => {
    sandbox = await openTestSandbox({ SANDBOX_OPENING_BALANCE: '100.00' });
    const results = await Promise.all(Array.from({ length: 50 }, () => pay({ pg_amount: '7.00' })));
    const ok = results.filter((r) => r.pg_status === 'ok');
    expect(ok).toHaveLength(14);
    expect(results.filter((r) => r.pg_error_code === '10011')).toHaveLength(36);
    expect(await sandbox.store.balance('100001')).toBe(200);
    // Every answer's balance is what was left after it, never below zero.
    for (const answer of ok) expect(Number(answer.pg_balance)).toBeGreaterThanOrEqual(0);
  });
});

describe('limits', () => {
  it('refuses new payouts with a clear error when the outbox is full', async () => {
    sandbox = await openTestSandbox({ SANDBOX_MAX_PENDING_POSTBACKS: '3' });
    for (let i = 0; i < 3; i++) expect((await pay({})).pg_status).toBe('ok');
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields()));
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '9999' });
    expect(res.headers['x-sandbox-hint']).toContain('SANDBOX_MAX_PENDING_POSTBACKS');
    // Once they are delivered, payouts are taken again.
    await sandbox.clock.advance(3_000);
    expect((await pay({})).pg_status).toBe('ok');
  });

  it('cuts off a client that stops sending halfway through a request (HTTP 408)', async () => {
    sandbox = await openTestSandbox();
    const server = await listen(sandbox.app, 0, '127.0.0.1', 300);
    try {
      const { port } = new URL(baseUrl(server));
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            'POST /api/reg2reg HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\npg_amount=1',
          );
        });
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
      });
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      // The sandbox still answers others.
      expect((await fetch(`${baseUrl(server)}/__sandbox/health`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

const answersSlowly: Responder = (_req, res) => {
  setTimeout(() => res.end('late'), 300);
};

describe('receivers that misbehave', () => {
  it.each([
    ['hangs', answers.hang, 'no answer within 1000 ms', true],
    ['answers slowly', answersSlowly, 200, true],
    ['resets the connection', answers.reset, 'ECONNRESET', false],
    ['redirects', answers.redirect, 302, false],
  ] as const)(
    'one that %s holds up neither the gateway nor the other postbacks',
    async (_name, responder, outcome, slow) => {
      const receiver = await Receiver.start();
      sandbox = await openTestSandbox({ SANDBOX_POSTBACK_TIMEOUT: '1s' }, undefined, {
        sender: new HttpPostbackSender(),
      });
      try {
        receiver.answer((req, res) =>
          req.url === '/bad' ? responder(req, res) : answers.ok(req, res),
        );
        const bad = await pay({ pg_post_link: receiver.url('/bad') });
        const good = await pay({ pg_post_link: receiver.url('/good') });
        const badPostback = (): Promise<{ attempts: readonly unknown[] } | undefined> =>
          sandbox.store.postback(`${bad.pg_payment_id}-1`);
        const advancing = sandbox.clock.advance(3_000);
        if (slow) {
          // The bad receiver has the request and has not answered: the gateway answers anyway,
          // and the good merchant gets its postback.
          await vi.waitFor(() => expect(receiver.received.map((r) => r.path)).toContain('/bad'));
          const during = await pay({});
          expect(during.pg_status).toBe('ok');
          await vi.waitFor(() => expect(receiver.received.map((r) => r.path)).toContain('/good'));
          expect((await badPostback())?.attempts).toHaveLength(0);
        }
        await advancing;
        const res = await request(sandbox.app).get('/__sandbox/postbacks?limit=10');
        const byOrder = new Map(
          (
            res.body.postbacks as {
              orderId: string;
              state: string;
              attempts: { status?: number; error?: string }[];
            }[]
          ).map((p) => [p.orderId, p]),
        );
        expect(byOrder.get(good.pg_order_id ?? '')?.state).toBe('delivered');
        const attempt = byOrder.get(bad.pg_order_id ?? '')?.attempts[0];
        expect(attempt?.status ?? attempt?.error).toBe(outcome);
        // A redirect is not followed.
        expect(receiver.received.map((r) => r.path)).not.toContain('/elsewhere');
      } finally {
        await receiver.close();
      }
    },
  );
});
