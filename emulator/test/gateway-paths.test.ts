import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  asMultipart,
  expectSignedBySandbox,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * Doubled slashes (the PHP SDK's toIban() posts to `…//api/iban_payout`) and the gateway's XML on
 * every path under /api and /g2g, known or not.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

const ORDER = 'paths-order';

/** One request per gateway method, each valid for the path it names (the order is made first). */
type Row = readonly [path: string, script: string, fields: Record<string, string>];

const methods: readonly Row[] = [
  ['//api/reg2reg', 'reg2reg', payoutFields()],
  ['/api//reg2reg', 'reg2reg', payoutFields()],
  ['//g2g//reg2reg', 'reg2reg', payoutFields()],
  [
    '//g2g//p2p2nonreg',
    'p2p2nonreg',
    {
      pg_merchant_id: MERCHANT_ID,
      pg_order_id: 'paths-p2p',
      pg_amount: '10',
      pg_payment_to: '4671593866478252',
      pg_description: 'd',
      pg_post_link: 'https://merchant.example/notify',
      pg_salt: 's',
    },
  ],
  ...['//g2g/to_iban', '/api///to_iban'].map((path, i): Row => [
    path,
    'to_iban',
    {
      pg_merchant_id: MERCHANT_ID,
      pg_order_id: `paths-iban-${i}`,
      pg_amount: '10',
      pg_description: 'd',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin: '761223455678',
      pg_recipient_name: 'IVANOV IVAN',
      pg_recipient_kbe: '19',
      pg_knp: '119',
      pg_bank_bik: 'KZZSAE',
      pg_post_link: 'https://merchant.example/notify',
      pg_salt: 's',
    },
  ]),
  [
    '//api/iban_payout',
    'iban_payout',
    {
      pg_merchant_id: MERCHANT_ID,
      pg_order_id: 'paths-legacy',
      pg_amount: '10',
      pg_description: 'd',
      pg_recipient_bank_bic: 'KCJBKZKX',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin_bin: '123456789101',
      pg_recipient_name: 'IVANOV IVAN',
      pg_salt: 's',
    },
  ],
  [
    '//api//iban_payout//payment_status',
    'payment_status',
    { pg_merchant_id: MERCHANT_ID, pg_order_id: ORDER, pg_salt: 's' },
  ],
  [
    '//api/payment_status',
    'payment_status',
    { pg_merchant_id: MERCHANT_ID, pg_order_id: ORDER, pg_salt: 's' },
  ],
  [
    '/api//payment_status2',
    'payment_status2',
    { pg_merchant_id: MERCHANT_ID, pg_order_id: ORDER, pg_salt: 's' },
  ],
  [
    '//g2g/payout_status2',
    'payout_status2',
    { pg_merchant_id: MERCHANT_ID, pg_order_id: ORDER, pg_salt: 's' },
  ],
  [
    '//get_status2.php',
    'get_status2.php',
    { pg_merchant_id: MERCHANT_ID, pg_order_id: ORDER, pg_salt: 's' },
  ],
  ['//g2g//balance_status', 'balance_status', { pg_merchant_id: MERCHANT_ID, pg_salt: 's' }],
];

describe('doubled slashes', () => {
  it.each(methods)(
    '%s is answered as the single-slash path (script %s)',
    async (path, script, fields) => {
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send(signed(payoutFields({ pg_order_id: ORDER })));
      const res = await asMultipart(request(sandbox.app).post(path), signed(fields, script));
      expect(res.status).toBe(200);
      const answer = parseAnswer(res.text);
      expect(answer.pg_error_code).toBeUndefined();
      expect(answer.pg_status).toBe('ok');
      expect(expectSignedBySandbox(answer, script)).toBe(true);
    },
  );

  it('journals the single-slash path', async () => {
    await asMultipart(
      request(sandbox.app).post('//api//reg2reg'),
      signed(payoutFields({ pg_order_id: 'journal-slashes' })),
    );
    expect((await sandbox.journal.list({ orderId: 'journal-slashes' }))[0]?.path).toBe(
      '/api/reg2reg',
    );
  });

  it('leaves the query as sent: a // in a query value stays, and is signed', async () => {
    const fields = payoutFields({ pg_order_id: 'query-slashes', pg_description: 'a//b' });
    const { pg_description: _inQuery, ...body } = signed(fields);
    const res = await request(sandbox.app)
      .post('//api//reg2reg?pg_description=a//b')
      .type('form')
      .send(body);
    expect(parseAnswer(res.text).pg_status).toBe('ok');
    const payout = (await sandbox.store.payouts()).find((p) => p.orderId === 'query-slashes');
    expect(payout?.request.pg_description).toBe('a//b');
  });

  it('applies outside the gateway too: //__sandbox//health', async () => {
    const res = await request(sandbox.app).get('//__sandbox//health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe("every path under /api and /g2g gets the gateway's XML", () => {
  it.each([
    ['POST', '//api/x'],
    ['POST', '/api//x'],
    ['POST', '/api'],
    ['POST', '/api/'],
    ['POST', '/g2g'],
    ['POST', '/g2g/'],
    ['POST', '//g2g//'],
    ['POST', '/api/nothing/deeper'],
    ['GET', '/api'],
    ['GET', '//g2g/x?pg_order_id=1'],
  ])('%s %s: 9992 in XML, never JSON', async (method, path) => {
    const res = await (method === 'GET'
      ? request(sandbox.app).get(path)
      : request(sandbox.app).post(path));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text.startsWith('<?xml')).toBe(true);
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '9992' });
  });

  it('leaves other unknown paths a JSON 404', async () => {
    const res = await request(sandbox.app).post('//apix').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});
