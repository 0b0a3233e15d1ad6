import { SandboxAdminError, sign, startSandbox, type RunningSandbox } from 'freedompay-sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAnswer } from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * `startSandbox()`'s typed helpers (issue 14): each does what its admin route does, with the same
 * field names, and refuses with the route's code and message. The routes are asked over HTTP on
 * the same sandbox, and the answers compared as JSON.
 */
let receiver: Receiver;
let sandbox: RunningSandbox;

beforeEach(async () => {
  receiver = await Receiver.start();
  sandbox = await startSandbox({
    clockSpeed: 0,
    seed: 3,
    scenarios: [
      {
        name: 'declines',
        apply: 'when-selected',
        rules: [{ outcome: 'error 10001' }],
      },
    ],
  });
});
afterEach(async () => {
  await sandbox.close();
  await receiver.close();
});

/** What a route answers, as JSON. */
async function route(path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${sandbox.url}${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
  return res.json();
}

/** A helper's answer as it would travel: dates and undefined fields as JSON has them. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** A reg2reg payout to the test card with this outcome; the answer's fields. */
async function pay(
  order: string,
  outcome = 'success',
  amount = '100.00',
): Promise<Record<string, string>> {
  const fields: Record<string, string> = {
    pg_merchant_id: sandbox.merchantId,
    pg_amount: amount,
    pg_order_id: order,
    pg_user_id: 'user-1',
    pg_card_token_to: sandbox.cards.find((c) => c.outcome === outcome)?.token ?? '',
    pg_description: 'Prize',
    pg_post_link: receiver.url('/payout/notify'),
    pg_order_time_limit: '2030-01-01 00:00:00',
    pg_salt: `salt-${order}`,
  };
  fields.pg_sig = sandbox.sign('reg2reg', fields);
  const res = await fetch(`${sandbox.url}/api/reg2reg`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  });
  return parseAnswer(await res.text());
}

async function refusal(promise: Promise<unknown>): Promise<SandboxAdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SandboxAdminError);
  return error as SandboxAdminError;
}

describe('scenario helpers', () => {
  it('addRule adds a rule in the scenario file shape, as POST /__sandbox/scenarios does', async () => {
    const added = await sandbox.addRule({
      name: 'big',
      match: { pg_amount: { min: 500 } },
      outcome: 'error 10001',
    });
    expect(added.rules).toMatchObject([{ id: 'runtime/big', priority: 0 }]);
    expect((await pay('big-1', 'success', '600.00')).pg_error_code).toBe('10001');

    const both = await sandbox.addRule({
      rules: [
        { name: 'one', outcome: 'ok' },
        { name: 'two', latency: '2s' },
      ],
    });
    expect(both.rules.map((rule) => rule.id)).toEqual(['runtime/one', 'runtime/two']);

    const bad = await refusal(sandbox.addRule({ outcome: 'eror 10000' }));
    expect(bad.code).toBe('bad-request');
    expect(bad.message).toBe(
      'addRule: the rule does not fit the scenario format (scenarios/README.md)',
    );
    const routed = (await route('/__sandbox/scenarios', {
      method: 'POST',
      body: JSON.stringify({ outcome: 'eror 10000' }),
    })) as { problems: string[] };
    expect(bad.details.problems).toEqual(routed.problems);
    expect(String(routed.problems)).toContain('error 10000');
  });

  it('scenarios() lists what GET /__sandbox/scenarios lists', async () => {
    await sandbox.addRule({ name: 'slow', latency: '1s' });
    expect(json(await sandbox.scenarios())).toEqual(await route('/__sandbox/scenarios'));
  });

  it('pin and unpin pin a scenario for every merchant or one, as PUT and DELETE /__sandbox/scenarios/active do', async () => {
    expect(await sandbox.pin('declines')).toEqual({ pinned: { '*': 'declines' } });
    expect((await pay('pinned-1')).pg_error_code).toBe('10001');
    expect(((await route('/__sandbox/scenarios')) as { pinned: unknown }).pinned).toEqual({
      '*': 'declines',
    });
    expect(await sandbox.unpin()).toEqual({ pinned: {} });
    expect((await pay('unpinned-1')).pg_status).toBe('ok');

    expect(await sandbox.pin('declines', { merchantId: Number(sandbox.merchantId) })).toEqual({
      pinned: { [sandbox.merchantId]: 'declines' },
    });
    expect(await sandbox.unpin({ merchantId: sandbox.merchantId })).toEqual({ pinned: {} });

    const unknown = await refusal(sandbox.pin('nope'));
    expect(unknown).toMatchObject({
      code: 'not-found',
      message: 'pin: no scenario is named "nope"; GET /__sandbox/scenarios lists them',
      details: { scenarios: ['declines'] },
    });
    const merchant = await refusal(sandbox.pin('declines', { merchantId: 999 }));
    expect(merchant).toMatchObject({ code: 'not-found', details: { merchants: ['100001'] } });
    expect(merchant.message).toBe('pin: no merchant 999 is configured; known: 100001');
  });
});

describe('postback helpers', () => {
  it('postbacks() pages the outbox newest first with its cursor, as GET /__sandbox/postbacks does', async () => {
    for (const order of ['pb-1', 'pb-2', 'pb-3']) await pay(order);
    await sandbox.advanceClock('3s');
    const first = await sandbox.postbacks({ limit: 2 });
    expect(json(first)).toEqual(await route('/__sandbox/postbacks?limit=2'));
    expect(first).toMatchObject({ total: 3, limit: 2 });
    expect(first.postbacks.map((p) => p.orderId)).toEqual(['pb-3', 'pb-2']);
    expect(first.postbacks[0]?.attempts[0]).toMatchObject({
      url: receiver.url('/payout/notify'),
      status: 200,
    });
    const cursor = first.next_cursor ?? '';
    const second = await sandbox.postbacks({ limit: 2, cursor });
    expect(json(second)).toEqual(await route(`/__sandbox/postbacks?limit=2&cursor=${cursor}`));
    expect(second).toMatchObject({ next_cursor: null, postbacks: [{ orderId: 'pb-1' }] });
    expect((await sandbox.postbacks({ order_id: 'pb-2', state: 'delivered' })).total).toBe(1);

    const bad = await refusal(sandbox.postbacks({ state: 'lost' as never }));
    expect(bad).toMatchObject({
      code: 'bad-request',
      message: 'postbacks: state must be pending, delivered or failed, not "lost"',
    });
  });

  it('resendPostback sends one again as a new delivery, as POST /__sandbox/postbacks/{id}/resend does', async () => {
    const paymentId = (await pay('resend-1')).pg_payment_id ?? '';
    await sandbox.advanceClock('3s');
    const resent = await sandbox.resendPostback(`${paymentId}-1`);
    expect(resent).toMatchObject({ id: `${paymentId}-2`, kind: 'resend', state: 'pending' });
    await sandbox.advanceClock(0);
    expect(receiver.received).toHaveLength(2);
    const unknown = await refusal(sandbox.resendPostback('1-1'));
    expect(unknown).toMatchObject({
      code: 'not-found',
      message: 'resendPostback: no postback 1-1; list them at GET /__sandbox/postbacks',
    });
  });

  it('waitForPostback refuses an order it never saw at once, and says what is pending after its timeout', async () => {
    const never = await refusal(sandbox.waitForPostback('never-seen', { timeoutMs: 60_000 }));
    expect(never.code).toBe('not-found');
    expect(never.message).toBe(
      'waitForPostback: no payout has order id never-seen, and no gateway request carried it (GET /__sandbox/requests?order_id=never-seen is empty); check the pg_order_id your client sends, and that it sends it to this sandbox',
    );
    const paymentId = (await pay('wait-1')).pg_payment_id ?? '';
    const late = await refusal(sandbox.waitForPostback('wait-1', { timeoutMs: 0 }));
    expect(late.code).toBe('timeout');
    expect(late.message).toMatch(
      new RegExp(
        `^waitForPostback: no postback for order wait-1 was delivered within 0 ms: postback ${paymentId}-1 is pending: its first attempt is due at \\S+ \\(in 3s of sandbox time\\); the clock is stopped \\(SANDBOX_CLOCK_SPEED=0\\): move it with advanceClock\\("3s"\\)$`,
      ),
    );
    const waiting = sandbox.waitForPostback('wait-1');
    await sandbox.advanceClock('3s');
    expect(await waiting).toMatchObject({ orderId: 'wait-1', state: 'delivered' });
  });
});

describe('clock helpers', () => {
  it('advanceClock takes "10m" as POST /__sandbox/clock/advance takes {"by": "10m"}, and clock() answers as GET /__sandbox/clock', async () => {
    const before = await sandbox.clock();
    await sandbox.advanceClock('10m');
    const after = await sandbox.clock();
    expect(after.nowMs - before.nowMs).toBe(600_000);
    expect(after.advancedMs).toBe(600_000);
    expect(json(after)).toEqual(await route('/__sandbox/clock'));
    await sandbox.advanceClock(500);
    expect((await sandbox.clock()).advancedMs).toBe(600_500);

    const bad = await refusal(sandbox.advanceClock('10 minutes'));
    expect(bad.code).toBe('bad-request');
    expect(bad.message).toBe(
      'advanceClock: "10 minutes" is not a duration: send {"ms": 1000} (milliseconds) or {"by": "10m"} (a duration as in scenario files: 250ms, 5s, 2m, 1h; "ms" takes one too), 0 or more and at most ten years',
    );
  });
});

describe('merchant and card helpers', () => {
  it('merchants() answers as GET /__sandbox/merchants', async () => {
    await sandbox.topUp('1.00');
    expect(await sandbox.merchants()).toEqual(await route('/__sandbox/merchants'));
    expect((await sandbox.merchants()).merchants).toEqual([
      { pg_merchant_id: sandbox.merchantId, balance: '1000001.00' },
    ]);
  });

  it('savedCards() answers as GET /__sandbox/cards, whose test cards say token and id as sandbox.cards does', async () => {
    const saved = await sandbox.saveCard({ userId: 'u-1', pan: '4716047261941981' });
    expect(saved).toMatchObject({ userId: 'u-1', outcome: 'success' });
    const list = await sandbox.savedCards({ user_id: 'u-1' });
    expect(json(list)).toEqual(await route('/__sandbox/cards?user_id=u-1'));
    expect(list).toMatchObject({ total: 1, saved: [{ token: saved.token, id: saved.id }] });
    expect(list.cards).toEqual(sandbox.cards);
    expect((await sandbox.savedCards({ status: 'deleted' })).total).toBe(0);
    const bad = await refusal(sandbox.savedCards({ status: 'lost' as never }));
    expect(bad.message).toBe('savedCards: status must be approved or deleted, not "lost"');
  });

  it('cardSessions() answers as GET /__sandbox/card-sessions', async () => {
    const fields: Record<string, string> = {
      pg_merchant_id: sandbox.merchantId,
      pg_user_id: 'u-2',
      pg_order_id: 'session-1',
      pg_post_link: receiver.url('/cards/notify'),
      pg_back_link: 'https://merchant.example/back',
      pg_salt: 'session-salt',
    };
    fields.pg_sig = sign('add', fields, sandbox.paymentSecretKey);
    const res = await fetch(`${sandbox.url}/v1/merchant/${sandbox.merchantId}/cardstorage/add`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    expect(parseAnswer(await res.text()).pg_status).toBe('ok');
    const sessions = await sandbox.cardSessions({ user_id: 'u-2' });
    expect(json(sessions)).toEqual(await route('/__sandbox/card-sessions?user_id=u-2'));
    expect(sessions).toMatchObject({
      total: 1,
      sessions: [{ orderId: 'session-1', state: 'created' }],
    });
    expect(sessions.sessions[0]?.page).toMatch(/\/cardstorage\/view\?pg_payment_id=/);
  });
});

describe('the request journal helper', () => {
  it('requests() lists newest first, and finds a refused request by the order id it carried', async () => {
    await pay('journal-1');
    const fields = { pg_merchant_id: sandbox.merchantId, pg_order_id: 'journal-2', pg_sig: 'x' };
    await fetch(`${sandbox.url}/api/reg2reg`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    const page = await sandbox.requests();
    expect(json(page)).toEqual(await route('/__sandbox/requests'));
    expect(page.requests.map((r) => r.orderId)).toEqual(['journal-2', 'journal-1']);
    expect((await sandbox.requests({ order_id: 'journal-2' })).requests).toMatchObject([
      { outcome: expect.stringMatching(/^error /) as unknown },
    ]);
  });
});
