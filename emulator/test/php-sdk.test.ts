import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import {
  card,
  expectSignedBySandbox,
  openTestSandbox,
  parseAnswer,
  type TestSandbox,
} from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * The official PHP payout SDK (payboxmoney/payout 1.2.x on payboxmoney/core 1.2.9) as observed
 * when run, rebuilt from those observations and not from its code (GPL-3.0, not vendored):
 * multipart POSTs to api/reg2reg, api/payment_status, api/balance_status, api/reg2nonreg,
 * /api/iban_payout (after a base URL ending in `/`, so `//api/iban_payout` on the wire) and
 * api/iban_payout/payment_status, signed with the last path segment, ksort on field names, the secret last, a 32-hex-character pg_salt. It fails
 * a call whose answer contains pg_error_code anywhere (even 0), crashes without pg_status (and
 * pg_balance for balance), and breaks on any byte before <?xml. It never checks the answer's
 * signature.
 */
const SECRET = 'sandbox-payout-secret';

function sdkSign(
  path: string,
  query: Record<string, string>,
  secret = SECRET,
): Record<string, string> {
  const fields: Record<string, string> = { ...query, pg_salt: randomBytes(16).toString('hex') };
  const sorted = Object.keys(fields)
    .sort(byBytes)
    .map((key) => fields[key]);
  const script = path.split('/').at(-1) ?? '';
  fields.pg_sig = createHash('md5')
    .update([script, ...sorted, secret].join(';'))
    .digest('hex');
  return fields;
}

/** Sends as the SDK does: multipart, every field a part. */
async function sdkCall(
  sandbox: TestSandbox,
  path: string,
  query: Record<string, string>,
  secret?: string,
): Promise<string> {
  let req = request(sandbox.app).post(`/${path}`);
  for (const [name, value] of Object.entries(sdkSign(path, query, secret)))
    req = req.field(name, value);
  const res = await req;
  return res.text;
}

/** What the SDK needs of an answer not to throw or crash. */
function sdkAccepts(xml: string, needs: string[] = ['pg_status']): boolean {
  if (!xml.startsWith('<?xml')) return false;
  if (xml.includes('pg_error_code')) return false;
  return needs.every((field) => xml.includes(`<${field}>`));
}

function reg2regQuery(orderId: string, cardId: number): Record<string, string> {
  return {
    pg_merchant_id: '100001',
    pg_description: 'Description',
    pg_amount: '100',
    pg_order_id: orderId,
    pg_user_id: '131',
    pg_card_id_to: String(cardId),
    pg_post_link: 'http://site.ru/',
    pg_back_link: 'http://site.ru/',
    pg_order_time_limit: '2030-11-25 00:00:00',
  };
}

let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

describe('the official PHP SDK, as it calls the gateway', () => {
  it('reg2reg: a request signed as it signs is paid, with an answer it accepts', async () => {
    const xml = await sdkCall(sandbox, 'api/reg2reg', reg2regQuery('852014', card('success').id));
    expect(sdkAccepts(xml)).toBe(true);
    expect(parseAnswer(xml)).toMatchObject({
      pg_status: 'ok',
      pg_card_id: String(card('success').id),
    });
  });

  it('reg2reg: a request signed with another key is refused in a way it reports (pg_error_code)', async () => {
    const xml = await sdkCall(
      sandbox,
      'api/reg2reg',
      reg2regQuery('852015', card('success').id),
      'wrong',
    );
    expect(parseAnswer(xml).pg_error_code).toBe('1100');
    expect(sdkAccepts(xml)).toBe(false);
  });

  it('reg2reg: its own extra fields and a token alongside the id are signed like the rest; the token names the card', async () => {
    const xml = await sdkCall(sandbox, 'api/reg2reg', {
      ...reg2regQuery('852016', card('success').id),
      pg_card_token_to: card('error 8888').token,
      pg_currency: 'KZT',
      pg_encoding: 'UTF-8',
    });
    expect(parseAnswer(xml)).toMatchObject({ pg_status: 'error', pg_error_code: '8888' });
  });

  it('balance_status: pg_status and pg_balance, no pg_error_code', async () => {
    const xml = await sdkCall(sandbox, 'api/balance_status', { pg_merchant_id: '100001' });
    expect(sdkAccepts(xml, ['pg_status', 'pg_balance'])).toBe(true);
    expect(parseAnswer(xml)).toMatchObject({ pg_status: 'ok', pg_balance: '1000000.00' });
  });

  describe('payment_status: the status is pg_status itself', () => {
    async function pay(orderId: string, documented: string): Promise<string> {
      const xml = await sdkCall(sandbox, 'api/reg2reg', {
        ...reg2regQuery(orderId, card(documented).id),
      });
      return parseAnswer(xml).pg_payment_id ?? '';
    }

    it.each([
      ['success', 'ok', 'ok'],
      ['error 10000', 'failed', 'failed'],
      ['process, later success', 'new', 'pending'],
      ['process, later error 10001', 'new', 'pending'],
    ])(
      'a payout with card "%s" is %s by payment id and %s by order id',
      async (documented, byPayment, byOrder) => {
        const orderId = `sdk-${documented.replace(/\W/g, '')}`;
        const paymentId = await pay(orderId, documented);
        const asked = await sdkCall(sandbox, 'api/payment_status', {
          pg_merchant_id: '100001',
          pg_payment_id: paymentId,
        });
        expect(sdkAccepts(asked)).toBe(true);
        expect(parseAnswer(asked).pg_status).toBe(byPayment);
        const byOrderXml = await sdkCall(sandbox, 'api/payment_status', {
          pg_merchant_id: '100001',
          pg_order_id: orderId,
        });
        expect(sdkAccepts(byOrderXml)).toBe(true);
        expect(parseAnswer(byOrderXml).pg_status).toBe(byOrder);
      },
    );

    it('a process payout that ends in time is ok or failed; one whose time limit passes is incomplete', async () => {
      const inTime = await pay('sdk-in-time', 'process, later success');
      const failing = await pay('sdk-failing', 'process, later error 10001');
      const late = await sdkCall(sandbox, 'api/reg2reg', {
        ...reg2regQuery('sdk-late', card('process, later success').id),
        pg_order_time_limit: '2026-01-15 15:00:01',
      });
      await sandbox.clock.advance(5_000);
      const statusOf = async (query: Record<string, string>): Promise<string | undefined> =>
        parseAnswer(
          await sdkCall(sandbox, 'api/payment_status', { pg_merchant_id: '100001', ...query }),
        ).pg_status;
      expect(await statusOf({ pg_payment_id: inTime })).toBe('ok');
      expect(await statusOf({ pg_payment_id: failing })).toBe('failed');
      expect(await statusOf({ pg_order_id: 'sdk-failing' })).toBe('failed');
      expect(await statusOf({ pg_payment_id: parseAnswer(late).pg_payment_id ?? '' })).toBe(
        'incomplete',
      );
      expect(await statusOf({ pg_order_id: 'sdk-late' })).toBe('incomplete');
    });

    it('an unknown payment is an error it reports', async () => {
      const xml = await sdkCall(sandbox, 'api/payment_status', {
        pg_merchant_id: '100001',
        pg_payment_id: '1',
      });
      expect(parseAnswer(xml).pg_error_code).toBe('11068');
    });
  });
});

/**
 * reg2nonreg() (docs/gateway/php-sdk.md §2): amount, description, back link, post link and time limit are
 * required by the SDK, the order id is sent when set; no user id and no card. The merchant id
 * comes from the merchant model, as for every call.
 */
function reg2nonregQuery(orderId: string): Record<string, string> {
  return {
    pg_merchant_id: '100001',
    pg_amount: '100',
    pg_description: 'Description',
    pg_order_id: orderId,
    pg_post_link: 'http://site.ru/',
    pg_back_link: 'http://site.ru/',
    pg_order_time_limit: '2030-11-25 00:00:00',
  };
}

/**
 * toIban() (docs/gateway/php-sdk.md §2): amount and description, the four legacy recipient fields, order
 * id and user id when set. No post link, no time limit, no KBE/KNP.
 */
function toIbanQuery(orderId: string, iban: string): Record<string, string> {
  return {
    pg_merchant_id: '100001',
    pg_amount: '100',
    pg_description: 'Description',
    pg_order_id: orderId,
    pg_user_id: '131',
    pg_recipient_bank_bic: 'KCJBKZKX',
    pg_recipient_iban: iban,
    pg_recipient_iin_bin: '761223455678',
    pg_recipient_name: 'IVANOV IVAN',
  };
}

/** The sandbox's test IBANs (README): each forces an outcome, as the payout test cards do. */
const IBAN = {
  success: 'KZ85125KZT0000000001',
  declined: 'KZ58125KZT0000000002',
  processThenOk: 'KZ31125KZT0000000003',
} as const;

/** The SDK builds `getBaseUrl() . '/api/iban_payout'`: the base ends in `/`, so the path doubles. */
const TO_IBAN_PATH = '/api/iban_payout';

/**
 * What an answer must be for the SDK to report it rather than crash: XML from the first byte,
 * `pg_status` there, and a failure always carrying `pg_error_code` (with its description, or the
 * message is just `code:`).
 */
function sdkHandles(xml: string): boolean {
  if (!xml.startsWith('<?xml')) return false;
  const answer = parseAnswer(xml);
  if (answer.pg_status === undefined) return false;
  if (answer.pg_error_code !== undefined) return answer.pg_error_description !== undefined;
  return answer.pg_status !== 'error';
}

/** Where the SDK would send the browser: path and query of `pg_redirect_url`, for supertest. */
function pagePath(redirectUrl: string | undefined): string {
  const url = new URL(redirectUrl ?? '');
  return `${url.pathname}${url.search}`;
}

describe('the official PHP SDK, reg2nonreg(): a payout page', () => {
  it('the request as it sends it (no user id, no card) is answered ok with the pg_redirect_url it stores, and the page opens', async () => {
    const xml = await sdkCall(sandbox, 'api/reg2nonreg', reg2nonregQuery('sdk-page-1'));
    expect(sdkAccepts(xml, ['pg_status', 'pg_redirect_url'])).toBe(true);
    const answer = parseAnswer(xml);
    expect(answer.pg_status).toBe('ok');
    expect(answer.pg_redirect_url).toMatch(/^https?:\/\/[^/]+\//);
    expect(answer.pg_payment_id).toMatch(/^\d+$/);
    // The SDK never checks the answer's signature; a careful client does, with the same script.
    expect(expectSignedBySandbox(answer, 'reg2nonreg')).toBe(true);

    const page = await request(sandbox.app).get(pagePath(answer.pg_redirect_url));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('while nobody has finished the page, getStatus() reads new by payment id and partial by order id', async () => {
    const created = parseAnswer(
      await sdkCall(sandbox, 'api/reg2nonreg', reg2nonregQuery('sdk-page-wait')),
    );
    const byPayment = await sdkCall(sandbox, 'api/payment_status', {
      pg_merchant_id: '100001',
      pg_payment_id: created.pg_payment_id ?? '',
    });
    expect(sdkAccepts(byPayment)).toBe(true);
    expect(parseAnswer(byPayment).pg_status).toBe('new');
    const byOrder = await sdkCall(sandbox, 'api/payment_status', {
      pg_merchant_id: '100001',
      pg_order_id: 'sdk-page-wait',
    });
    expect(sdkAccepts(byOrder)).toBe(true);
    expect(parseAnswer(byOrder).pg_status).toBe('partial');
  });

  it('the README example time limit (a date in 2019, already past) still gets an answer it handles', async () => {
    const xml = await sdkCall(sandbox, 'api/reg2nonreg', {
      ...reg2nonregQuery('sdk-page-2019'),
      pg_order_time_limit: '2019-11-25 00:00:00',
    });
    expect(sdkHandles(xml)).toBe(true);
  });

  it('a request signed with another key is refused in a way it reports (pg_error_code)', async () => {
    const xml = await sdkCall(
      sandbox,
      'api/reg2nonreg',
      reg2nonregQuery('sdk-page-badsig'),
      'wrong',
    );
    expect(parseAnswer(xml).pg_error_code).toBe('1100');
    expect(sdkHandles(xml)).toBe(true);
  });
});

describe('the official PHP SDK, toIban() and getIbanStatus()', () => {
  it('toIban(): the request on the doubled-slash path it builds is paid, with an answer that makes it return true (pg_redirect_url included)', async () => {
    const xml = await sdkCall(sandbox, TO_IBAN_PATH, toIbanQuery('sdk-iban-1', IBAN.success));
    expect(sdkAccepts(xml, ['pg_status', 'pg_redirect_url'])).toBe(true);
    const answer = parseAnswer(xml);
    expect(answer.pg_status).toBe('ok');
    expect(answer.pg_payment_id).toMatch(/^\d+$/);
    expect(expectSignedBySandbox(answer, 'iban_payout')).toBe(true);
  });

  it('toIban(): an IBAN with wrong check digits is refused with a 9403 it reports, naming the field', async () => {
    const xml = await sdkCall(
      sandbox,
      TO_IBAN_PATH,
      toIbanQuery('sdk-iban-bad', 'KZ86125KZT0000000001'),
    );
    const answer = parseAnswer(xml);
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain('pg_recipient_iban');
    expect(sdkHandles(xml)).toBe(true);
  });

  it('toIban(): a request signed with another key is refused in a way it reports (pg_error_code)', async () => {
    const xml = await sdkCall(
      sandbox,
      TO_IBAN_PATH,
      toIbanQuery('sdk-iban-badsig', IBAN.success),
      'wrong',
    );
    expect(parseAnswer(xml).pg_error_code).toBe('1100');
    expect(sdkHandles(xml)).toBe(true);
  });

  it('toIban() without an order id (the SDK sends it only when set) gets an answer it handles', async () => {
    const { pg_order_id: _none, ...query } = toIbanQuery('', IBAN.success);
    const xml = await sdkCall(sandbox, TO_IBAN_PATH, query);
    expect(sdkHandles(xml)).toBe(true);
  });

  it.each([
    [IBAN.success, 'ok'],
    [IBAN.declined, 'failed'],
  ])(
    'getIbanStatus(): the payout to %s is %s in pg_status, the field it returns',
    async (iban, status) => {
      const orderId = `sdk-iban-status-${iban.slice(-1)}`;
      await sdkCall(sandbox, TO_IBAN_PATH, toIbanQuery(orderId, iban));
      const xml = await sdkCall(sandbox, 'api/iban_payout/payment_status', {
        pg_merchant_id: '100001',
        pg_order_id: orderId,
      });
      expect(sdkAccepts(xml)).toBe(true);
      const answer = parseAnswer(xml);
      expect(answer.pg_status).toBe(status);
      expect(expectSignedBySandbox(answer, 'payment_status')).toBe(true);
    },
  );

  it('getIbanStatus(): a payout in process is pending, then ok once it ends', async () => {
    const created = await sdkCall(
      sandbox,
      TO_IBAN_PATH,
      toIbanQuery('sdk-iban-process', IBAN.processThenOk),
    );
    expect(sdkAccepts(created, ['pg_status', 'pg_redirect_url'])).toBe(true);
    const status = async (): Promise<string | undefined> => {
      const xml = await sdkCall(sandbox, 'api/iban_payout/payment_status', {
        pg_merchant_id: '100001',
        pg_order_id: 'sdk-iban-process',
      });
      expect(sdkAccepts(xml)).toBe(true);
      return parseAnswer(xml).pg_status;
    };
    expect(await status()).toBe('pending');
    await sandbox.clock.advance(5_000);
    expect(await status()).toBe('ok');
  });

  it('getIbanStatus(): an unknown order is an error it reports', async () => {
    const xml = await sdkCall(sandbox, 'api/iban_payout/payment_status', {
      pg_merchant_id: '100001',
      pg_order_id: 'sdk-iban-never-sent',
    });
    expect(parseAnswer(xml).pg_error_code).toBe('11068');
    expect(sdkHandles(xml)).toBe(true);
  });
});

/** A sandbox that really sends its postbacks, over HTTP, to a local receiver. */
async function withShopAndReceiver(
  run: (shop: TestSandbox, receiver: Receiver) => Promise<void>,
): Promise<void> {
  const receiver = await Receiver.start();
  const shop = await openTestSandbox({}, undefined, { sender: new HttpPostbackSender() });
  try {
    await run(shop, receiver);
  } finally {
    await shop.dispose();
    await receiver.close();
  }
}

describe('the official PHP SDK, as it receives a postback', () => {
  it('a merchant that answers error is recorded as such; the postback still counts as delivered', async () => {
    await withShopAndReceiver(async (shop, receiver) => {
      receiver.answer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(
          '<?xml version="1.0"?>\n<response><pg_status>error</pg_status><pg_description>Order unknown</pg_description></response>',
        );
      });
      await sdkCall(shop, 'api/reg2reg', {
        ...reg2regQuery('sdk-error-ack', card('success').id),
        pg_post_link: receiver.url('/result'),
      });
      await shop.clock.advance(3_000);
      const log = await request(shop.app).get('/__sandbox/postbacks?order_id=sdk-error-ack');
      expect(log.body.postbacks[0]).toMatchObject({
        state: 'delivered',
        attempts: [{ status: 200, ack: { status: 'error', description: 'Order unknown' } }],
      });
    });
  });

  it('verifies the signature over every parameter, the post link query included, and answers in XML', async () => {
    await withShopAndReceiver(async (shop, receiver) => {
      // The SDK's accept(): <response> with pg_status, pg_description, pg_salt, pg_sig, pg_merchant_id.
      receiver.answer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(
          `<?xml version="1.0"?>\n<response><pg_status>ok</pg_status><pg_description>Thanks</pg_description><pg_salt>${randomBytes(8).toString('hex')}</pg_salt><pg_sig>${'0'.repeat(32)}</pg_sig><pg_merchant_id>100001</pg_merchant_id></response>`,
        );
      });
      const postLink = receiver.url('/index.php?route=payout/result&shop=7');
      const xml = await sdkCall(shop, 'api/reg2reg', {
        ...reg2regQuery('sdk-postback', card('success').id),
        pg_post_link: postLink,
      });
      expect(parseAnswer(xml).pg_status).toBe('ok');
      await shop.clock.advance(3_000);

      const [postback] = receiver.received;
      // $_REQUEST: the query and the body together; the script is the path's last segment.
      const params = {
        ...Object.fromEntries(postback?.query ?? []),
        ...Object.fromEntries(postback?.body ?? []),
      };
      const { pg_sig: sig, ...rest } = params;
      const sorted = Object.keys(rest)
        .sort(byBytes)
        .map((key) => rest[key]);
      const expected = createHash('md5')
        .update(['index.php', ...sorted, SECRET].join(';'))
        .digest('hex');
      expect(sig).toBe(expected);

      const log = await request(shop.app).get('/__sandbox/postbacks?order_id=sdk-postback');
      expect(log.body.postbacks[0]).toMatchObject({
        state: 'delivered',
        attempts: [{ status: 200, ack: { status: 'ok', description: 'Thanks' } }],
      });
    });
  });
});

describe('the official PHP SDK, a payout page end to end', () => {
  it.each([
    ['4671593866478252', 'ok', 'ok'],
    ['5325349472901311', 'error', 'failed'],
  ])(
    'reg2nonreg, the page completed with %s through the admin API: the notify verifies as checkSig() does (pg_status %s), and getStatus() reads %s',
    async (pan, notified, status) => {
      await withShopAndReceiver(async (shop, receiver) => {
        const orderId = `sdk-roundtrip-${pan}`;
        const created = parseAnswer(
          await sdkCall(shop, 'api/reg2nonreg', {
            ...reg2nonregQuery(orderId),
            pg_post_link: receiver.url('/payout/result?shop=7'),
            pg_back_link: receiver.url('/payout/back'),
          }),
        );
        expect(created.pg_status).toBe('ok');
        const paymentId = created.pg_payment_id ?? '';

        const completed = await request(shop.app)
          .post(`/__sandbox/payout-pages/${paymentId}/complete`)
          .send({ pan });
        expect(completed.status, completed.text).toBeLessThan(300);
        await shop.clock.advance(3_000);

        const postback = receiver.received.find((p) => p.path === '/payout/result');
        expect(postback).toBeDefined();
        // $_REQUEST: the query and the body together; the script is the path's last segment.
        const params = {
          ...Object.fromEntries(postback?.query ?? []),
          ...Object.fromEntries(postback?.body ?? []),
        };
        const { pg_sig: sig, ...rest } = params;
        expect(rest.pg_salt).toBeDefined();
        const sorted = Object.keys(rest)
          .sort(byBytes)
          .map((key) => rest[key]);
        expect(sig).toBe(
          createHash('md5')
            .update(['result', ...sorted, SECRET].join(';'))
            .digest('hex'),
        );
        expect(params).toMatchObject({
          pg_status: notified,
          pg_payment_id: paymentId,
          pg_order_id: orderId,
          shop: '7',
        });
        expect(params.pg_card_hash).toMatch(/\d{4}$/);

        const queries: Record<string, string>[] = [
          { pg_payment_id: paymentId },
          { pg_order_id: orderId },
        ];
        for (const query of queries) {
          const xml = await sdkCall(shop, 'api/payment_status', {
            pg_merchant_id: '100001',
            ...query,
          });
          expect(sdkAccepts(xml)).toBe(true);
          expect(parseAnswer(xml).pg_status).toBe(status);
        }
      });
    },
  );
});

/** PHP's ksort on string keys: by their bytes (UTF-8). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
