import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HINT_HEADER } from '../src/http/gateway-routes.js';
import { sign } from '../src/signature/signature.js';
import {
  asMultipart,
  expectSignedBySandbox,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
  lastStoredPaymentId,
} from './helpers.js';

let sandbox: TestSandbox;
let before: string;
beforeEach(async () => {
  sandbox = await openTestSandbox();
  // One accepted payout, so "nothing changed" is checked against a store that holds something.
  await request(sandbox.app).post('/api/reg2reg').type('form').send(signed(payoutFields()));
  before = await storeState();
});
afterEach(async () => {
  // Every case in this file is refused: the store must be exactly as it was.
  expect(await storeState()).toBe(before);
  await sandbox.dispose();
});

async function storeState(): Promise<string> {
  return JSON.stringify({
    payouts: await sandbox.store.payouts(),
    balance: await sandbox.store.balance('100001'),
    last: await lastStoredPaymentId(sandbox.store),
  });
}

interface Refusal {
  answer: Record<string, string>;
  hint: string;
}

function refused(res: request.Response): Refusal {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  const answer = parseAnswer(res.text);
  expect(answer.pg_status).toBe('error');
  return { answer, hint: String(res.headers[HINT_HEADER.toLowerCase()] ?? '') };
}

describe('validation errors get a signed 9403 naming the field', () => {
  it.each([
    ['a missing pg_amount', { pg_amount: undefined }, 'pg_amount is required'],
    ['an amount below 0.01', { pg_amount: '0.00' }, 'pg_amount must be a number from 0.01'],
    ['an amount with 3 decimals', { pg_amount: '1.001' }, 'pg_amount must be a number'],
    ['a comma decimal separator', { pg_amount: '1,5' }, 'pg_amount must be a number'],
    ['a missing pg_order_id', { pg_order_id: undefined }, 'pg_order_id is required'],
    ['a missing pg_user_id', { pg_user_id: undefined }, 'pg_user_id is required'],
    ['a bad pg_user_id', { pg_user_id: 'a b' }, 'pg_user_id must be'],
    [
      'no card at all',
      { pg_card_token_to: undefined },
      'pg_card_token_to or pg_card_id_to is required',
    ],
    ['a non-numeric card id', { pg_card_id_to: 'abc' }, 'pg_card_id_to must be an integer'],
    ['a missing description', { pg_description: undefined }, 'pg_description is required'],
    ['a missing post link', { pg_post_link: undefined }, 'pg_post_link is required'],
    ['a post link that is no URL', { pg_post_link: 'not a url' }, 'pg_post_link must be an http'],
    [
      'a post link over 255 characters',
      { pg_post_link: `https://x.example/${'p'.repeat(250)}` },
      'pg_post_link must be at most 255',
    ],
    ['a missing time limit', { pg_order_time_limit: undefined }, 'pg_order_time_limit is required'],
    ['a time limit in ISO form', { pg_order_time_limit: '2030-01-01T00:00:00Z' }, 'YYYY-MM-DD'],
    ['a missing salt', { pg_salt: undefined }, 'pg_salt is required'],
  ] as const)('%s', async (_name, overrides, message) => {
    const fields: Record<string, string> = payoutFields();
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete fields[key];
      else fields[key] = value;
    }
    const { answer, hint } = refused(
      await asMultipart(request(sandbox.app).post('/api/reg2reg'), signed(fields)),
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain(message);
    expect(hint).toContain(message);
    expect(expectSignedBySandbox(answer)).toBe(true);
  });
});

describe('merchant and signature errors', () => {
  it('answers an unknown merchant with an unsigned 9998 and lists the known ones', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send(signed(payoutFields({ pg_merchant_id: '999' }))),
    );
    expect(answer.pg_error_code).toBe('9998');
    expect(answer.pg_sig).toBeUndefined();
    expect(answer.pg_salt).toBeUndefined();
    expect(hint).toContain('this sandbox knows 100001');
  });

  it('answers a wrong signature with a signed 1100 and shows the expected string, secret masked', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send({ ...payoutFields({ pg_salt: 'known' }), pg_sig: 'f'.repeat(32) }),
    );
    expect(answer.pg_error_code).toBe('1100');
    expect(expectSignedBySandbox(answer)).toBe(true);
    expect(hint).toContain('reg2reg;1500.50;');
    expect(hint).toContain(';known;user42;<secret key>');
    expect(hint).not.toContain('sandbox-payout-secret');
    // Non-ASCII values are escaped so the header stays valid.
    expect(hint).toContain('\\u0412');
  });

  it('names the likely mistake when it can reproduce the wrong signature', async () => {
    const fields = payoutFields();
    const { hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send(signed(fields, 'reg2reg.php')),
    );
    expect(hint).toContain('script name "reg2reg.php"');
  });

  it('answers a missing signature as a wrong one', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('form').send(payoutFields()),
    );
    expect(answer.pg_error_code).toBe('1100');
    expect(hint).toContain('pg_sig is missing');
  });

  it('answers a wrong signature with an unsigned 9998 when configured so', async () => {
    const other = await openTestSandbox({ SANDBOX_SIGNATURE_ERROR: '9998' });
    const res = await request(other.app)
      .post('/api/reg2reg')
      .type('form')
      .send({ ...payoutFields(), pg_sig: 'x' });
    const answer = parseAnswer(res.text);
    expect(answer.pg_error_code).toBe('9998');
    expect(answer.pg_sig).toBeUndefined();
    await other.dispose();
  });
});

describe('bodies the gateway cannot read', () => {
  it('a JSON body: 9998 and a hint to send a form', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').send({ pg_merchant_id: '100001' }),
    );
    expect(answer.pg_error_code).toBe('9998');
    expect(hint).toContain('application/json');
  });

  it('an empty body', async () => {
    const { answer, hint } = refused(await request(sandbox.app).post('/api/reg2reg'));
    expect(answer.pg_error_code).toBe('9998');
    expect(hint).toContain('send pg_merchant_id');
  });

  it('pg_merchant_id sent twice', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .field('pg_merchant_id', '100001')
        .field('pg_merchant_id', '100001'),
    );
    expect(answer.pg_error_code).toBe('9998');
    expect(hint).toContain('sent more than once');
  });

  it('a plain-text body', async () => {
    const { hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('text').send('pg_amount=10'),
    );
    expect(hint).toContain('text/plain');
  });

  it('a multipart body with a broken boundary', async () => {
    const { answer, hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .set('Content-Type', 'multipart/form-data; boundary=xyz')
        .send('--xyz\r\nContent-Disposition: form-data; name="pg_amount"\r\n\r\n10\r\n--wrong'),
    );
    expect(answer.pg_error_code).toBe('9998');
    expect(hint).toContain('multipart/form-data body could not be read');
  });

  it('a multipart body without a boundary', async () => {
    const { hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .set('Content-Type', 'multipart/form-data')
        .send('pg_amount=10'),
    );
    expect(hint).toContain('could not be read');
  });

  it('a file upload', async () => {
    const { hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .field('pg_merchant_id', '100001')
        .attach('pg_file', Buffer.from('hello'), 'hello.txt'),
    );
    expect(hint).toContain('carries a file');
  });

  it('an oversized urlencoded body', async () => {
    const { hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send({ ...payoutFields(), pg_description: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(hint).toContain('larger than');
  });

  it('an oversized multipart body made of fields that are each within their limit', async () => {
    let req = request(sandbox.app).post('/api/reg2reg');
    for (const [name, value] of Object.entries(signed(payoutFields())))
      req = req.field(name, value);
    for (let i = 0; i < 40; i++) req = req.field(`extra_${i}`, 'x'.repeat(60 * 1024));
    const { hint } = refused(await req);
    expect(hint).toContain('larger than');
  });

  it('pg_xml nested deeper than the parser allows', async () => {
    const deep = `<request>${'<a>'.repeat(150)}1${'</a>'.repeat(150)}</request>`;
    const { hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('form').send({ pg_xml: deep }),
    );
    expect(hint).toContain('pg_xml could not be read');
  });

  it('an oversized multipart field', async () => {
    const { hint } = refused(
      await asMultipart(request(sandbox.app).post('/api/reg2reg'), {
        ...payoutFields(),
        pg_description: 'x'.repeat(100 * 1024),
      }),
    );
    expect(hint).toContain('longer than');
  });

  it('too many fields', async () => {
    const many: Record<string, string> = payoutFields();
    for (let i = 0; i < 600; i++) many[`f${i}`] = 'x';
    const { hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('form').send(many),
    );
    expect(hint).toContain('more than 500 fields');
  });

  it('a list where the gateway expects one value', async () => {
    const fields = payoutFields();
    const body = new URLSearchParams(fields);
    body.delete('pg_amount');
    body.append('pg_amount[]', '10');
    body.append('pg_amount[]', '20');
    const withList = { ...fields, pg_amount: ['10', '20'] };
    body.set('pg_sig', sign('reg2reg', withList, 'sandbox-payout-secret'));
    const { answer } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('form').send(body.toString()),
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain('pg_amount must be a single value');
  });

  it('garbled percent-encoding in a urlencoded body', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send('pg_merchant_id=100001&pg_amount=%E0%A4%A&pg_sig=%%%');
    const { answer } = refused(res);
    expect(answer.pg_error_code).toBe('1100');
  });

  it('pg_xml that is not well-formed', async () => {
    const { hint } = refused(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send({ pg_xml: '<request><pg_amount>10</pg_merchant_id></request>' }),
    );
    expect(hint).toContain('pg_xml is not well-formed XML');
  });

  it('pg_xml without a request element', async () => {
    const { hint } = refused(
      await request(sandbox.app).post('/api/reg2reg').type('form').send({ pg_xml: 'just text' }),
    );
    expect(hint).toMatch(/pg_xml/);
  });
});

describe('unknown paths under /api and /g2g', () => {
  it.each(['/api/p2p2nonreg_foreign', '/g2g/whatever', '/api/a/b/c'])(
    '%s gets the gateway error envelope',
    async (path) => {
      const { answer, hint } = refused(
        await request(sandbox.app).post(path).type('form').send({ a: '1' }),
      );
      expect(answer.pg_error_code).toBe('9992');
      expect(hint).toContain(path);
    },
  );

  it('a path with a broken percent-escape gets the gateway envelope, or JSON 400 elsewhere', async () => {
    const gateway = refused(
      await request(sandbox.app).post('/api/%FF').type('form').send({ a: '1' }),
    );
    expect(gateway.answer.pg_error_code).toBe('9992');
    const admin = await request(sandbox.app).get('/__sandbox/payouts/%FF');
    expect(admin.status).toBe(400);
    expect(admin.body.error).toContain('percent-escape');
  });

  it('other paths get a JSON 404 that says where things are', async () => {
    const res = await request(sandbox.app).get('/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toContain('/api/reg2reg');
  });
});
