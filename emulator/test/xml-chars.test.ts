import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HINT_HEADER } from '../src/http/gateway-routes.js';
import {
  card,
  expectSignedBySandbox,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * XML 1.0 cannot carry C0 controls other than tab, newline and carriage return, U+FFFE, U+FFFF
 * or lone surrogates: the answer drops them. A request value holding one is refused with a signed
 * 9403 naming the field, and every signed answer is signed over what its XML carries.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

async function post(
  path: string,
  fields: Record<string, string>,
  script: string,
): Promise<{ answer: Record<string, string>; hint: string }> {
  const res = await request(sandbox.app).post(path).type('form').send(signed(fields, script));
  expect(res.status).toBe(200);
  return {
    answer: parseAnswer(res.text),
    hint: String(res.headers[HINT_HEADER.toLowerCase()] ?? ''),
  };
}

describe('a value XML cannot carry', () => {
  it.each([
    ['U+0001', 'order-\u0001-1', 'U+0001'],
    ['U+FFFE', 'order-\uFFFE-2', 'U+FFFE'],
    ['U+001F', 'order-\u001F-3', 'U+001F'],
  ])(
    'in pg_order_id (%s) is refused with a signed 9403 naming the field',
    async (_name, orderId, codePoint) => {
      const { answer, hint } = await post(
        '/api/reg2reg',
        payoutFields({ pg_order_id: orderId }),
        'reg2reg',
      );
      expect(answer.pg_status).toBe('error');
      expect(answer.pg_error_code).toBe('9403');
      expect(answer.pg_error_description).toContain('pg_order_id');
      expect(answer.pg_error_description).toContain(codePoint);
      expect(hint).toContain('pg_order_id');
      expect(expectSignedBySandbox(answer)).toBe(true);
      expect(await sandbox.store.payouts()).toHaveLength(0);
    },
  );

  it('in a field the gateway does not read is refused too, named', async () => {
    const { answer } = await post(
      '/api/reg2reg',
      payoutFields({ merchant_note: 'a\u0008b' }),
      'reg2reg',
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain('merchant_note');
    expect(expectSignedBySandbox(answer)).toBe(true);
  });

  it('in a field name is refused, the name shown with the character escaped', async () => {
    const { answer } = await post(
      '/api/reg2reg',
      { ...payoutFields(), 'pg_x\u0002y': '1' },
      'reg2reg',
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain('pg_x\\u0002y');
    expect(expectSignedBySandbox(answer)).toBe(true);
  });

  it('in a status request is refused the same way', async () => {
    const { answer } = await post(
      '/api/payment_status2',
      { pg_merchant_id: '100001', pg_order_id: 'a\u0001', pg_salt: 's1' },
      'payment_status2',
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toContain('pg_order_id');
    expect(expectSignedBySandbox(answer, 'payment_status2')).toBe(true);
  });

  it('is taken when it is a tab, a newline or a carriage return, and comes back signed', async () => {
    const { answer } = await post(
      '/api/reg2reg',
      payoutFields({ pg_order_id: 'a\tb\nc\rd' }),
      'reg2reg',
    );
    expect(answer.pg_status).toBe('ok');
    expect(answer.pg_order_id).toBe('a\tb\nc\rd');
    expect(expectSignedBySandbox(answer)).toBe(true);
  });
});

describe('an answer text XML cannot carry', () => {
  it('is signed as the XML carries it: a scenario description with control characters', async () => {
    await request(sandbox.app)
      .post('/__sandbox/scenarios')
      .send({
        match: { pg_card_token_to: card('success').token },
        outcome: { status: 'error', code: 10000, description: 'Declined\u0001\uFFFF by bank' },
      })
      .expect(201);
    const { answer } = await post('/api/reg2reg', payoutFields(), 'reg2reg');
    expect(answer.pg_error_code).toBe('10000');
    expect(answer.pg_error_description).toBe('Declined by bank');
    expect(expectSignedBySandbox(answer)).toBe(true);
  });
});
