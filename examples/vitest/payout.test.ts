// The README's vitest example. `npm run test:install` runs it in a project that installed the
// package; this repository's own tests use the same calls (emulator/test/in-process-api.test.ts).
import { startSandbox, type RunningSandbox } from 'freedompay-sandbox';
import { afterAll, beforeAll, expect, it } from 'vitest';

let sandbox: RunningSandbox;
beforeAll(async () => {
  // A free port, an in-memory store, a stopped clock: parallel test files never collide.
  sandbox = await startSandbox({ port: 0, clockSpeed: 0, seed: 1 });
});
afterAll(() => sandbox.close());

it('pays out to the always-ok test card', async () => {
  const fields: Record<string, string> = {
    pg_merchant_id: sandbox.merchantId,
    pg_amount: '10.00',
    pg_order_id: 'vitest-1',
    pg_user_id: 'user-1',
    pg_card_token_to: sandbox.cards[0]?.token ?? '',
    pg_description: 'Prize',
    pg_post_link: 'http://127.0.0.1:9/payout/notify',
    pg_order_time_limit: '2030-01-01 00:00:00',
    pg_salt: 'vitest-salt',
  };
  fields.pg_sig = sandbox.sign('reg2reg', fields);
  const res = await fetch(`${sandbox.url}/api/reg2reg`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  });
  expect(res.status).toBe(200);

  const { payouts } = await sandbox.payouts({ order_id: 'vitest-1' });
  expect(payouts[0]?.status).toBe('ok');
});
