import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_IBANS } from '../src/payouts/iban.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  asMultipart,
  expectSignedBySandbox,
  MERCHANT_ID,
  parseAnswer,
  SECRET,
  signed,
} from './helpers.js';
import { useGatewaySandbox, useMerchantReceiver, without } from './gateway-sandbox.js';

/**
 * Payouts to a bank account (docs/gateway/payouts.md §4): `/g2g/to_iban` and `/api/to_iban`, and the
 * legacy PHP SDK's `/api/iban_payout` with its status.
 */
const gateway = useGatewaySandbox();
const { status, balance } = gateway;

const IBAN = {
  success: 'KZ85125KZT0000000001',
  declined: 'KZ58125KZT0000000002',
  processThenOk: 'KZ31125KZT0000000003',
  processThenError: 'KZ04125KZT0000000004',
  /** A valid Kazakh IBAN that is not a test IBAN. */
  other: 'KZ86125KZT5004100100',
} as const;

let counter = 0;

/** A complete to_iban request (every field is required), minus the signature. */
function toIbanFields(overrides: Record<string, string> = {}): Record<string, string> {
  counter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_order_id: `iban-${counter}`,
    pg_amount: '500',
    pg_description: 'Выплата на счёт',
    pg_recipient_iban: IBAN.success,
    pg_recipient_iin: '761223455678',
    pg_recipient_name: 'IVANOV IVAN',
    pg_recipient_kbe: '19',
    pg_knp: '119',
    pg_bank_bik: 'KZZSAE',
    pg_post_link: 'https://merchant.example/payout/notify',
    pg_salt: `iban-salt-${counter}`,
    ...overrides,
  };
}

/** What the PHP SDK's toIban() sends (docs/gateway/php-sdk.md §2): no post link, no KBE/KNP. */
function legacyFields(overrides: Record<string, string> = {}): Record<string, string> {
  counter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_amount: '2000',
    pg_order_id: `legacy-${counter}`,
    pg_description: 'Description',
    pg_user_id: '131',
    pg_recipient_bank_bic: 'KCJBKZKX',
    pg_recipient_iban: IBAN.success,
    pg_recipient_iin_bin: '123456789101',
    pg_recipient_name: 'IVANOV IVAN',
    pg_salt: `legacy-salt-${counter}`,
    ...overrides,
  };
}

async function post(
  path: string,
  fields: Record<string, string>,
  script: string,
): Promise<{ answer: Record<string, string>; hint: string | undefined }> {
  const res = await asMultipart(request(gateway.sandbox.app).post(path), signed(fields, script));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  expect(res.text.startsWith('<?xml')).toBe(true);
  return { answer: parseAnswer(res.text), hint: res.headers['x-sandbox-hint'] as string };
}

async function toIban(
  fields: Record<string, string>,
  path = '/g2g/to_iban',
): Promise<Record<string, string>> {
  return (await post(path, fields, 'to_iban')).answer;
}

/** As the SDK sends it: to `…//api/iban_payout`, multipart, script `iban_payout`. */
async function ibanPayout(fields: Record<string, string>): Promise<Record<string, string>> {
  return (await post('//api/iban_payout', fields, 'iban_payout')).answer;
}

/** The SDK's getIbanStatus(): merchant and order id, on its doubled-slash base URL. */
async function ibanStatus(orderId: string): Promise<Record<string, string>> {
  return status('//api/iban_payout/payment_status', { pg_order_id: orderId });
}

describe('to_iban: the answer', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it.each(['/g2g/to_iban', '/api/to_iban'])(
    '%s answers the documented fields in order, signed with to_iban',
    async (path) => {
      const answer = await toIban(
        toIbanFields({ pg_order_id: `doc${path}`, pg_amount: '500.25' }),
        path,
      );
      expect(Object.keys(answer)).toEqual([
        'pg_payment_id',
        'pg_merchant_id',
        'pg_status',
        'pg_order_id',
        'pg_payment_amount',
        'pg_payment_date',
        'pg_datetime',
        'pg_salt',
        'pg_sig',
      ]);
      expect(answer).toMatchObject({
        pg_merchant_id: MERCHANT_ID,
        pg_status: 'ok',
        pg_order_id: `doc${path}`,
        pg_payment_amount: '500.25',
        pg_payment_date: '2026-01-15T10:00:00Z',
        pg_datetime: '2026-01-15T10:00:00Z',
      });
      expect(answer.pg_payment_id).toMatch(/^\d{10}$/);
      expect(expectSignedBySandbox(answer, 'to_iban')).toBe(true);
    },
  );

  it('adds the error to a declined payout, before pg_datetime', async () => {
    const answer = await toIban(toIbanFields({ pg_recipient_iban: IBAN.declined }));
    expect(answer).toMatchObject({
      pg_status: 'error',
      pg_error_code: '10000',
      pg_error_description: 'Payment error. Service unavailable, retry later',
    });
    const keys = Object.keys(answer);
    expect(keys.indexOf('pg_error_description')).toBeLessThan(keys.indexOf('pg_datetime'));
    expect(expectSignedBySandbox(answer, 'to_iban')).toBe(true);
  });

  it('keeps the recipient, with the IBAN as written without spaces and in capitals', async () => {
    await toIban(toIbanFields({ pg_recipient_iban: 'kz86 125K ZT50 0410 0100' }));
    const [payout] = await gateway.sandbox.store.payouts();
    expect(payout?.destination).toEqual({
      kind: 'iban',
      iban: IBAN.other,
      iin: '761223455678',
      name: 'IVANOV IVAN',
      bik: 'KZZSAE',
      kbe: '19',
      knp: '119',
    });
  });

  it('journals the request', async () => {
    const answer = await toIban(toIbanFields({ pg_order_id: 'iban-journal' }), '/api/to_iban');
    expect((await gateway.sandbox.journal.list({ orderId: 'iban-journal' }))[0]).toMatchObject({
      path: '/api/to_iban',
      paymentId: Number(answer.pg_payment_id),
      outcome: 'ok',
    });
  });
});

describe('the test IBANs force outcomes', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  const answered: Record<string, { status: string; code?: string; final: string }> = {
    success: { status: 'ok', final: 'success' },
    'error 10000': { status: 'error', code: '10000', final: 'error' },
    'process, later success': { status: 'process', final: 'success' },
    'process, later error 10001': { status: 'process', final: 'error' },
  };

  it.each(TEST_IBANS.map((test) => [test.iban, test.documented] as const))(
    '%s: %s',
    async (iban, documented) => {
      const answer = await toIban(toIbanFields({ pg_recipient_iban: iban }));
      const expected = answered[documented];
      expect(answer.pg_status).toBe(expected?.status);
      expect(answer.pg_error_code).toBe(expected?.code);
      await gateway.sandbox.clock.advance(5_000);
      const now = await status('/api/payment_status2', {
        pg_payment_id: answer.pg_payment_id ?? '',
      });
      expect(now.pg_payment_status).toBe(expected?.final);
    },
  );

  it.each([IBAN.other, 'DE89370400440532013000', 'GB82WEST12345698765432'])(
    'any other valid IBAN (%s) is paid',
    async (iban) => {
      expect((await toIban(toIbanFields({ pg_recipient_iban: iban }))).pg_status).toBe('ok');
    },
  );
});

describe('to_iban: bad input is a signed 9403 naming the field, and nothing is made', () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it.each([
    [
      'an IBAN with wrong check digits',
      { pg_recipient_iban: 'KZ86125KZT0000000001' },
      'pg_recipient_iban has wrong check digits (ISO 13616 mod 97)',
    ],
    [
      'a Kazakh IBAN of 19 characters',
      { pg_recipient_iban: 'KZ85125KZT000000001' },
      'pg_recipient_iban must be 20 characters for KZ (it has 19)',
    ],
    [
      'an account number without country and check digits',
      { pg_recipient_iban: '12345678910111213141' },
      'pg_recipient_iban must be an IBAN',
    ],
    [
      'an IIN of 11 digits',
      { pg_recipient_iin: '76122345567' },
      'pg_recipient_iin must be 12 digits',
    ],
    ['a KBE of one digit', { pg_recipient_kbe: '1' }, 'pg_recipient_kbe must be 2 digits'],
    ['a KNP with a letter', { pg_knp: '11A' }, 'pg_knp must be 3 digits'],
  ])('%s', async (_what, overrides, problem) => {
    const answer = await toIban(toIbanFields(overrides));
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(problem);
    expect(expectSignedBySandbox(answer, 'to_iban')).toBe(true);
    expect(await gateway.sandbox.store.payouts()).toHaveLength(0);
  });

  it.each([
    'pg_recipient_iban',
    'pg_recipient_iin',
    'pg_recipient_name',
    'pg_recipient_kbe',
    'pg_knp',
    'pg_bank_bik',
    'pg_post_link',
    'pg_order_id',
    'pg_amount',
    'pg_description',
  ])('a request without %s', async (field) => {
    const answer = await toIban(without(toIbanFields(), field));
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(`${field} is required`);
  });

  it('names every missing recipient field in one answer', async () => {
    const fields = ['pg_recipient_name', 'pg_recipient_kbe', 'pg_knp'].reduce(
      (rest, field) => without(rest, field),
      toIbanFields(),
    );
    const answer = await toIban(fields);
    expect(answer.pg_error_description).toContain(
      'pg_recipient_name is required; pg_recipient_kbe is required; pg_knp is required',
    );
  });
});

describe('to_iban: ledger, statuses, order ids, scenarios', () => {
  beforeEach(async () => {
    await gateway.open({ SANDBOX_OPENING_BALANCE: '1000.00' });
  });

  it('debits an ok payout and leaves the balance after a decline', async () => {
    await toIban(toIbanFields({ pg_amount: '100' }));
    await toIban(toIbanFields({ pg_amount: '100', pg_recipient_iban: IBAN.declined }));
    expect(await balance()).toBe('900.00');
  });

  it('credits the amount back when a process payout ends in error', async () => {
    await toIban(toIbanFields({ pg_amount: '100', pg_recipient_iban: IBAN.processThenError }));
    expect(await balance()).toBe('900.00');
    await gateway.sandbox.clock.advance(5_000);
    expect(await balance()).toBe('1000.00');
  });

  it('is found by every status method', async () => {
    const answer = await toIban(toIbanFields({ pg_order_id: 'iban-status' }));
    const id = answer.pg_payment_id ?? '';
    expect((await status('/g2g/payout_status2', { pg_payment_id: id })).pg_payment_status).toBe(
      'success',
    );
    expect(
      (await status('/api/payment_status2', { pg_payment_id: id, pg_order_id: 'iban-status' }))
        .pg_payment_status,
    ).toBe('success');
    expect(
      (await status('/get_status2.php', { pg_order_id: 'iban-status' })).pg_transaction_status,
    ).toBe('ok');
    expect((await status('/api/payment_status', { pg_order_id: 'iban-status' })).pg_status).toBe(
      'ok',
    );
  });

  it('shares order ids with the other payout methods', async () => {
    await toIban(toIbanFields({ pg_order_id: 'one-order' }));
    const res = await asMultipart(
      request(gateway.sandbox.app).post('/g2g/p2p2nonreg'),
      signed(
        {
          pg_merchant_id: MERCHANT_ID,
          pg_order_id: 'one-order',
          pg_amount: '1',
          pg_payment_to: '4671593866478252',
          pg_description: 'd',
          pg_post_link: 'https://merchant.example/notify',
          pg_salt: 's',
        },
        'p2p2nonreg',
      ),
    );
    expect(parseAnswer(res.text).pg_error_code).toBe('10012');
  });

  it('a rule for method to_iban decides to_iban, not the legacy iban_payout', async () => {
    await request(gateway.sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ method: 'to_iban', outcome: 'error 8888' })
      .expect(201);
    expect((await toIban(toIbanFields())).pg_error_code).toBe('8888');
    expect((await ibanPayout(legacyFields({ pg_amount: '10' }))).pg_status).toBe('ok');
  });

  it('a rule may match the recipient fields', async () => {
    await request(gateway.sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ method: 'to_iban', match: { pg_knp: '342' }, outcome: 'process -> error 10001' })
      .expect(201);
    expect((await toIban(toIbanFields({ pg_knp: '342' }))).pg_status).toBe('process');
    expect((await toIban(toIbanFields())).pg_status).toBe('ok');
  });
});

describe('to_iban: the notify', () => {
  const merchant = useMerchantReceiver(gateway);

  it('arrives signed at pg_post_link, and a process payout is notified when it ends', async () => {
    const ok = await toIban(toIbanFields({ pg_post_link: merchant.receiver.url('/bank/result') }));
    await toIban(
      toIbanFields({
        pg_post_link: merchant.receiver.url('/bank/result'),
        pg_recipient_iban: IBAN.processThenOk,
      }),
    );
    await gateway.sandbox.clock.advance(3_000);
    expect(merchant.receiver.received).toHaveLength(1);
    const first = Object.fromEntries(merchant.receiver.received[0]?.body ?? []);
    expect(first).toMatchObject({ pg_payment_id: ok.pg_payment_id, pg_status: 'ok' });
    expect(first.pg_card_hash).toBeUndefined();
    expect(verifySignature('result', first, SECRET).valid).toBe(true);
    await gateway.sandbox.clock.advance(5_000);
    expect(merchant.receiver.received).toHaveLength(2);
    const second = Object.fromEntries(merchant.receiver.received[1]?.body ?? []);
    expect(second.pg_status).toBe('ok');
    expect(verifySignature('result', second, SECRET).valid).toBe(true);
  });
});

describe("the legacy iban_payout (the PHP SDK's toIban()) at //api/iban_payout", () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it('answers what makes toIban() return true: no pg_error_code, a pg_redirect_url, signed', async () => {
    const answer = await ibanPayout(legacyFields({ pg_order_id: '852014' }));
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_merchant_id',
      'pg_status',
      'pg_order_id',
      'pg_payment_amount',
      'pg_payment_date',
      'pg_redirect_url',
      'pg_salt',
      'pg_sig',
    ]);
    expect(answer).toMatchObject({
      pg_status: 'ok',
      pg_order_id: '852014',
      pg_payment_amount: '2000.00',
      pg_payment_date: '2026-01-15 10:00:00',
    });
    expect(expectSignedBySandbox(answer, 'iban_payout')).toBe(true);
  });

  it("points pg_redirect_url at the sandbox's record of the payout, at the request's origin", async () => {
    const answer = await ibanPayout(legacyFields());
    const url = new URL(answer.pg_redirect_url ?? '');
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const record = await request(gateway.sandbox.app).get(url.pathname).expect(200);
    expect(record.body).toMatchObject({
      paymentId: Number(answer.pg_payment_id),
      method: 'iban_payout',
      destination: { kind: 'iban', iin: '123456789101', bik: 'KCJBKZKX' },
    });
  });

  it('is answered the same on the single-slash path', async () => {
    const { answer } = await post('/api/iban_payout', legacyFields(), 'iban_payout');
    expect(answer.pg_status).toBe('ok');
  });

  it('sends no notify without a pg_post_link, and says so in the hint', async () => {
    const { answer, hint } = await post('//api/iban_payout', legacyFields(), 'iban_payout');
    expect(answer.pg_status).toBe('ok');
    expect(hint).toContain('no pg_post_link was sent, so no notify will be');
    await gateway.sandbox.clock.advance(60_000);
    expect(gateway.sandbox.sender.sent).toHaveLength(0);
    const res = await request(gateway.sandbox.app).get(
      `/__sandbox/postbacks?order_id=${answer.pg_order_id}`,
    );
    expect(res.body.postbacks).toEqual([]);
  });

  it('notifies pg_post_link when one is sent', async () => {
    const answer = await ibanPayout(
      legacyFields({ pg_post_link: 'https://merchant.example/iban/result' }),
    );
    await gateway.sandbox.clock.advance(3_000);
    const [sent] = gateway.sandbox.sender.sent;
    expect(sent?.url).toBe('https://merchant.example/iban/result');
    const fields = Object.fromEntries(sent?.body ?? []);
    expect(fields).toMatchObject({ pg_payment_id: answer.pg_payment_id, pg_status: 'ok' });
    expect(verifySignature('result', fields, SECRET).valid).toBe(true);
  });

  it('answers a declined IBAN with its pg_error_code, which the SDK reports', async () => {
    const answer = await ibanPayout(legacyFields({ pg_recipient_iban: IBAN.declined }));
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10000' });
    expect(answer.pg_error_description).toBeDefined();
  });

  it.each([
    [
      'pg_recipient_iban',
      { pg_recipient_iban: 'KZ86125KZT0000000001' },
      'pg_recipient_iban has wrong check digits',
    ],
    [
      'pg_recipient_iin_bin',
      { pg_recipient_iin_bin: '12345' },
      'pg_recipient_iin_bin must be 12 digits',
    ],
  ])('refuses a bad %s with 9403 naming it', async (_field, overrides, problem) => {
    const answer = await ibanPayout(legacyFields(overrides));
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(problem);
    expect(expectSignedBySandbox(answer, 'iban_payout')).toBe(true);
  });

  it.each([
    'pg_recipient_bank_bic',
    'pg_recipient_iban',
    'pg_recipient_iin_bin',
    'pg_recipient_name',
    'pg_order_id',
    'pg_amount',
    'pg_description',
  ])('refuses a request without %s with 9403 naming it', async (field) => {
    const answer = await ibanPayout(without(legacyFields(), field));
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(`${field} is required`);
  });

  it('a rule for method iban_payout decides it, not to_iban', async () => {
    await request(gateway.sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ method: 'iban_payout', outcome: 'error 10001' })
      .expect(201);
    expect((await ibanPayout(legacyFields())).pg_error_code).toBe('10001');
    expect((await toIban(toIbanFields())).pg_status).toBe('ok');
  });
});

describe("the legacy status (the PHP SDK's getIbanStatus()) at //api/iban_payout/payment_status", () => {
  beforeEach(async () => {
    await gateway.open();
  });

  it.each([
    [IBAN.success, 'ok'],
    [IBAN.declined, 'failed'],
  ])('a payout to %s is %s in pg_status, signed as payment_status', async (iban, expected) => {
    const made = await ibanPayout(legacyFields({ pg_recipient_iban: iban }));
    const answer = await ibanStatus(made.pg_order_id ?? '');
    expect(answer.pg_status).toBe(expected);
    expect(answer.pg_payment_id).toBe(made.pg_payment_id);
    expect(answer.pg_error_code).toBeUndefined();
  });

  it.each([
    [IBAN.processThenOk, 'ok'],
    [IBAN.processThenError, 'failed'],
  ])('a process payout to %s is pending, then %s', async (iban, final) => {
    const made = await ibanPayout(legacyFields({ pg_recipient_iban: iban }));
    expect((await ibanStatus(made.pg_order_id ?? '')).pg_status).toBe('pending');
    await gateway.sandbox.clock.advance(5_000);
    expect((await ibanStatus(made.pg_order_id ?? '')).pg_status).toBe(final);
  });

  it('a failed payout carries why, outside pg_error_code', async () => {
    const made = await ibanPayout(legacyFields({ pg_recipient_iban: IBAN.declined }));
    expect(await ibanStatus(made.pg_order_id ?? '')).toMatchObject({
      pg_failure_code: '10000',
      pg_failure_description: 'Payment error. Service unavailable, retry later',
    });
  });

  it('finds a to_iban payout by its order id too', async () => {
    await toIban(toIbanFields({ pg_order_id: 'gateway-iban' }));
    expect((await ibanStatus('gateway-iban')).pg_status).toBe('ok');
  });

  it('answers an unknown order with 11068, which the SDK reports', async () => {
    const answer = await ibanStatus('never-sent');
    expect(answer.pg_error_code).toBe('11068');
  });
});
