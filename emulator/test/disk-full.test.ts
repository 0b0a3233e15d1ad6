import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fillDiskOnNextWrite } from './disk-faults.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * A payout whose commit does not reach the disk is refused with 9999 and leaves nothing behind
 * that anyone can see: not the payout, not the balance, not the order id, not the outbox
 * (issue 10, points 1 and 2). The app is the real one, on real files; only the disk is full.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await sandbox.dispose();
});

async function pay(fields: Record<string, string>): Promise<request.Response> {
  return request(sandbox.app).post('/api/reg2reg').type('form').send(signed(fields));
}

async function status(orderId: string): Promise<Record<string, string>> {
  const fields = { pg_merchant_id: '100001', pg_order_id: orderId, pg_salt: 's' };
  const res = await request(sandbox.app)
    .post('/get_status2.php')
    .type('form')
    .send(signed(fields, 'get_status2.php'));
  return parseAnswer(res.text);
}

async function balance(): Promise<string | undefined> {
  const res = await request(sandbox.app).get('/__sandbox/merchants');
  return (res.body as { merchants: { balance: string }[] }).merchants[0]?.balance;
}

describe('a payout on a full disk', () => {
  it('is answered 9999 with a hint, and changes nothing anyone can see', async () => {
    const before = await balance();
    const fields = payoutFields({ pg_amount: '250' });
    const disk = await fillDiskOnNextWrite();
    const res = await pay(fields);
    disk.restore();

    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '9999' });
    expect(res.headers['x-sandbox-hint']).toMatch(/could not write .*disk is full/);
    expect(await status(fields.pg_order_id ?? '')).toMatchObject({ pg_error_code: '11068' });
    expect(await balance()).toBe(before);
    expect(
      ((await request(sandbox.app).get('/__sandbox/payouts')).body as { total: number }).total,
    ).toBe(0);
    expect(
      ((await request(sandbox.app).get('/__sandbox/postbacks')).body as { total: number }).total,
    ).toBe(0);

    // The order id is free: the same request goes through once the disk has room.
    const again = parseAnswer((await pay({ ...fields, pg_salt: 'again' })).text);
    expect(again.pg_status).toBe('ok');
  });

  it('finishes a process payout later when the write of its final status failed', async () => {
    const fields = payoutFields({ pg_card_token_to: card('process, later success').token });
    expect(parseAnswer((await pay(fields)).text).pg_status).toBe('process');
    const disk = await fillDiskOnNextWrite();
    await sandbox.clock.advance(5_000);
    disk.restore();
    expect((await status(fields.pg_order_id ?? '')).pg_transaction_status).toBe('pending');
    expect(sandbox.sender.sent).toHaveLength(0);
    await sandbox.clock.advance(10_000);
    expect((await status(fields.pg_order_id ?? '')).pg_transaction_status).toBe('ok');
  });

  it('does not make a refused payout permanent on the next commit or a clean stop', async () => {
    const refused = payoutFields();
    const disk = await fillDiskOnNextWrite();
    await pay(refused);
    disk.restore();
    await pay(payoutFields({ pg_card_token_to: card('success').token }));
    await sandbox.close();
    const reopened = await openTestSandbox({}, sandbox.dir);
    try {
      expect(
        await reopened.store.latestPayoutForOrder('100001', refused.pg_order_id ?? ''),
      ).toBeUndefined();
      expect(await reopened.store.payouts()).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });
});
