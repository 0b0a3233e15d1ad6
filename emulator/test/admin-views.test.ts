import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * What the dashboard shows of a payout comes from the admin API: the answer as sent, byte for
 * byte, with whether its signature verifies; and the clock it can stop or speed up.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

async function view(paymentId: string): Promise<{
  answer: Record<string, string>;
  answer_signature: { valid: boolean; reason?: string };
}> {
  const res = await request(sandbox.app).get(`/__sandbox/payouts/${paymentId}`).expect(200);
  return res.body as never;
}

describe('a payout as the admin API shows it', () => {
  it('has the reg2reg answer as sent, and says its signature verifies', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields()));
    const sent = parseAnswer(res.text);
    const shown = await view(sent.pg_payment_id ?? '');
    expect(shown.answer).toEqual(sent);
    expect(shown.answer_signature).toEqual({ valid: true });
  });

  it("has a payout page's answer with the URL it was sent with, at the request's origin", async () => {
    const fields = {
      pg_merchant_id: '100001',
      pg_amount: '10.00',
      pg_order_id: 'page-view-1',
      pg_description: 'Prize',
      pg_post_link: 'http://127.0.0.1:9/notify',
      pg_back_link: 'http://127.0.0.1:9/back',
      pg_order_time_limit: '2030-01-01 00:00:00',
      pg_salt: 'view-salt',
    };
    const res = await request(sandbox.app)
      .post('/api/reg2nonreg')
      .set('Host', 'sandbox.test:4010')
      .type('form')
      .send(signed(fields, 'reg2nonreg'));
    const sent = parseAnswer(res.text);
    expect(sent.pg_redirect_url).toMatch(/^http:\/\/sandbox\.test:4010\/payout\//);
    const shown = await view(sent.pg_payment_id ?? '');
    expect(shown.answer).toEqual(sent);
    expect(shown.answer_signature).toEqual({ valid: true });
  });

  it("says why a scenario's bad-signature answer does not verify", async () => {
    await request(sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ fault: 'bad-signature' })
      .expect(201);
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_card_token_to: card('success').token })));
    const shown = await view(parseAnswer(res.text).pg_payment_id ?? '');
    expect(shown.answer_signature).toMatchObject({
      valid: false,
      reason: expect.stringContaining('bad-signature'),
    });
  });
});

describe('the clock speed', () => {
  it('stops the clock and starts it again at another speed, without a jump', async () => {
    const stopped = await request(sandbox.app)
      .post('/__sandbox/clock/speed')
      .send({ speed: 0 })
      .expect(200);
    expect(stopped.body).toMatchObject({ speed: 0 });
    const fast = await request(sandbox.app)
      .post('/__sandbox/clock/speed')
      .send({ speed: 10 })
      .expect(200);
    const before = (stopped.body as { nowMs: number }).nowMs;
    expect((fast.body as { speed: number; nowMs: number }).speed).toBe(10);
    expect((fast.body as { nowMs: number }).nowMs).toBeGreaterThanOrEqual(before);
    expect(sandbox.clock.speed).toBe(10);
  });

  it.each([[-1], ['fast'], [1e9]])('refuses the speed %j, saying what to send', async (speed) => {
    const res = await request(sandbox.app)
      .post('/__sandbox/clock/speed')
      .send({ speed })
      .expect(400);
    expect(res.body).toMatchObject({
      code: 'bad-request',
      error: expect.stringContaining('0 stops'),
    });
  });
});
