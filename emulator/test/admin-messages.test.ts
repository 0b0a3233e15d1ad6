import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  card,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * Admin messages that say what to do (issue 14): a long poll for an order the sandbox never saw,
 * or one whose postback is not due yet; JSON sent the way curl's `-d` sends it; durations in
 * `clock/advance`; refused gateway requests found by their order id; the journal's order.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

function admin(): ReturnType<typeof request> {
  return request(sandbox.app);
}

async function pay(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const res = await admin()
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields(overrides)));
  return parseAnswer(res.text);
}

describe('GET /__sandbox/postbacks/wait', () => {
  it('answers 404 at once for an order the sandbox never saw, however long the timeout', async () => {
    const res = await admin()
      .get('/__sandbox/postbacks/wait?order_id=never-seen&timeout_ms=120000')
      .expect(404);
    expect(res.body).toEqual({
      code: 'not-found',
      error:
        'no payout has order id never-seen, and no gateway request carried it (GET /__sandbox/requests?order_id=never-seen is empty); check the pg_order_id your client sends, and that it sends it to this sandbox',
    });
  });

  it('answers 404 at once for an order the gateway refused, saying what it answered', async () => {
    await admin()
      .post('/api/reg2reg')
      .type('form')
      .send({ ...payoutFields({ pg_order_id: 'refused-1' }), pg_sig: 'wrong' })
      .expect(200);
    const res = await admin()
      .get('/__sandbox/postbacks/wait?order_id=refused-1&timeout_ms=120000')
      .expect(404);
    expect(res.body.code).toBe('not-found');
    expect(res.body.error).toMatch(
      /^no payout has order id refused-1; the gateway answered its last request for it \(POST \/api\/reg2reg at 2026-01-15T10:00:00\.000Z\) with error 1100 \(.+\), so no payout was made and no postback will come: GET \/__sandbox\/requests\?order_id=refused-1 has the hint, fix the request and send it again$/,
    );
  });

  it('answers 404 at once for a payment id no payout or card session has', async () => {
    const res = await admin()
      .get('/__sandbox/postbacks/wait?payment_id=999&timeout_ms=120000')
      .expect(404);
    expect(res.body.error).toBe(
      "no payout or card session has payment id 999; pg_payment_id is in the gateway's answer, and GET /__sandbox/payouts lists the payouts",
    );
  });

  it('with the clock running, says which postback is pending and when it is due, in sandbox and real time', async () => {
    const answer = await pay({ pg_order_id: 'running-1' });
    await admin().post('/__sandbox/clock/speed').send({ speed: 0.001 }).expect(200);
    const res = await admin()
      .get('/__sandbox/postbacks/wait?order_id=running-1&timeout_ms=0')
      .expect(408);
    expect(res.body.code).toBe('timeout');
    expect(res.body.error).toBe(
      `no postback for order running-1 was delivered within 0 ms: postback ${answer.pg_payment_id}-1 is pending: its first attempt is due at 2026-01-15T10:00:03.000Z (in 3s of sandbox time); the clock runs at speed 0.001, so that is about 50m from now: wait longer (timeout_ms, at most 120000) or move the clock with POST /__sandbox/clock/advance {"by": "3s"}`,
    );
    expect(res.body.error).not.toContain('stopped');
    expect(res.body.postbacks).toMatchObject([{ state: 'pending', orderId: 'running-1' }]);
  });

  it('with the clock stopped, says to move it by the time left', async () => {
    const answer = await pay({ pg_order_id: 'stopped-1' });
    await sandbox.clock.advance(1_000);
    const res = await admin()
      .get(`/__sandbox/postbacks/wait?payment_id=${answer.pg_payment_id}&timeout_ms=0`)
      .expect(408);
    expect(res.body.error).toBe(
      `no postback for payment ${answer.pg_payment_id} was delivered within 0 ms: postback ${answer.pg_payment_id}-1 is pending: its first attempt is due at 2026-01-15T10:00:03.000Z (in 2s of sandbox time); the clock is stopped (SANDBOX_CLOCK_SPEED=0): move it with POST /__sandbox/clock/advance {"by": "2s"}`,
    );
  });

  it('for a payout still in process, says when it ends and that its postback follows', async () => {
    const answer = await pay({
      pg_order_id: 'process-1',
      pg_card_token_to: card('process, later success').token,
    });
    const res = await admin()
      .get('/__sandbox/postbacks/wait?order_id=process-1&timeout_ms=0')
      .expect(408);
    expect(res.body.error).toBe(
      `no postback for order process-1 was delivered within 0 ms: payout ${answer.pg_payment_id} is in process: it ends ok at 2026-01-15T10:00:05.000Z (in 5s of sandbox time), and its postback goes out SANDBOX_POSTBACK_DELAY (3s by default) later; the clock is stopped (SANDBOX_CLOCK_SPEED=0): move it with POST /__sandbox/clock/advance {"by": "5s"}`,
    );
  });

  it('answers 409 at once for a payout made without pg_post_link', async () => {
    const fields = {
      pg_merchant_id: MERCHANT_ID,
      pg_amount: '2000',
      pg_order_id: 'no-link-1',
      pg_description: 'Description',
      pg_user_id: '131',
      pg_recipient_bank_bic: 'KCJBKZKX',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin_bin: '123456789101',
      pg_recipient_name: 'IVANOV IVAN',
      pg_salt: 'no-link-salt',
    };
    const made = await admin()
      .post('/api/iban_payout')
      .type('form')
      .send(signed(fields, 'iban_payout'));
    const paymentId = parseAnswer(made.text).pg_payment_id;
    const res = await admin()
      .get('/__sandbox/postbacks/wait?order_id=no-link-1&timeout_ms=120000')
      .expect(409);
    expect(res.body).toEqual({
      code: 'conflict',
      error: `payout ${paymentId} (order no-link-1) was made without pg_post_link, so no postback will come; its status is at GET /__sandbox/payouts/${paymentId}`,
    });
  });
});

describe('admin JSON without Content-Type: application/json', () => {
  it("takes JSON sent as curl's -d sends it (application/x-www-form-urlencoded)", async () => {
    const res = await admin()
      .post('/__sandbox/clock/advance')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('{"ms":1000}')
      .expect(200);
    expect(res.body).toMatchObject({ now: '2026-01-15T10:00:01.000Z', advancedMs: 1_000 });
  });

  it('takes JSON sent as text/plain, or with no Content-Type at all', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .set('Content-Type', 'text/plain')
      .send('{"name": "plain", "outcome": "error 10001"}')
      .expect(201);
    // supertest sends a Buffer without a Content-Type.
    const untyped = await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send(Buffer.from('{"add": "1.00"}'))
      .expect(200);
    expect(untyped.body).toMatchObject({ pg_merchant_id: MERCHANT_ID });
    expect((await pay()).pg_error_code).toBe('10001');
  });

  it('says to add the header when the body is not JSON', async () => {
    const res = await admin()
      .post('/__sandbox/clock/advance')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('ms=1000')
      .expect(400);
    expect(res.body.code).toBe('bad-json');
    expect(res.body.error).toMatch(
      /^the body is not JSON \(.+\); it came as application\/x-www-form-urlencoded, what curl's -d sends: send JSON with the header Content-Type: application\/json \(curl -H 'Content-Type: application\/json' -d '\{\.\.\.\}'\)$/,
    );
    expect(sandbox.clock.status().advancedMs).toBe(0);
  });
});

describe('POST /__sandbox/clock/advance', () => {
  it('moves the clock by a duration as scenario files write it: {"by": "10m"}', async () => {
    const res = await admin().post('/__sandbox/clock/advance').send({ by: '10m' }).expect(200);
    expect(res.body).toMatchObject({ now: '2026-01-15T10:10:00.000Z', advancedMs: 600_000 });
  });

  it('takes a duration in "ms" too, and a bare number in "by"', async () => {
    await admin().post('/__sandbox/clock/advance').send({ ms: '1h' }).expect(200);
    await admin().post('/__sandbox/clock/advance').send({ by: 500 }).expect(200);
    expect(sandbox.clock.status().advancedMs).toBe(3_600_500);
  });

  it.each([
    [{ by: '10 minutes' }, '"10 minutes" is not a duration: '],
    [{ ms: 1.5 }, '1.5 is not a whole number of milliseconds: '],
    [{ ms: -1 }, '-1 is not 0 to ten years: '],
    [{ ms: 1, by: '1s' }, ''],
    [{}, ''],
  ])('refuses %j, naming both forms', async (body, start) => {
    const res = await admin().post('/__sandbox/clock/advance').send(body).expect(400);
    expect(res.body.code).toBe('bad-request');
    expect(res.body.error).toContain(
      'send {"ms": 1000} (milliseconds) or {"by": "10m"} (a duration as in scenario files: 250ms, 5s, 2m, 1h; "ms" takes one too), 0 or more and at most ten years',
    );
    expect(String(res.body.error).startsWith(start)).toBe(true);
  });
});

describe('the request journal', () => {
  it('finds a request refused for its signature by the pg_order_id it carried', async () => {
    await admin()
      .post('/api/reg2reg')
      .type('form')
      .send({ ...payoutFields({ pg_order_id: 'forged-sig-1' }), pg_sig: 'wrong' })
      .expect(200);
    const res = await admin().get('/__sandbox/requests?order_id=forged-sig-1').expect(200);
    expect(res.body).toMatchObject({
      total: 1,
      requests: [{ orderId: 'forged-sig-1', outcome: 'error 1100' }],
    });
  });

  it('finds a request refused for a field by the pg_order_id it carried', async () => {
    await pay({ pg_order_id: 'bad-amount-1', pg_amount: 'lots' });
    const res = await admin().get('/__sandbox/requests?order_id=bad-amount-1').expect(200);
    expect(res.body.total).toBe(1);
    expect(res.body.requests[0]).toMatchObject({ orderId: 'bad-amount-1' });
    expect(res.body.requests[0].outcome).toMatch(/^error /);
  });

  it('lists newest first with a total, as the payouts and postbacks are', async () => {
    await pay({ pg_order_id: 'first' });
    await pay({ pg_order_id: 'second' });
    await pay({ pg_order_id: 'third' });
    const res = await admin().get('/__sandbox/requests?limit=2').expect(200);
    expect(res.body.total).toBe(3);
    expect(res.body.requests.map((r: { orderId: string }) => r.orderId)).toEqual([
      'third',
      'second',
    ]);
    const older = await admin()
      .get(`/__sandbox/requests?limit=2&cursor=${res.body.next_cursor}`)
      .expect(200);
    expect(older.body).toMatchObject({
      total: 3,
      next_cursor: null,
      requests: [{ orderId: 'first' }],
    });
  });
});

describe('GET /__sandbox/cards', () => {
  it('names the test cards as startSandbox().cards does: token and id', async () => {
    const res = await admin().get('/__sandbox/cards').expect(200);
    const success = card('success');
    expect(res.body.cards).toContainEqual({
      pan: success.pan,
      token: success.token,
      id: success.id,
      outcome: 'success',
    });
    expect(res.body.cards[0]).not.toHaveProperty('pg_card_token_to');
  });
});
