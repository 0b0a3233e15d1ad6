import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/cards/test-cards.js';
import { DEFAULT_PROCESS_DELAY_MS } from '../src/payouts/outcome.js';
import { sign } from '../src/signature/signature.js';
import {
  asMultipart,
  card,
  expectSignedBySandbox,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

async function payout(fields: Record<string, string>): Promise<Record<string, string>> {
  const res = await asMultipart(request(sandbox.app).post('/api/reg2reg'), signed(fields));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  expect(res.text.startsWith('<?xml')).toBe(true);
  return parseAnswer(res.text);
}

const expectedAnswer: Record<string, { status: string; code?: string }> = {
  success: { status: 'ok' },
  'error 10000': { status: 'error', code: '10000' },
  'error 10001': { status: 'error', code: '10001' },
  'error 8888': { status: 'error', code: '8888' },
  'process, later success': { status: 'process' },
  'process, later error 10001': { status: 'process' },
};

describe('POST /api/reg2reg with each documented payout test card', () => {
  it.each(TEST_CARDS.map((c) => [c.pan, c.documented, c] as const))(
    'card %s answers %s, signed',
    async (_pan, documented, testCard) => {
      const answer = await payout(payoutFields({ pg_card_token_to: testCard.token }));
      const expected = expectedAnswer[documented];
      expect(answer.pg_status).toBe(expected?.status);
      expect(answer.pg_error_code).toBe(expected?.code);
      expect(answer.pg_card_token).toBe(testCard.token);
      expect(answer.pg_card_id).toBe(String(testCard.id));
      expect(answer.pg_payment_id).toMatch(/^\d{10}$/);
      expect(expectSignedBySandbox(answer)).toBe(true);
    },
  );

  it('answers a success with the seed page fields in order and no pg_error_code', async () => {
    const answer = await payout(payoutFields({ pg_amount: '250', pg_order_id: 'seed-order' }));
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_merchant_id',
      'pg_status',
      'pg_order_id',
      'pg_balance',
      'pg_card_hash',
      'pg_card_id',
      'pg_card_token',
      'pg_payment_amount',
      'pg_payment_date',
      'pg_salt',
      'pg_sig',
    ]);
    expect(answer).toMatchObject({
      pg_merchant_id: '100001',
      pg_order_id: 'seed-order',
      pg_balance: '999750.00',
      pg_card_hash: '4671-59XX-XXXX-8252',
      pg_payment_amount: '250.00',
      pg_payment_date: '2026-01-15T10:00:00Z',
    });
  });

  it('masks 18- and 19-digit cards without splitting the last four digits', async () => {
    const long = TEST_CARDS.find((c) => c.pan.length === 19);
    const answer = await payout(payoutFields({ pg_card_token_to: long?.token ?? '' }));
    expect(answer.pg_card_hash).toBe('620450XXXXXXXXX0939');
  });

  it('describes a declined payout from the error catalogue', async () => {
    const answer = await payout(payoutFields({ pg_card_token_to: card('error 10000').token }));
    expect(answer.pg_error_description).toBe('Payment error. Service unavailable, retry later');
  });

  it('finds the card by the legacy numeric pg_card_id_to', async () => {
    const fields = payoutFields({ pg_card_id_to: String(card('error 8888').id) });
    delete fields.pg_card_token_to;
    expect((await payout(fields)).pg_error_code).toBe('8888');
  });

  it('answers the Gateway twin /g2g/reg2reg the same way', async () => {
    const res = await asMultipart(
      request(sandbox.app).post('/g2g/reg2reg'),
      signed(payoutFields()),
    );
    expect(parseAnswer(res.text).pg_status).toBe('ok');
  });

  it('takes application/x-www-form-urlencoded bodies', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields()));
    expect(parseAnswer(res.text).pg_status).toBe('ok');
  });

  it('takes the whole request as XML in the pg_xml field', async () => {
    const fields = signed(payoutFields({ pg_description: 'Fish & chips <3' }));
    const xml = `<?xml version="1.0" encoding="utf-8"?><request>${Object.entries(fields)
      .map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
      .join('')}</request>`;
    const res = await request(sandbox.app).post('/api/reg2reg').field('pg_xml', xml);
    expect(parseAnswer(res.text).pg_status).toBe('ok');
  });

  it('signs extra and nested fields into the signature like any other', async () => {
    const fields = signed(payoutFields({ pg_back_link: 'http://site.kz/back', my_ref: 'A-1' }));
    const ok = await request(sandbox.app).post('/api/reg2reg').type('form').send(fields);
    expect(parseAnswer(ok.text).pg_status).toBe('ok');

    const nested = payoutFields();
    const body = new URLSearchParams({ ...nested, 'pg_meta[b]': '2', 'pg_meta[a]': '1' });
    const withMeta = { ...nested, pg_meta: { b: '2', a: '1' } };
    body.set('pg_sig', sign('reg2reg', withMeta, 'sandbox-payout-secret'));
    const res = await request(sandbox.app).post('/api/reg2reg').type('form').send(body.toString());
    expect(parseAnswer(res.text).pg_status).toBe('ok');
  });
});

describe('a process payout', () => {
  it.each([
    ['process, later success', 'ok', undefined],
    ['process, later error 10001', 'error', { code: 10001 }],
  ] as const)('with card "%s" ends %s when its time comes', async (documented, final, error) => {
    const answer = await payout(payoutFields({ pg_card_token_to: card(documented).token }));
    const paymentId = Number(answer.pg_payment_id);
    expect((await sandbox.store.payout(paymentId))?.status).toBe('process');

    await sandbox.clock.advance(DEFAULT_PROCESS_DELAY_MS - 1);
    expect((await sandbox.store.payout(paymentId))?.status).toBe('process');
    await sandbox.clock.advance(1);

    const stored = await sandbox.store.payout(paymentId);
    expect(stored?.status).toBe(final);
    if (error) expect(stored?.error).toMatchObject(error);
    expect(stored?.history.map((h) => h.status)).toEqual(['process', final]);

    const admin = await request(sandbox.app).get(`/__sandbox/payouts/${paymentId}`);
    expect(admin.body.status).toBe(final);
  });
});
