import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { card, openTestSandbox, parseAnswer, type TestSandbox } from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * The official PHP payout SDK (payboxmoney/payout 1.2.x on payboxmoney/core 1.2.9) as observed
 * when run, rebuilt from those observations and not from its code (GPL-3.0, not vendored):
 * multipart POSTs to api/reg2reg, api/payment_status and api/balance_status, signed with the
 * last path segment, ksort on field names, the secret last, a 32-hex-character pg_salt. It fails
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

/** PHP's ksort on string keys: by their bytes (UTF-8). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
