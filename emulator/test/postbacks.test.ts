import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';
import { answers, Receiver, type ReceivedPostback } from './receiver.js';

/** Postbacks to a real local HTTP receiver, on the sandbox's virtual clock. */
let receiver: Receiver;
let sandbox: TestSandbox;

beforeEach(async () => {
  receiver = await Receiver.start();
});
afterEach(async () => {
  await sandbox.dispose();
  await receiver.close();
});

async function open(env: Record<string, string> = {}): Promise<void> {
  sandbox = await openTestSandbox(env, undefined, { sender: new HttpPostbackSender() });
}

async function payout(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields({ pg_post_link: receiver.url('/payout/notify'), ...overrides })));
  return parseAnswer(res.text);
}

/** What the merchant's PHP sees: body and query parameters together. */
function verifies(postback: ReceivedPostback | undefined, script: string): boolean {
  if (!postback) return false;
  const params = { ...Object.fromEntries(postback.query), ...Object.fromEntries(postback.body) };
  return verifySignature(script, params, SECRET).valid;
}

const MINUTE = 60_000;

describe('delivery', () => {
  beforeEach(() => open());

  it('posts the signed payout notify 3 s after an ok payout, form-urlencoded', async () => {
    const answer = await payout({ pg_amount: '25.50' });
    await sandbox.clock.advance(2_999);
    expect(receiver.received).toHaveLength(0);
    await sandbox.clock.advance(1);
    const [postback] = receiver.received;
    expect(postback?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(postback?.body ?? [])).toMatchObject({
      pg_payment_id: answer.pg_payment_id,
      pg_order_id: answer.pg_order_id,
      pg_merchant_id: '100001',
      pg_status: 'ok',
      pg_payment_amount: '25.50',
      pg_to_pay: '25.50',
      pg_balance: answer.pg_balance,
      pg_card_hash: '4671-59XX-XXXX-8252',
    });
    expect(postback?.body.get('pg_salt')).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(verifies(postback, 'notify')).toBe(true);
  });

  it('notifies a declined payout with its error', async () => {
    await payout({ pg_card_token_to: card('error 10001').token });
    await sandbox.clock.advance(3_000);
    const body = receiver.received[0]?.body;
    expect(body?.get('pg_status')).toBe('error');
    expect(body?.get('pg_error_code')).toBe('10001');
    expect(verifies(receiver.received[0], 'notify')).toBe(true);
  });

  it.each([
    ['process, later success', 'ok', 'success'],
    ['process, later error 10001', 'error', 'error'],
  ])(
    'notifies a "%s" payout only when it becomes final, agreeing with the status',
    async (documented, postbackStatus, paymentStatus) => {
      const answer = await payout({ pg_card_token_to: card(documented).token });
      await sandbox.clock.advance(4_999);
      expect(receiver.received).toHaveLength(0);
      // Final at 5 s, notified 3 s later, everything run by one advance.
      await sandbox.clock.advance(3_001);
      expect(receiver.received.map((r) => r.body.get('pg_status'))).toEqual([postbackStatus]);
      const status = await statusCall('/api/payment_status2', {
        pg_payment_id: answer.pg_payment_id ?? '',
      });
      expect(status.pg_payment_status).toBe(paymentStatus);
    },
  );

  it.each([
    ['/payout/notify', 'notify'],
    ['/payout/', ''],
    ['/index.php?route=payout/notify&shop=7', 'index.php'],
  ])('signs a postback to %s with the script name "%s"', async (path, script) => {
    await payout({ pg_post_link: receiver.url(path) });
    await sandbox.clock.advance(3_000);
    const postback = receiver.received[0];
    expect(verifies(postback, script)).toBe(true);
    // Query parameters stay in the URL and count in the signature.
    if (path.includes('?')) {
      expect(postback?.query.get('shop')).toBe('7');
      expect(postback?.body.has('shop')).toBe(false);
    }
  });
});

describe('retries', () => {
  it('retries every 30 minutes until the receiver recovers, then stops', async () => {
    await open();
    receiver.answer(answers.status(500), answers.reset, answers.ok);
    const answer = await payout();
    await sandbox.clock.advance(3_000);
    await sandbox.clock.advance(30 * MINUTE - 1);
    expect(receiver.received).toHaveLength(1);
    await sandbox.clock.advance(1);
    await sandbox.clock.advance(30 * MINUTE);
    expect(receiver.received).toHaveLength(3);
    await sandbox.clock.advance(3 * 60 * MINUTE);
    expect(receiver.received).toHaveLength(3);

    const res = await request(sandbox.app).get(
      `/__sandbox/postbacks?order_id=${answer.pg_order_id}`,
    );
    const [postback] = res.body.postbacks;
    expect(postback.state).toBe('delivered');
    expect(
      postback.attempts.map((a: { status?: number; error?: string }) => a.status ?? 'error'),
    ).toEqual([500, 'error', 200]);
    expect(postback.attempts[2]).toMatchObject({
      url: receiver.url('/payout/notify'),
      ack: { status: 'ok', description: 'Accepted' },
    });
    expect(postback.attempts[0].body).toContain('pg_sig=');
    expect(postback.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('gives up after the 2-hour schedule: 5 attempts, then failed', async () => {
    await open();
    receiver.answer(answers.status(503));
    await payout();
    await sandbox.clock.advance(3_000 + 4 * 30 * MINUTE);
    expect(receiver.received).toHaveLength(5);
    await sandbox.clock.advance(24 * 60 * MINUTE);
    expect(receiver.received).toHaveLength(5);
    const res = await request(sandbox.app).get('/__sandbox/postbacks?state=failed');
    expect(res.body.postbacks).toHaveLength(1);
  });

  it('follows the fast preset when configured', async () => {
    await open({ SANDBOX_POSTBACK_RETRY: 'fast' });
    receiver.answer(answers.status(500), answers.status(500), answers.ok);
    await payout();
    await sandbox.clock.advance(3_000 + 1_000 + 2_000);
    expect(receiver.received).toHaveLength(3);
  });

  it('treats a redirect and a receiver that does not answer as failures', async () => {
    await open({ SANDBOX_POSTBACK_RETRY: '1s', SANDBOX_POSTBACK_TIMEOUT: '200ms' });
    receiver.answer(answers.redirect, answers.hang);
    await payout();
    await sandbox.clock.advance(4_000);
    const res = await request(sandbox.app).get('/__sandbox/postbacks');
    const [postback] = res.body.postbacks;
    expect(postback.state).toBe('failed');
    expect(postback.attempts[0].status).toBe(302);
    expect(postback.attempts[1].error).toBe('no answer within 200 ms');
  });

  it('keeps the merchant\'s "rejected" answer in the log; HTTP 200 still delivers', async () => {
    await open();
    receiver.answer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(
        '<response><pg_status>rejected</pg_status><pg_description>No such order</pg_description></response>',
      );
    });
    await payout();
    await sandbox.clock.advance(3_000);
    const res = await request(sandbox.app).get('/__sandbox/postbacks');
    expect(res.body.postbacks[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 200, ack: { status: 'rejected', description: 'No such order' } }],
    });
  });

  it('takes a plain HTTP 200 without XML as delivered, with no acknowledgement to record', async () => {
    await open();
    receiver.answer(answers.status(200));
    await payout();
    await sandbox.clock.advance(3_000);
    const res = await request(sandbox.app).get('/__sandbox/postbacks');
    expect(res.body.postbacks[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 200 }],
    });
    expect(res.body.postbacks[0].attempts[0].ack).toBeUndefined();
    expect(receiver.received).toHaveLength(1);
  });
});

describe('a receiver that hangs', () => {
  it('holds up no other postback while its attempt waits for the timeout', async () => {
    await open({ SANDBOX_POSTBACK_TIMEOUT: '1s' });
    receiver.answer((req, res) => {
      if (req.url === '/hang') return;
      answers.ok(req, res);
    });
    await payout({ pg_post_link: receiver.url('/hang') });
    const healthy = await payout({ pg_post_link: receiver.url('/healthy') });
    let advanced = false;
    const advancing = sandbox.clock.advance(3_000).then(() => (advanced = true));
    // The healthy postback arrives while the hung one is still waiting for its answer.
    await vi.waitFor(() =>
      expect(receiver.received.map((r) => r.path)).toEqual(expect.arrayContaining(['/healthy'])),
    );
    expect(advanced).toBe(false);
    await advancing;
    const res = await request(sandbox.app).get('/__sandbox/postbacks');
    const states = Object.fromEntries(
      (
        res.body.postbacks as { orderId: string; state: string; attempts: { error?: string }[] }[]
      ).map((p) => [p.orderId, p.attempts[0]?.error ?? p.state]),
    );
    expect(states[healthy.pg_order_id ?? '']).toBe('delivered');
    expect(Object.values(states)).toContain('no answer within 1000 ms');
  });
});

describe('where postbacks may go', () => {
  it('refuses a host outside SANDBOX_POSTBACK_ALLOW without sending, and says why', async () => {
    await open({ SANDBOX_POSTBACK_ALLOW: 'merchant.example,*.shop.example' });
    const res0 = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_post_link: receiver.url('/payout/notify') })));
    expect(parseAnswer(res0.text).pg_status).toBe('ok');
    expect(res0.headers['x-sandbox-hint']).toContain('SANDBOX_POSTBACK_ALLOW');
    await sandbox.clock.advance(3_000);
    expect(receiver.received).toHaveLength(0);
    const res = await request(sandbox.app).get('/__sandbox/postbacks');
    expect(res.body.postbacks[0].state).toBe('failed');
    expect(res.body.postbacks[0].attempts[0].error).toContain('SANDBOX_POSTBACK_ALLOW');
  });

  it('sends to an allowed host', async () => {
    await open({ SANDBOX_POSTBACK_ALLOW: '127.0.0.1' });
    await payout();
    await sandbox.clock.advance(3_000);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('the admin API', () => {
  beforeEach(() => open());

  it('resends a postback as a new delivery with a fresh salt', async () => {
    const answer = await payout();
    await sandbox.clock.advance(3_000);
    const list = await request(sandbox.app).get(
      `/__sandbox/postbacks?payment_id=${answer.pg_payment_id}`,
    );
    const id = list.body.postbacks[0].id as string;
    const resent = await request(sandbox.app).post(`/__sandbox/postbacks/${id}/resend`);
    expect(resent.status).toBe(201);
    expect(resent.body.kind).toBe('resend');
    await sandbox.clock.advance(0);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.body.get('pg_salt')).not.toBe(
      receiver.received[0]?.body.get('pg_salt'),
    );
    expect(verifies(receiver.received[1], 'notify')).toBe(true);
    expect((await request(sandbox.app).post('/__sandbox/postbacks/nope/resend')).status).toBe(404);
  });

  it('answers the wait as soon as the postback is delivered', async () => {
    const answer = await payout();
    const waiting = request(sandbox.app).get(
      `/__sandbox/postbacks/wait?order_id=${answer.pg_order_id}&timeout_ms=5000`,
    );
    const done = waiting.then((res) => res);
    await request(sandbox.app).post('/__sandbox/clock/advance').send({ ms: 3_000 }).expect(200);
    const res = await done;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: answer.pg_order_id, state: 'delivered' });
  });

  it('says which states there are when asked for another', async () => {
    const res = await request(sandbox.app).get('/__sandbox/postbacks?state=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('pending, delivered or failed');
  });

  it('answers the wait at once when already delivered, and 408 when nothing comes', async () => {
    const answer = await payout();
    await sandbox.clock.advance(3_000);
    const now = await request(sandbox.app).get(
      `/__sandbox/postbacks/wait?order_id=${answer.pg_order_id}`,
    );
    expect(now.status).toBe(200);
    const other = await payout();
    const late = await request(sandbox.app).get(
      `/__sandbox/postbacks/wait?order_id=${other.pg_order_id}&timeout_ms=50`,
    );
    expect(late.status).toBe(408);
    expect(late.body.error).toContain('clock/advance');
    expect(late.body.postbacks[0].state).toBe('pending');
    expect((await request(sandbox.app).get('/__sandbox/postbacks/wait')).status).toBe(400);
  });

  it('shows and advances the clock', async () => {
    const before = await request(sandbox.app).get('/__sandbox/clock');
    expect(before.body).toMatchObject({ now: '2026-01-15T10:00:00.000Z', speed: 0, pending: 0 });
    await payout({ pg_card_token_to: card('process, later success').token });
    const mid = await request(sandbox.app).get('/__sandbox/clock');
    expect(mid.body).toMatchObject({ pending: 1, next: '2026-01-15T10:00:05.000Z' });
    const after = await request(sandbox.app).post('/__sandbox/clock/advance').send({ ms: 60_000 });
    expect(after.body).toMatchObject({
      now: '2026-01-15T10:01:00.000Z',
      advancedMs: 60_000,
      pending: 0,
    });
    expect(receiver.received).toHaveLength(1);
    for (const bad of [{ ms: -1 }, { ms: 'soon' }, {}, { ms: 1.5 }]) {
      expect((await request(sandbox.app).post('/__sandbox/clock/advance').send(bad)).status).toBe(
        400,
      );
    }
  });
});

describe('scenario postback settings over a real receiver', () => {
  it('delivers a duplicate, both signed, each with its own salt', async () => {
    await open();
    await request(sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ postback: { delay: '10s', duplicate: true } })
      .expect(201);
    await payout();
    await sandbox.clock.advance(9_999);
    expect(receiver.received).toHaveLength(0);
    await sandbox.clock.advance(1_001);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((r) => verifies(r, 'notify'))).toBe(true);
  });
});

describe('pg_order_time_limit', () => {
  it('ends a process payout whose time limit passes with error 360, credited back', async () => {
    await open();
    // 10:00:02 UTC is 15:00:02 at +05:00; the card would finish at 10:00:05.
    const answer = await payout({
      pg_card_token_to: card('process, later success').token,
      pg_order_time_limit: '2026-01-15 15:00:02',
      pg_amount: '10',
    });
    await sandbox.clock.advance(2_000);
    const payoutNow = await sandbox.store.payout(Number(answer.pg_payment_id));
    expect(payoutNow?.status).toBe('error');
    expect(payoutNow?.error).toEqual({ code: 360, description: 'Transaction expired' });
    expect(await sandbox.store.balance('100001')).toBe(100_000_000);
    await sandbox.clock.advance(3_000);
    expect(receiver.received[0]?.body.get('pg_error_code')).toBe('360');
  });

  it('ends one whose time limit has already passed at once, and says so', async () => {
    await open();
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(
        signed(
          payoutFields({
            pg_card_token_to: card('process, later success').token,
            pg_order_time_limit: '2020-12-31 12:00:00',
            pg_post_link: receiver.url('/n'),
          }),
        ),
      );
    expect(parseAnswer(res.text).pg_status).toBe('process');
    expect(res.headers['x-sandbox-hint']).toContain('has passed');
    await sandbox.clock.advance(0);
    expect((await sandbox.store.payout(Number(parseAnswer(res.text).pg_payment_id)))?.status).toBe(
      'error',
    );
  });
});

async function statusCall(
  path: string,
  fields: Record<string, string>,
): Promise<Record<string, string>> {
  const script = path.slice(path.lastIndexOf('/') + 1);
  const res = await request(sandbox.app)
    .post(path)
    .type('form')
    .send(signed({ pg_merchant_id: '100001', pg_salt: 'st', ...fields }, script));
  return parseAnswer(res.text);
}
