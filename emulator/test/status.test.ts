import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/signature/signature.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';

/** The status and balance methods, each in each state, signed with its own script name. */
let sandbox: TestSandbox;
beforeEach(async () => {
  const merchants = join(await mkdtemp(join(tmpdir(), 'fp-status-')), 'merchants.yaml');
  await writeFile(merchants, 'merchants:\n  - id: 200002\n    secretKey: second-key\n');
  sandbox = await openTestSandbox({
    SANDBOX_OPENING_BALANCE: '10000.00',
    SANDBOX_MERCHANTS: merchants,
  });
});
afterEach(async () => {
  await sandbox.dispose();
});

async function pay(overrides: Record<string, string>): Promise<Record<string, string>> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields(overrides)));
  return parseAnswer(res.text);
}

async function call(
  path: string,
  fields: Record<string, string>,
  options: { script?: string; secret?: string } = {},
): Promise<Record<string, string>> {
  const script = path.slice(path.lastIndexOf('/') + 1);
  const res = await request(sandbox.app)
    .post(path)
    .type('form')
    .send(
      signed(
        { pg_merchant_id: '100001', pg_salt: 'status-salt', ...fields },
        options.script ?? script,
        options.secret,
      ),
    );
  expect(res.status).toBe(200);
  const answer = parseAnswer(res.text);
  if (answer.pg_sig !== undefined) {
    // Every answer is signed with the method's own script name.
    expect(verifySignature(script, answer, SECRET).valid).toBe(true);
  }
  return answer;
}

describe.each([
  [
    '/api/payment_status2',
    'pg_payment_status',
    { process: 'process', ok: 'success', error: 'error' },
  ],
  [
    '/g2g/payout_status2',
    'pg_payment_status',
    { process: 'process', ok: 'success', error: 'error' },
  ],
  ['/get_status2.php', 'pg_transaction_status', { process: 'pending', ok: 'ok', error: 'failed' }],
] as const)('%s', (path, field, expected) => {
  const byOrder = path === '/get_status2.php';
  const key = (answer: Record<string, string>): Record<string, string> =>
    byOrder
      ? { pg_order_id: answer.pg_order_id ?? '' }
      : { pg_payment_id: answer.pg_payment_id ?? '' };

  it('reports process, then success, as the payout goes', async () => {
    const answer = await pay({ pg_card_token_to: card('process, later success').token });
    const during = await call(path, key(answer));
    expect(during).toMatchObject({
      pg_status: 'ok',
      [field]: expected.process,
      pg_payment_id: answer.pg_payment_id,
    });
    await sandbox.clock.advance(5_000);
    const final = await call(path, key(answer));
    expect(final[field]).toBe(expected.ok);
    // The same date the postback reports: when the payout became final.
    if (!byOrder) expect(final.pg_payment_date).toBe('2026-01-15T10:00:05Z');
  });

  it('reports an error with its code', async () => {
    const answer = await pay({ pg_card_token_to: card('error 10000').token });
    const status = await call(path, key(answer));
    expect(status).toMatchObject({
      [field]: expected.error,
      pg_failure_code: '10000',
      pg_failure_description: 'Payment error. Service unavailable, retry later',
    });
    expect(status.pg_error_code).toBeUndefined();
  });

  it('answers 11068 for a payout that does not exist', async () => {
    const status = await call(path, byOrder ? { pg_order_id: 'never' } : { pg_payment_id: '42' });
    expect(status).toMatchObject({
      pg_status: 'error',
      pg_error_code: '11068',
      pg_error_description: 'Payment not found.',
    });
  });

  it('refuses a signature made with another script name', async () => {
    const answer = await pay({});
    const status = await call(path, key(answer), { script: 'reg2reg' });
    expect(status.pg_error_code).toBe('1100');
  });
});

describe('looking payouts up', () => {
  it('finds by payment id and order id together, and refuses a mismatch with 11068', async () => {
    const answer = await pay({ pg_order_id: 'both-1' });
    expect(
      (
        await call('/api/payment_status2', {
          pg_payment_id: answer.pg_payment_id ?? '',
          pg_order_id: 'both-1',
        })
      ).pg_payment_status,
    ).toBe('success');
    expect(
      (
        await call('/api/payment_status2', {
          pg_payment_id: answer.pg_payment_id ?? '',
          pg_order_id: 'other',
        })
      ).pg_error_code,
    ).toBe('11068');
  });

  it("never shows another merchant's payout", async () => {
    const answer = await pay({ pg_order_id: 'mine' });
    const res = await request(sandbox.app)
      .post('/api/payment_status2')
      .type('form')
      .send(
        signed(
          { pg_merchant_id: '200002', pg_salt: 's', pg_payment_id: answer.pg_payment_id ?? '' },
          'payment_status2',
          'second-key',
        ),
      );
    expect(parseAnswer(res.text).pg_error_code).toBe('11068');
  });

  it('refuses a request without a payment or order id, naming the fields', async () => {
    const status = await call('/api/payment_status2', {});
    expect(status.pg_error_code).toBe('9403');
    expect(status.pg_error_description).toContain('pg_payment_id or pg_order_id is required');
  });

  it('by order id, reports the newest payout of an order that was retried', async () => {
    await pay({ pg_order_id: 'retried', pg_card_token_to: card('error 10001').token });
    const second = await pay({ pg_order_id: 'retried' });
    const status = await call('/get_status2.php', { pg_order_id: 'retried' });
    expect(status).toMatchObject({
      pg_payment_id: second.pg_payment_id,
      pg_transaction_status: 'ok',
    });
  });
});

describe.each(['/g2g/balance_status', '/api/balance_status'])('%s', (path) => {
  it('follows payouts and failures', async () => {
    expect((await call(path, {})).pg_balance).toBe('10000.00');
    await pay({ pg_amount: '100' });
    await pay({ pg_amount: '50', pg_card_token_to: card('error 10000').token });
    await pay({ pg_amount: '200', pg_card_token_to: card('process, later error 10001').token });
    expect(await call(path, {})).toMatchObject({
      pg_status: 'ok',
      pg_balance: '9700.00',
      pg_currency: 'KZT',
    });
    await sandbox.clock.advance(5_000);
    expect((await call(path, {})).pg_balance).toBe('9900.00');
  });

  it('refuses a bad signature', async () => {
    expect((await call(path, {}, { secret: 'nope' })).pg_error_code).toBe('1100');
  });
});
