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
  await target?.stop();
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

    it('slow-gateway answers only when 65 s have passed', async () => {
      let answered = false;
      const pending = payout(clientFor('slow-gateway')).then((answer) => {
        answered = true;
        return answer;
      });
      // Move the clock in steps until the answer comes; it must not come before 65 s.
      let moved = 0;
      while (!answered && moved < 120_000) {
        await target.pass(5_000);
        moved += 5_000;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await pending).fields.pg_status).toBe('ok');
      expect(moved).toBeGreaterThanOrEqual(65_000);
    });

    it('broken-xml answers XML the client cannot read', async () => {
      await expect(payout(clientFor('broken-xml'))).rejects.toThrow();
    });

    it('outage-then-recovery fails three times with HTTP 502, then answers', async () => {
      const client = clientFor('outage-then-recovery');
      for (let i = 0; i < 3; i++) await expect(payout(client)).rejects.toThrow(/HTTP 502/);
      expect((await payout(client)).fields.pg_status).toBe('ok');
    });

    it('random-declines declines some payouts with 10000 and pays the rest', async () => {
      const client = clientFor('random-declines');
      const codes = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const answer = await payout(client, undefined, '1.00');
        codes.add(answer.fields.pg_error_code ?? answer.fields.pg_status ?? '');
      }
      expect([...codes].sort()).toEqual(['10000', 'ok']);
    });

    it('high-value-review sends 50000 to review and declines blocked users', async () => {
      const client = clientFor('high-value-review');
      expect((await payout(client, undefined, '50000.00')).fields.pg_status).toBe('process');
      const blocked = await client.reg2reg({
        orderId: `scn-${run}-blocked`,
        amount: '1.00',
        userId: 'blocked-7',
        cardToken: OK_CARD,
        description: 'x',
        postLink: 'http://127.0.0.1:9/n',
        orderTimeLimit: '2030-12-31 23:59:59',
      });
      expect(blocked.fields.pg_error_code).toBe('10001');
    });

    it.each([['9999'], ['10004'], ['8888']])(
      'every-error-code answers code=%s on demand',
      async (code) => {
        const answer = await clientFor('every-error-code').reg2reg({
          orderId: `scn-${run}-code-${code}`,
          amount: '1.00',
          userId: 'u',
          cardToken: OK_CARD,
          description: `code=${code}`,
          postLink: 'http://127.0.0.1:9/n',
          orderTimeLimit: '2030-12-31 23:59:59',
        });
        expect(answer.fields.pg_error_code).toBe(code);
      },
    );

    it('process-then-ok ends ok when the clock has moved 30 s', async () => {
      const answer = await payout(clientFor('process-then-ok'));
      await target.pass(30_000);
      const status = await target.client.paymentStatus(answer.fields.pg_payment_id ?? '');
      expect(status.fields.pg_payment_status).toBe('success');
    });
  },
);
