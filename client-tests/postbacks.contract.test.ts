import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostbackReceiver } from './support/postback-receiver.js';
import { openTarget, SANDBOX_ONLY, type Target } from './support/target.js';

/** A payout's final answer, both ways: the postback, verified, and status polling. */
const PROCESS_THEN_OK = '7a3e1a7c-5b0f-4b8e-9d4f-000000000005';
const PROCESS_THEN_ERROR = '7a3e1a7c-5b0f-4b8e-9d4f-000000000006';

let target: Target;
let receiver: PostbackReceiver;
const run = Date.now().toString(36);

beforeAll(async () => {
  target = await openTarget();
  receiver = await PostbackReceiver.start(target.client.options.secretKey);
});
afterAll(async () => {
  await receiver?.close();
  await target?.stop();
});

describe.skipIf(SANDBOX_ONLY !== undefined)(
  `postbacks${SANDBOX_ONLY ? ` (${SANDBOX_ONLY}: a real host cannot reach this machine's receiver)` : ''}`,
  () => {
    it.each([
      [PROCESS_THEN_OK, 'ok', 'success'],
      [PROCESS_THEN_ERROR, 'error', 'error'],
    ])(
      'a process payout (%s) ends %s: the status says so and a verified postback arrives',
      async (token, final, status) => {
        const orderId = `contract-${run}-${final}`;
        const answer = await target.client.reg2reg({
          orderId,
          amount: '5.00',
          userId: 'contract-user',
          cardToken: token,
          description: 'Contract postback',
          postLink: receiver.url('/merchant/payout/notify?shop=contract'),
          orderTimeLimit: '2030-12-31 23:59:59',
        });
        expect(answer.fields.pg_status).toBe('process');

        // Poll until final, moving the sandbox clock a second between asks.
        const polled = await target.client.pollUntilFinal(answer.fields.pg_payment_id ?? '', () =>
          target.pass(1_000),
        );
        expect(polled.fields.pg_payment_status).toBe(status);
        expect(polled.signatureValid).toBe(true);

        await target.pass(3_000);
        const postback = receiver.forOrder(orderId);
        expect(postback?.signatureValid).toBe(true);
        expect(postback?.params.pg_status).toBe(final);
        expect(postback?.params.shop).toBe('contract');

        // The sandbox recorded the merchant's signed XML acknowledgement.
        const log = (await (
          await fetch(`${target.admin?.url ?? ''}/__sandbox/postbacks?order_id=${orderId}`)
        ).json()) as { postbacks: { state: string; attempts: { ack?: { status: string } }[] }[] };
        expect(log.postbacks[0]?.state).toBe('delivered');
        expect(log.postbacks[0]?.attempts[0]?.ack?.status).toBe('ok');
      },
    );
  },
);
