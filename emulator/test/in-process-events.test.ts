// startSandbox().onEvent, as a user's test file would use it.
import { startSandbox, type RunningSandbox, type SandboxEvent } from 'freedompay-sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let sandbox: RunningSandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ clockSpeed: 0, scenarios: false, seed: 7 });
});
afterEach(async () => {
  await sandbox.close();
});

let order = 0;
/** A reg2reg to the test card with this outcome; resolves once the sandbox has answered. */
async function pay(outcome = 'success'): Promise<number> {
  order += 1;
  const fields: Record<string, string> = {
    pg_merchant_id: sandbox.merchantId,
    pg_amount: '10.00',
    pg_order_id: `events-${order}`,
    pg_user_id: 'user-1',
    pg_card_token_to: sandbox.cards.find((card) => card.outcome === outcome)?.token ?? '',
    pg_description: 'Prize',
    pg_post_link: 'http://127.0.0.1:9/payout/notify',
    pg_order_time_limit: '2030-01-01 00:00:00',
    pg_salt: `salt-${order}`,
  };
  fields.pg_sig = sandbox.sign('reg2reg', fields);
  const res = await fetch(`${sandbox.url}/api/reg2reg`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  });
  return Number(/<pg_payment_id>(\d+)</.exec(await res.text())?.[1]);
}

describe('startSandbox().onEvent', () => {
  it('hears a payout as it is made and as the clock finishes it, typed by the types asked for', async () => {
    const statuses: string[] = [];
    const stop = sandbox.onEvent((event) => statuses.push(event.payout.status), {
      types: ['payout'],
    });
    // Events are told before the answer goes out: nothing to wait for.
    await pay('process, later success');
    expect(statuses).toEqual(['process']);
    await sandbox.advanceClock(5_000);
    expect(statuses).toEqual(['process', 'ok']);
    stop();
    await pay();
    expect(statuses).toEqual(['process', 'ok']);
  });

  it('hears every type without a filter, numbered in order', async () => {
    const events: SandboxEvent[] = [];
    const stop = sandbox.onEvent((event) => events.push(event));
    const paymentId = await pay();
    stop();
    expect(events.map((event) => event.type)).toEqual(['payout', 'balance', 'postback', 'request']);
    expect(events.map((event) => event.id)).toEqual(events.map((_, i) => (events[0]?.id ?? 0) + i));
    const request = events.find((event) => event.type === 'request');
    expect(request?.type === 'request' && request.entry.paymentId).toBe(paymentId);
  });
});
