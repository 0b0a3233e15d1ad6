import request from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_CARDS } from '../src/cards/test-cards.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  asMultipart,
  expectSignedBySandbox,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  SECRET,
  signed,
} from './helpers.js';
import { useGatewaySandbox, useMerchantReceiver, without } from './gateway-sandbox.js';

/** `POST /g2g/p2p2nonreg`: a payout to a card number (docs/gateway/payouts.md §3). */
const gateway = useGatewaySandbox();
const { status, balance } = gateway;

let counter = 0;

/** A complete p2p2nonreg request to the always-successful test card, minus the signature. */
function p2pFields(overrides: Record<string, string> = {}): Record<string, string> {
  counter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_order_id: `p2p-${counter}`,
    pg_amount: '250',
    pg_payment_to: '4671593866478252',
    pg_description: 'Выплата выигрыша',
    pg_post_link: 'https://merchant.example/payout/notify',
    pg_salt: `p2p-salt-${counter}`,
    ...overrides,
  };
}

async function pay(
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  const res = await asMultipart(
    request(gateway.sandbox.app).post('/g2g/p2p2nonreg').set(headers),
    signed(fields, 'p2p2nonreg'),
  );
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  return parseAnswer(res.text);
}

describe('the answer', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it("answers a success with reg2reg's fields, pg_reference and pg_datetime, in the example's order, signed", async () => {
    const answer = await pay(p2pFields({ pg_order_id: 'p2p-doc', pg_amount: '250.5' }));
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_merchant_id',
      'pg_order_id',
      'pg_status',
      'pg_balance',
      'pg_card_hash',
      'pg_payment_amount',
      'pg_payment_date',
      'pg_reference',
      'pg_salt',
      'pg_sig',
      'pg_datetime',
    ]);
    expect(answer).toMatchObject({
      pg_merchant_id: MERCHANT_ID,
      pg_order_id: 'p2p-doc',
      pg_status: 'ok',
      pg_balance: '999749.50',
      pg_card_hash: '4671-59XX-XXXX-8252',
      pg_payment_amount: '250.50',
      pg_payment_date: '2026-01-15T10:00:00Z',
      pg_datetime: '2026-01-15T10:00:00Z',
    });
    expect(answer.pg_payment_id).toMatch(/^\d{10}$/);
    // pg_datetime comes after pg_sig, and is signed all the same.
    expect(expectSignedBySandbox(answer, 'p2p2nonreg')).toBe(true);
    expect(verifySignature('p2p2nonreg', without(answer, 'pg_datetime'), SECRET).valid).toBe(false);
  });

  it('gives a 12-digit reference: year digit, day of the year, hour, then the payment id', async () => {
    const answer = await pay(p2pFields());
    const id = answer.pg_payment_id ?? '';
    // 2026-01-15 10:00 UTC: 6, day 015, hour 10.
    expect(answer.pg_reference).toBe(`601510${id.slice(-6)}`);
  });

  it('gives the same payment ids and references under the same seed', async () => {
    const first = await pay(p2pFields({ pg_order_id: 'same-seed' }));
    const again = await openTestSandbox();
    try {
      const res = await asMultipart(
        request(again.app).post('/g2g/p2p2nonreg'),
        signed(p2pFields({ pg_order_id: 'same-seed' }), 'p2p2nonreg'),
      );
      const second = parseAnswer(res.text);
      expect(second.pg_payment_id).toBe(first.pg_payment_id);
      expect(second.pg_reference).toBe(first.pg_reference);
    } finally {
      await again.dispose();
    }
  });

  it('takes the optional pg_user_id, pg_card_name, pg_currency and extra fields, all signed', async () => {
    const answer = await pay(
      p2pFields({
        pg_user_id: 'user-7',
        pg_card_name: 'Ivan Ivanov',
        pg_currency: 'KZT',
        pg_my_own_field: 'kept',
      }),
    );
    expect(answer.pg_status).toBe('ok');
    const [payout] = await gateway.sandbox.store.payouts();
    expect(payout?.destination).toMatchObject({ kind: 'card-number', holder: 'Ivan Ivanov' });
    expect(payout?.request.pg_my_own_field).toBe('kept');
  });

  it('says in the hint header that a currency other than KZT was not used', async () => {
    const res = await asMultipart(
      request(gateway.sandbox.app).post('/g2g/p2p2nonreg'),
      signed(p2pFields({ pg_currency: 'USD' }), 'p2p2nonreg'),
    );
    expect(parseAnswer(res.text).pg_status).toBe('ok');
    expect(res.headers['x-sandbox-hint']).toContain('pg_currency=USD was not used');
  });

  it('takes a 13- and a 20-digit number', async () => {
    expect((await pay(p2pFields({ pg_payment_to: '4000123456788' }))).pg_status).toBe('ok');
    const long = await pay(p2pFields({ pg_payment_to: '40001234567890123454' }));
    expect(long.pg_status).toBe('ok');
    expect(long.pg_card_hash).toMatch(/3454$/);
  });

  it('journals the request with its order, payment id and outcome', async () => {
    const answer = await pay(p2pFields({ pg_order_id: 'p2p-journal' }));
    expect((await gateway.sandbox.journal.list({ orderId: 'p2p-journal' }))[0]).toMatchObject({
      path: '/g2g/p2p2nonreg',
      merchantId: MERCHANT_ID,
      paymentId: Number(answer.pg_payment_id),
      outcome: 'ok',
    });
  });
});

describe('the outcome follows the number', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  const expected: Record<string, { status: string; code?: string }> = {
    success: { status: 'ok' },
    'error 10000': { status: 'error', code: '10000' },
    'error 10001': { status: 'error', code: '10001' },
    'error 8888': { status: 'error', code: '8888' },
    'process, later success': { status: 'process' },
    'process, later error 10001': { status: 'process' },
  };

  it.each(TEST_CARDS.map((c) => [c.pan, c.documented] as const))(
    'test card %s answers %s',
    async (pan, documented) => {
      const answer = await pay(p2pFields({ pg_payment_to: pan }));
      expect(answer.pg_status).toBe(expected[documented]?.status);
      expect(answer.pg_error_code).toBe(expected[documented]?.code);
      expect(expectSignedBySandbox(answer, 'p2p2nonreg')).toBe(true);
    },
  );

  it('pays any other valid number', async () => {
    expect((await pay(p2pFields({ pg_payment_to: '4277654321012348' }))).pg_status).toBe('ok');
  });

  it('describes a decline from the error catalogue, before the salt', async () => {
    const answer = await pay(p2pFields({ pg_payment_to: '5325349472901311' }));
    expect(answer.pg_error_description).toBe('Payment error. Service unavailable, retry later');
    const keys = Object.keys(answer);
    expect(keys.indexOf('pg_error_code')).toBeLessThan(keys.indexOf('pg_salt'));
  });

  it('ends a process number in ok after 5 s, and the statuses follow', async () => {
    const answer = await pay(p2pFields({ pg_payment_to: '5507841999732294' }));
    const id = answer.pg_payment_id ?? '';
    expect((await status('/g2g/payout_status2', { pg_payment_id: id })).pg_payment_status).toBe(
      'process',
    );
    await gateway.sandbox.clock.advance(5_000);
    expect((await status('/g2g/payout_status2', { pg_payment_id: id })).pg_payment_status).toBe(
      'success',
    );
  });
});

describe('the ledger', () => {
  beforeEach(async () => {
    await gateway.open({ SANDBOX_OPENING_BALANCE: '1000.00' });
  });

  it('debits an ok payout', async () => {
    await pay(p2pFields({ pg_amount: '100' }));
    expect(await balance()).toBe('900.00');
  });

  it('leaves the balance as it was after a decline', async () => {
    const answer = await pay(p2pFields({ pg_amount: '100', pg_payment_to: '5325349472901311' }));
    expect(answer.pg_balance).toBe('1000.00');
    expect(await balance()).toBe('1000.00');
  });

  it('holds the amount while in process and credits it back when it ends in error', async () => {
    await pay(p2pFields({ pg_amount: '100', pg_payment_to: '4532676596620704' }));
    expect(await balance()).toBe('900.00');
    await gateway.sandbox.clock.advance(5_000);
    expect(await balance()).toBe('1000.00');
  });

  it('refuses a payout above the balance with 10011, making nothing', async () => {
    const answer = await pay(p2pFields({ pg_amount: '1000.01' }));
    expect(answer.pg_error_code).toBe('10011');
    expect(await gateway.sandbox.store.payouts()).toHaveLength(0);
  });

  it('refuses a reused order id with 10012', async () => {
    await pay(p2pFields({ pg_order_id: 'shared-order' }));
    expect((await pay(p2pFields({ pg_order_id: 'shared-order' }))).pg_error_code).toBe('10012');
  });
});

describe('the status methods find it', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it('by payment id and by order id, in each method', async () => {
    const answer = await pay(p2pFields({ pg_order_id: 'p2p-status' }));
    const id = answer.pg_payment_id ?? '';
    expect((await status('/api/payment_status2', { pg_payment_id: id })).pg_payment_status).toBe(
      'success',
    );
    expect((await status('/g2g/payout_status2', { pg_payment_id: id })).pg_card_hash).toBe(
      '4671-59XX-XXXX-8252',
    );
    expect(
      (await status('/get_status2.php', { pg_order_id: 'p2p-status' })).pg_transaction_status,
    ).toBe('ok');
    expect((await status('/api/payment_status', { pg_order_id: 'p2p-status' })).pg_status).toBe(
      'ok',
    );
    expect((await status('/api/payment_status', { pg_payment_id: id })).pg_status).toBe('ok');
  });

  it('reports a declined one as failed in the legacy status', async () => {
    await pay(p2pFields({ pg_order_id: 'p2p-failed', pg_payment_to: '5543974702876045' }));
    const legacy = await status('/api/payment_status', { pg_order_id: 'p2p-failed' });
    expect(legacy).toMatchObject({ pg_status: 'failed', pg_failure_code: '8888' });
  });
});

describe('bad input: a signed 9403 naming the field, nothing made', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it.each([
    [
      'a 12-digit number',
      { pg_payment_to: '400012345678' },
      'pg_payment_to must be 13 to 20 digits (it has 12)',
    ],
    [
      'a 21-digit number',
      { pg_payment_to: '400012345678901234560' },
      'pg_payment_to must be 13 to 20 digits (it has 21)',
    ],
    [
      'a number failing the Luhn check',
      { pg_payment_to: '4671593866478253' },
      'pg_payment_to fails the Luhn check',
    ],
    [
      'a number with spaces',
      { pg_payment_to: '4671 5938 6647 8252' },
      'pg_payment_to must be the card number, digits only',
    ],
    [
      'a currency that is not a code',
      { pg_currency: 'tenge' },
      'pg_currency must be a three-letter currency code',
    ],
    ['an amount of 0', { pg_amount: '0' }, 'pg_amount must be a number from 0.01'],
    [
      'a post link that is not a URL',
      { pg_post_link: 'merchant/notify' },
      'pg_post_link must be an http:// or https:// URL',
    ],
  ])('%s', async (_what, overrides, problem) => {
    const answer = await pay(p2pFields(overrides));
    expect(answer.pg_status).toBe('error');
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(problem);
    expect(expectSignedBySandbox(answer, 'p2p2nonreg')).toBe(true);
    expect(await gateway.sandbox.store.payouts()).toHaveLength(0);
  });

  it.each(['pg_payment_to', 'pg_order_id', 'pg_amount', 'pg_description', 'pg_post_link'])(
    'a request without %s',
    async (field) => {
      const answer = await pay(without(p2pFields(), field));
      expect(answer.pg_error_code).toBe('9403');
      expect(answer.pg_error_description).toContain(`${field} is required`);
    },
  );

  it('names every bad field in one answer', async () => {
    const answer = await pay(without(p2pFields({ pg_payment_to: '123' }), 'pg_description'));
    expect(answer.pg_error_description).toContain('pg_payment_to must be 13 to 20 digits');
    expect(answer.pg_error_description).toContain('pg_description is required');
  });

  it('refuses a wrong signature with 1100, signed as p2p2nonreg', async () => {
    const res = await asMultipart(
      request(gateway.sandbox.app).post('/g2g/p2p2nonreg'),
      signed(p2pFields(), 'reg2reg'),
    );
    const answer = parseAnswer(res.text);
    expect(answer.pg_error_code).toBe('1100');
    expect(expectSignedBySandbox(answer, 'p2p2nonreg')).toBe(true);
  });
});

describe('scenarios', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  const rule = (body: Record<string, unknown>): Promise<unknown> =>
    request(gateway.sandbox.app).post('/__sandbox/scenarios').send(body).expect(201);

  it('a rule for method p2p2nonreg decides it, and leaves reg2reg alone', async () => {
    await rule({ method: 'p2p2nonreg', outcome: 'error 10001' });
    expect((await pay(p2pFields())).pg_error_code).toBe('10001');
    const res = await request(gateway.sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(
        signed({
          pg_merchant_id: MERCHANT_ID,
          pg_amount: '10',
          pg_order_id: 'reg2reg-untouched',
          pg_user_id: 'user42',
          pg_card_token_to: TEST_CARDS[0]?.token ?? '',
          pg_description: 'd',
          pg_post_link: 'https://merchant.example/notify',
          pg_order_time_limit: '2030-12-31 23:59:59',
          pg_salt: 's',
        }),
      );
    expect(parseAnswer(res.text).pg_status).toBe('ok');
  });

  it('a rule for method reg2reg leaves p2p2nonreg to its number', async () => {
    await rule({ method: 'reg2reg', outcome: 'error 10001' });
    expect((await pay(p2pFields())).pg_status).toBe('ok');
  });

  it('a rule may match the card number field', async () => {
    await rule({
      method: 'p2p2nonreg',
      match: { pg_payment_to: { regex: '^4277' } },
      outcome: 'error 8888',
    });
    expect((await pay(p2pFields({ pg_payment_to: '4277654321012348' }))).pg_error_code).toBe(
      '8888',
    );
    expect((await pay(p2pFields())).pg_status).toBe('ok');
  });

  it('a fault after the payout breaks the answer, and the status still finds the payout', async () => {
    await rule({ method: 'p2p2nonreg', fault: 'http-503' });
    const res = await asMultipart(
      request(gateway.sandbox.app).post('/g2g/p2p2nonreg'),
      signed(p2pFields({ pg_order_id: 'p2p-fault' }), 'p2p2nonreg'),
    );
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect((await status('/api/payment_status', { pg_order_id: 'p2p-fault' })).pg_status).toBe(
      'ok',
    );
  });

  it('latency holds the answer on the sandbox clock', async () => {
    await rule({ method: 'p2p2nonreg', latency: '2s' });
    let answered = false;
    const pending = pay(p2pFields({ pg_order_id: 'p2p-slow' })).then((answer) => {
      answered = true;
      return answer;
    });
    await vi.waitFor(async () => expect(await gateway.sandbox.store.payouts()).toHaveLength(1));
    await gateway.sandbox.clock.advance(1_999);
    expect(answered).toBe(false);
    await gateway.sandbox.clock.advance(1);
    expect((await pending).pg_status).toBe('ok');
  });
});

describe('the notify', () => {
  const merchant = useMerchantReceiver(gateway);

  it('arrives at pg_post_link 3 s after, signed with its last path segment', async () => {
    const answer = await pay(
      p2pFields({ pg_post_link: merchant.receiver.url('/payout/notify'), pg_amount: '42' }),
    );
    await gateway.sandbox.clock.advance(3_000);
    const [postback] = merchant.receiver.received;
    const fields = Object.fromEntries(postback?.body ?? []);
    expect(fields).toMatchObject({
      pg_payment_id: answer.pg_payment_id,
      pg_order_id: answer.pg_order_id,
      pg_status: 'ok',
      pg_card_hash: '4671-59XX-XXXX-8252',
      pg_payment_amount: '42.00',
    });
    expect(verifySignature('notify', fields, SECRET).valid).toBe(true);
  });

  it('of a process number arrives only when it ends, with the error', async () => {
    await pay(
      p2pFields({
        pg_post_link: merchant.receiver.url('/payout/notify'),
        pg_payment_to: '4532676596620704',
      }),
    );
    await gateway.sandbox.clock.advance(7_999);
    expect(merchant.receiver.received).toHaveLength(0);
    await gateway.sandbox.clock.advance(1);
    const fields = Object.fromEntries(merchant.receiver.received[0]?.body ?? []);
    expect(fields).toMatchObject({ pg_status: 'error', pg_error_code: '10001' });
    expect(verifySignature('notify', fields, SECRET).valid).toBe(true);
  });
});
