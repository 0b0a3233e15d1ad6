import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreedomPayClient } from './freedompay-client.js';
import { openTarget, SANDBOX_ONLY, type Target } from './support/target.js';

/**
 * The shipped scenarios' outcomes, as a client sees them: chosen with the X-Sandbox-Scenario
 * header, or with the magic amounts a client that sets no header can use.
 */
const OK_CARD = '7a3e1a7c-5b0f-4b8e-9d4f-000000000001';
let target: Target;
const run = Date.now().toString(36);
let count = 0;

beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  await target.stop();
});

/** The reference client with the scenario header on every request. */
function clientFor(scenario: string): FreedomPayClient {
  return new FreedomPayClient({
    ...target.client.options,
    headers: { 'X-Sandbox-Scenario': scenario },
  });
}

function payout(
  client: FreedomPayClient,
  orderId = `scn-${run}-${++count}`,
  amount = '10.00',
): ReturnType<FreedomPayClient['reg2reg']> {
  return client.reg2reg({
    orderId,
    amount,
    userId: 'contract-user',
    cardToken: OK_CARD,
    description: 'Scenario contract',
    postLink: 'http://127.0.0.1:9/n',
    orderTimeLimit: '2030-12-31 23:59:59',
  });
}

describe.skipIf(SANDBOX_ONLY !== undefined)(
  `shipped scenarios${SANDBOX_ONLY ? ` (${SANDBOX_ONLY})` : ''}`,
  () => {
    it.each([
      ['process-then-ok', 'process', undefined],
      ['process-then-error', 'process', undefined],
      ['insufficient-balance', 'error', '10011'],
      ['reused-order-id', 'error', '10012'],
    ])('%s answers %s %s', async (scenario, status, code) => {
      const answer = await payout(clientFor(scenario));
      expect(answer.fields.pg_status).toBe(status);
      expect(answer.fields.pg_error_code).toBe(code);
      expect(answer.signatureValid).toBe(true);
    });

    it('flaky-gateway fails an order twice, then pays it', async () => {
      const client = clientFor('flaky-gateway');
      const orderId = `scn-${run}-flaky`;
      const codes = [];
      for (let i = 0; i < 3; i++) {
        const answer = await payout(client, orderId);
        codes.push(answer.fields.pg_error_code ?? answer.fields.pg_status);
      }
      expect(codes).toEqual(['10000', '10000', 'ok']);
    });

    it('wrong-signature answers something the client must not trust', async () => {
      const answer = await payout(clientFor('wrong-signature'));
      expect(answer.signatureValid).toBe(false);
    });

    it('gateway-down fails the call with HTTP 503', async () => {
      await expect(payout(clientFor('gateway-down'))).rejects.toThrow(/HTTP 503/);
    });

    it('lost-answer drops the connection', async () => {
      await expect(payout(clientFor('lost-answer'))).rejects.toThrow();
    });

    it.each([
      ['777.01', '10000'],
      ['777.02', '10001'],
      ['777.03', '8888'],
    ])('the magic amount %s declines with %s, no header needed', async (amount, code) => {
      const answer = await payout(target.client, undefined, amount);
      expect(answer.fields.pg_error_code).toBe(code);
    });

    it('process-then-ok ends ok when the clock has moved 30 s', async () => {
      const answer = await payout(clientFor('process-then-ok'));
      await target.pass(30_000);
      const status = await target.client.paymentStatus(answer.fields.pg_payment_id ?? '');
      expect(status.fields.pg_payment_status).toBe('success');
    });
  },
);
