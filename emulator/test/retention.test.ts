import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../src/index.js';
import type { PostbackSender, SendResult } from '../src/postbacks/sender.js';
import { configFromOptions } from '../src/sandbox-options.js';
import {
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/** Retention over HTTP: what a forgotten payout looks like to the gateway and the admin API. */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sandbox: TestSandbox | undefined;
afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

async function open(
  env: Record<string, string>,
  options: { sender?: PostbackSender } = {},
): Promise<TestSandbox> {
  sandbox = await openTestSandbox(env, undefined, options);
  return sandbox;
}

async function pay(
  app: TestSandbox['app'],
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  const res = await request(app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields(overrides)));
  return parseAnswer(res.text);
}

async function listed(app: TestSandbox['app']): Promise<string[]> {
  const res = await request(app).get('/__sandbox/payouts');
  expect(res.status).toBe(200);
  return (res.body as { payouts: { paymentId: number }[] }).payouts.map((p) => String(p.paymentId));
}

async function status(
  app: TestSandbox['app'],
  fields: Record<string, string>,
): Promise<Record<string, string>> {
  const res = await request(app)
    .post('/api/payment_status2')
    .type('form')
    .send(signed({ pg_merchant_id: MERCHANT_ID, pg_salt: 'salt', ...fields }, 'payment_status2'));
  return parseAnswer(res.text);
}

describe('with SANDBOX_RETAIN_FOR', () => {
  it('forgets a settled payout once the clock passes its age: unlisted, unknown to the status method, its order id free', async () => {
    const { app, clock } = await open({ SANDBOX_RETAIN_FOR: '1h' });
    const first = await pay(app, { pg_order_id: 'kept-for-an-hour' });
    expect(first.pg_status).toBe('ok');
    const id = first.pg_payment_id ?? '';
    await clock.advance(5_000);
    expect(await listed(app)).toEqual([id]);

    await clock.advance(HOUR - 5_000 - MINUTE);
    expect(await listed(app)).toEqual([id]);
    await clock.advance(2 * MINUTE);
    expect(await listed(app)).toEqual([]);
    expect((await request(app).get(`/__sandbox/payouts/${id}`)).status).toBe(404);
    expect((await request(app).post(`/__sandbox/postbacks/${id}-1/resend`)).status).toBe(404);
    expect((await request(app).get(`/__sandbox/postbacks?payment_id=${id}`)).body).toMatchObject({
      postbacks: [],
    });

    // The status method answers as for a payment it never made.
    const never = await status(app, { pg_payment_id: '999999' });
    const forgotten = await status(app, { pg_payment_id: id });
    expect(forgotten).toMatchObject({ pg_status: 'error', pg_error_code: '11068' });
    expect(forgotten.pg_error_description).toBe(never.pg_error_description);
    expect((await status(app, { pg_order_id: 'kept-for-an-hour' })).pg_error_code).toBe('11068');

    // The order id may be used again: a new payment id, paid.
    const again = await pay(app, { pg_order_id: 'kept-for-an-hour' });
    expect(again).toMatchObject({ pg_status: 'ok' });
    expect(Number(again.pg_payment_id)).toBeGreaterThan(Number(id));
  });

  it('tells the live events which payouts it forgot', async () => {
    const { app, clock, events } = await open({ SANDBOX_RETAIN_FOR: '1h' });
    const id = Number((await pay(app)).pg_payment_id);
    await clock.advance(HOUR + 2 * MINUTE);
    expect(events.recent().filter((event) => event.type === 'forgotten')).toEqual([
      expect.objectContaining({ type: 'forgotten', paymentIds: [id] }),
    ]);
  });

  it('keeps a payout in process, and one whose postback is still being retried, whatever their age', async () => {
    let accept = false;
    const sender: PostbackSender = {
      send: (): Promise<SendResult> =>
        Promise.resolve({ status: accept ? 200 : 500, durationMs: 0 }),
    };
    // The order "slow" stays in process for 3 hours.
    const dir = await mkdtemp(join(tmpdir(), 'fp-retention-'));
    await mkdir(join(dir, 'scenarios'));
    await writeFile(
      join(dir, 'scenarios', 'slow.yaml'),
      'name: slow\nrules:\n  - match: { pg_order_id: slow }\n    outcome: process -> ok after 3h\n',
    );
    sandbox = await openTestSandbox({ SANDBOX_RETAIN_FOR: '10m' }, dir, { sender });
    const { app, clock } = sandbox;
    const slow = await pay(app, { pg_order_id: 'slow' });
    expect(slow.pg_status).toBe('process');
    // Paid at once, but the merchant answers its notify with HTTP 500: retried every 30 min.
    const retried = await pay(app);
    await clock.advance(HOUR);
    expect(await listed(app)).toEqual([retried.pg_payment_id, slow.pg_payment_id]);

    accept = true;
    await clock.advance(HOUR);
    // Delivered at the retry of 11:00, forgotten a minute later; the other is still in process.
    expect(await listed(app)).toEqual([slow.pg_payment_id]);
    await clock.advance(HOUR + 5 * MINUTE);
    expect(await listed(app)).toEqual([slow.pg_payment_id]);
    // Paid at 13:00 and notified: forgotten ten minutes after.
    await clock.advance(10 * MINUTE);
    expect(await listed(app)).toEqual([]);
  });

  it('still has forgotten them after a restart, and nothing else is lost', async () => {
    const { app, clock, dir } = await open({ SANDBOX_RETAIN_FOR: '1h' });
    const old = await pay(app, { pg_order_id: 'old' });
    await clock.advance(HOUR + 2 * MINUTE);
    const fresh = await pay(app, { pg_order_id: 'fresh' });
    await clock.advance(5_000);
    const balance = (await request(app).get('/__sandbox/merchants')).body as unknown;
    await sandbox?.close();
    sandbox = await openTestSandbox({ SANDBOX_RETAIN_FOR: '1h' }, dir);
    expect(await listed(sandbox.app)).toEqual([fresh.pg_payment_id]);
    expect(
      (await status(sandbox.app, { pg_payment_id: old.pg_payment_id ?? '' })).pg_error_code,
    ).toBe('11068');
    expect((await request(sandbox.app).get('/__sandbox/merchants')).body).toEqual(balance);
  });
});

describe('with SANDBOX_RETAIN_PER_MERCHANT', () => {
  it("keeps a merchant's newest settled payouts and forgets the older ones", async () => {
    const { app, clock } = await open({ SANDBOX_RETAIN_PER_MERCHANT: '2' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await pay(app)).pg_payment_id ?? '');
    await clock.advance(5_000);
    expect(await listed(app)).toHaveLength(4);
    await clock.advance(MINUTE);
    expect(await listed(app)).toEqual([ids[3], ids[2]]);
  });

  it('forgets by either rule when both are set', async () => {
    const { app, clock } = await open({
      SANDBOX_RETAIN_FOR: '1h',
      SANDBOX_RETAIN_PER_MERCHANT: '3',
    });
    const first = await pay(app);
    await clock.advance(HOUR + 2 * MINUTE);
    const later: string[] = [];
    for (let i = 0; i < 4; i++) later.push((await pay(app)).pg_payment_id ?? '');
    await clock.advance(2 * MINUTE);
    expect(await listed(app)).toEqual(later.slice(1).reverse());
    expect(later).not.toContain(first.pg_payment_id);
  });
});

describe('without a retention setting', () => {
  it('keeps every payout, however old', async () => {
    const { app, clock } = await open({});
    const id = (await pay(app)).pg_payment_id ?? '';
    await clock.advance(400 * 24 * HOUR);
    expect(await listed(app)).toEqual([id]);
    expect((await request(app).get('/__sandbox/clock')).body).toMatchObject({ pending: 0 });
  });
});

describe('startSandbox', () => {
  it('takes retainFor and retainPerMerchant, and forgets on its clock', async () => {
    expect(
      configFromOptions({ retainFor: '30d', retainPerMerchant: 500, scenarios: false }).config
        .retention,
    ).toEqual({ maxAgeMs: 30 * 24 * HOUR, perMerchant: 500 });
    const running = await startSandbox({
      clockSpeed: 0,
      retainFor: '1h',
      scenarios: false,
      settings: { SANDBOX_POSTBACK_RETRY: 'fast' },
    });
    try {
      // Nobody listens at the post link: with fast retries its postback fails within 15 s.
      const fields = payoutFields({ pg_post_link: 'http://127.0.0.1:9/notify' });
      const res = await fetch(`${running.url}/api/reg2reg`, {
        method: 'POST',
        body: new URLSearchParams({ ...fields, pg_sig: running.sign('reg2reg', fields) }),
      });
      const answer = parseAnswer(await res.text());
      expect(answer, JSON.stringify(answer)).toMatchObject({ pg_status: 'ok' });
      expect((await running.payouts()).payouts).toHaveLength(1);
      await running.advanceClock('30m');
      expect((await running.postbacks()).postbacks.map((p) => p.state)).toEqual(['failed']);
      await running.advanceClock('1h');
      expect((await running.payouts()).payouts).toHaveLength(0);
      expect((await running.postbacks()).postbacks).toHaveLength(0);
    } finally {
      await running.close();
    }
  });

  it('refuses bad values, named as the options', () => {
    expect(() => configFromOptions({ retainPerMerchant: 0 })).toThrow(
      'retainPerMerchant="0" must be a whole number of payouts, 1 or more',
    );
    expect(() => configFromOptions({ retainFor: '30' })).toThrow(
      'retainFor="30" must be a duration with its unit, such as 30d, 12h or 90m',
    );
  });
});
