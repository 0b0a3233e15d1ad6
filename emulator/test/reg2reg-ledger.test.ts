import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROCESS_DELAY_MS } from '../src/payouts/outcome.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox.dispose();
});

async function send(
  overrides: Record<string, string>,
  secret = 'sandbox-payout-secret',
): Promise<Record<string, string>> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields(overrides), 'reg2reg', secret));
  return parseAnswer(res.text);
}

async function balance(merchantId = '100001'): Promise<string | undefined> {
  const res = await request(sandbox.app).get('/__sandbox/merchants');
  const merchants = res.body.merchants as { pg_merchant_id: string; balance: string }[];
  return merchants.find((m) => m.pg_merchant_id === merchantId)?.balance;
}

describe('the payout balance', () => {
  beforeEach(async () => {
    sandbox = await openTestSandbox({ SANDBOX_OPENING_BALANCE: '1000.00' });
  });

  it('is debited by a successful payout and reported in pg_balance', async () => {
    expect(await balance()).toBe('1000.00');
    expect((await send({ pg_amount: '100.25' })).pg_balance).toBe('899.75');
    expect((await send({ pg_amount: '99.75' })).pg_balance).toBe('800.00');
    expect(await balance()).toBe('800.00');
  });

  it('is left as it was by a declined payout', async () => {
    const answer = await send({ pg_amount: '100', pg_card_token_to: card('error 10001').token });
    expect(answer.pg_status).toBe('error');
    expect(answer.pg_balance).toBe('1000.00');
    expect(await balance()).toBe('1000.00');
  });

  it('is debited while a payout is in process and credited back if it then fails', async () => {
    const answer = await send({
      pg_amount: '300',
      pg_card_token_to: card('process, later error 10001').token,
    });
    expect(answer.pg_balance).toBe('700.00');
    expect(await balance()).toBe('700.00');
    await sandbox.clock.advance(DEFAULT_PROCESS_DELAY_MS);
    expect(await balance()).toBe('1000.00');
  });

  it('stays debited when a process payout then succeeds', async () => {
    await send({ pg_amount: '300', pg_card_token_to: card('process, later success').token });
    await sandbox.clock.advance(DEFAULT_PROCESS_DELAY_MS);
    expect(await balance()).toBe('700.00');
  });

  it('refuses an amount above the balance with a signed error and stores nothing', async () => {
    const answer = await send({ pg_amount: '1000.01', pg_order_id: 'too-much' });
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10011' });
    expect(answer.pg_sig).toMatch(/^[0-9a-f]{32}$/);
    expect(await balance()).toBe('1000.00');
    expect(await sandbox.store.latestPayoutForOrder('100001', 'too-much')).toBeUndefined();
    // The whole balance can still be paid out.
    expect((await send({ pg_amount: '1000.00' })).pg_balance).toBe('0.00');
  });

  it('survives a restart', async () => {
    await send({ pg_amount: '1' });
    await sandbox.close();
    const reopened = await openTestSandbox({ SANDBOX_OPENING_BALANCE: '1000.00' }, sandbox.dir);
    sandbox = reopened;
    expect(await balance()).toBe('999.00');
  });
});

describe('order ids', () => {
  beforeEach(async () => {
    sandbox = await openTestSandbox();
  });

  it('refuses an order id the merchant already used, naming the payment', async () => {
    const first = await send({ pg_order_id: 'dup-1' });
    expect(first.pg_status).toBe('ok');
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_order_id: 'dup-1' })));
    const second = parseAnswer(res.text);
    expect(second).toMatchObject({ pg_status: 'error', pg_error_code: '10012' });
    expect(res.headers['x-sandbox-hint']).toContain(first.pg_payment_id);
  });

  it('refuses an order id whose payout is still in process', async () => {
    await send({ pg_order_id: 'dup-2', pg_card_token_to: card('process, later success').token });
    expect((await send({ pg_order_id: 'dup-2' })).pg_error_code).toBe('10012');
  });

  it('lets an order be retried after its payout failed, with a new payment id', async () => {
    const failed = await send({
      pg_order_id: 'retry-1',
      pg_card_token_to: card('error 10000').token,
    });
    const retried = await send({ pg_order_id: 'retry-1' });
    expect(retried.pg_status).toBe('ok');
    expect(retried.pg_payment_id).not.toBe(failed.pg_payment_id);
  });

  it('makes exactly one payout from parallel requests with one order id', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => send({ pg_order_id: 'race-1' })),
    );
    expect(answers.filter((a) => a.pg_status === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a.pg_error_code === '10012')).toHaveLength(19);
  });
});

describe('several merchants', () => {
  it('each has its own key and balance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-merchants-'));
    const file = join(dir, 'merchants.yaml');
    await writeFile(
      file,
      'merchants:\n  - id: 200002\n    secretKey: second-key\n    openingBalance: "50.00"\n',
    );
    sandbox = await openTestSandbox({ SANDBOX_MERCHANTS: file });
    const first = await send({ pg_order_id: 'shared-order' });
    const second = await send(
      { pg_merchant_id: '200002', pg_amount: '20', pg_order_id: 'shared-order' },
      'second-key',
    );
    // Order ids are unique per merchant: the same one is free for another merchant.
    expect(first.pg_status).toBe('ok');
    expect(second).toMatchObject({ pg_status: 'ok', pg_balance: '30.00' });
    const wrongKey = await send({ pg_merchant_id: '200002' }, 'sandbox-payout-secret');
    expect(wrongKey.pg_error_code).toBe('1100');
    expect(await balance('100001')).toBe('998499.50');
    expect(await balance('200002')).toBe('30.00');
  });
});

describe('the payouts list', () => {
  it('is newest first, limited, and says how many matched', async () => {
    sandbox = await openTestSandbox();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await send({ pg_amount: '1' }));
    const res = await request(sandbox.app).get('/__sandbox/payouts?limit=2');
    expect(res.body.total).toBe(3);
    expect(res.body.payouts.map((p: { paymentId: number }) => String(p.paymentId))).toEqual([
      answers[2]?.pg_payment_id,
      answers[1]?.pg_payment_id,
    ]);
  });
});

describe('unknown cards', () => {
  beforeEach(async () => {
    sandbox = await openTestSandbox();
  });

  it.each([
    ['token', { pg_card_token_to: 'c92741d9-ddd7-4bad-abd0-5594a79eea1a' }],
    ['id', { pg_card_id_to: '424242' }],
  ])('an unknown card %s gets a signed gateway error, not a 500', async (_kind, overrides) => {
    const fields = payoutFields(overrides);
    if ('pg_card_id_to' in overrides) delete fields.pg_card_token_to;
    const res = await request(sandbox.app).post('/api/reg2reg').type('form').send(signed(fields));
    expect(res.status).toBe(200);
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
    expect(res.headers['x-sandbox-hint']).toContain('/__sandbox/cards');
  });
});
