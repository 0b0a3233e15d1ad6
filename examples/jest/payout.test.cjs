// The README's jest example: CommonJS, `require` by the package's name. `npm run test:jest` runs
// it here; `npm run test:install` runs it again in a project that installed the package.
/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, fetch, URLSearchParams */
const { afterAll, beforeAll, expect, test } = require('@jest/globals');
const { startSandbox, SandboxAdminError } = require('freedompay-sandbox');

/** @type {import('freedompay-sandbox').RunningSandbox} */
let sandbox;
beforeAll(async () => {
  // A free port, an in-memory store, a stopped clock: parallel test files never collide.
  sandbox = await startSandbox({ port: 0, clockSpeed: 0, seed: 1 });
});
afterAll(() => sandbox.close());

test('a payout to the always-ok test card is paid', async () => {
  /** @type {Record<string, string>} */
  const fields = {
    pg_merchant_id: sandbox.merchantId,
    pg_amount: '10.00',
    pg_order_id: 'jest-1',
    pg_user_id: 'user-1',
    pg_card_token_to: sandbox.cards[0]?.token ?? '',
    pg_description: 'Prize',
    pg_post_link: 'http://127.0.0.1:9/payout/notify',
    pg_order_time_limit: '2030-01-01 00:00:00',
    pg_salt: 'jest-salt',
  };
  fields.pg_sig = sandbox.sign('reg2reg', fields);
  const res = await fetch(`${sandbox.url}/api/reg2reg`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  });
  expect(res.status).toBe(200);

  const { payouts } = await sandbox.payouts({ order_id: 'jest-1' });
  expect(payouts).toHaveLength(1);
  expect(payouts[0]?.status).toBe('ok');
});

test("a refused helper rejects with the package's own error class", async () => {
  await expect(sandbox.finish('999999', 'ok')).rejects.toThrow(SandboxAdminError);
});
