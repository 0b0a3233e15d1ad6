import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { card, payoutFields } from './helpers.js';
import {
  startSandboxProcess,
  type SandboxProcess,
} from '../../client-tests/support/sandbox-process.js';
import { createTestDatabase, noPostgres, type TestDatabase } from './postgres.js';
import { rawClient } from './postgres-store-helpers.js';
import { answers, Receiver } from './receiver.js';
import {
  admin,
  balanceOn,
  eventually,
  postPayout,
  replicaSettings,
  startReplicas,
  type Replicas,
} from './replicas.js';

/**
 * Two sandbox processes on one PostgreSQL database act as one gateway (issue 16): the race tests
 * and the crash test, with requests spread over both replicas as a load balancer would. Each test
 * has a fresh database and its own pair of processes.
 */

const OK_CARD = card('success').token;
const PROCESS_CARD = card('process, later success').token;
/** Two processes start in a few seconds on a loaded 2-core machine; the crash test waits on B. */
const TEST_MS = 45_000;
const CRASH_TEST_MS = 60_000;

interface PayoutList {
  payouts: { paymentId: number; status: string; orderId: string }[];
  total: number;
}

interface PostbackList {
  postbacks: { id: string; paymentId: number; state: string; attempts: unknown[] }[];
  total: number;
}

describe.skipIf(noPostgres())('two sandbox processes on one PostgreSQL database', () => {
  let replicas: Replicas | undefined;
  let receiver: Receiver | undefined;

  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await replicas?.close();
    replicas = undefined;
    await receiver?.close();
  });

  async function start(env: Record<string, string> = {}): Promise<Replicas> {
    replicas = await startReplicas(env);
    return replicas;
  }

  it(
    'makes one payout of 100 concurrent requests with one order id, the rest refused as a duplicate order',
    async () => {
      const { urls, spread } = await start();
      const fields = payoutFields({ pg_amount: '10.00', pg_card_token_to: OK_CARD });
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => postPayout(spread(i), fields)),
      );
      const made = answers.filter((answer) => answer.pg_status === 'ok');
      expect(made).toHaveLength(1);
      const refused = answers.filter((answer) => answer.pg_status !== 'ok');
      expect(refused.map((answer) => answer.pg_error_code)).toEqual(Array(99).fill('10012'));
      for (const url of urls) {
        const list = await admin<PayoutList>(
          url,
          `/__sandbox/payouts?order_id=${fields.pg_order_id}`,
        );
        expect(list.total).toBe(1);
        expect(await balanceOn(url)).toBe('999990.00');
      }
    },
    TEST_MS,
  );

  it(
    'never overdraws one balance with parallel payouts on both replicas',
    async () => {
      const { urls, spread } = await start({ SANDBOX_OPENING_BALANCE: '100.00' });
      const answers = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          postPayout(spread(i), payoutFields({ pg_amount: '3.00', pg_card_token_to: OK_CARD })),
        ),
      );
      const made = answers.filter((answer) => answer.pg_status === 'ok');
      const refused = answers.filter((answer) => answer.pg_status !== 'ok');
      // 33 payouts of 3.00 fit in 100.00; every other one is refused for lack of funds.
      expect(made).toHaveLength(33);
      expect(new Set(refused.map((answer) => answer.pg_error_code))).toEqual(new Set(['10011']));
      for (const answer of made) expect(Number(answer.pg_balance)).toBeGreaterThanOrEqual(0);
      const paid = made.length * 3;
      expect(paid).toBeLessThanOrEqual(100);
      for (const url of urls) expect(await balanceOn(url)).toBe((100 - paid).toFixed(2));
    },
    TEST_MS,
  );

  it(
    'hands out payment ids that are unique across both replicas and increase',
    async () => {
      const { spread } = await start();
      const concurrent = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          postPayout(spread(i), payoutFields({ pg_card_token_to: OK_CARD })),
        ),
      );
      const ids = concurrent.map((answer) => Number(answer.pg_payment_id));
      expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);

      // One after the other, alternating replicas: each id is above every one before it.
      let last = Math.max(...ids);
      for (let i = 0; i < 10; i += 1) {
        const answer = await postPayout(spread(i), payoutFields({ pg_card_token_to: OK_CARD }));
        const id = Number(answer.pg_payment_id);
        expect(id).toBeGreaterThan(last);
        last = id;
      }
    },
    TEST_MS,
  );

  it(
    'keeps serving after kill -9 of one replica under load, and delivers each of its due postbacks exactly once',
    async () => {
      // A stopped clock: nothing A made is due while A lives, so every postback is B's to deliver.
      const { a, b } = await start({ SANDBOX_CLOCK_SPEED: '0' });
      const postLink = receiver!.url('/payout/notify');
      let answered = 0;
      let killed: Promise<void> | undefined;
      const onA = Array.from({ length: 40 }, (_, i) =>
        postPayout(
          a.url,
          payoutFields({
            pg_amount: '1.00',
            pg_post_link: postLink,
            // Half end later (process, then ok): B must end them as well as notify them.
            pg_card_token_to: i % 2 === 0 ? OK_CARD : PROCESS_CARD,
          }),
        ).then(
          (answer) => {
            answered += 1;
            if (answered === 15) killed = a.kill9();
            return answer;
          },
          () => undefined,
        ),
      );
      const fromA = (await Promise.all(onA)).filter(
        (answer): answer is Record<string, string> => answer !== undefined,
      );
      await (killed ?? a.kill9());
      expect(fromA.length).toBeGreaterThanOrEqual(15);

      // B answers on, on the same order ids' rules and the same balance.
      const fromB = await Promise.all(
        Array.from({ length: 10 }, () =>
          postPayout(
            b.url,
            payoutFields({ pg_amount: '1.00', pg_post_link: postLink, pg_card_token_to: OK_CARD }),
          ),
        ),
      );
      expect(fromB.map((answer) => answer.pg_status)).toEqual(Array(10).fill('ok'));

      // Every payout A answered is stored, as are any it made but could not answer before dying.
      const stored = await admin<PayoutList>(b.url, '/__sandbox/payouts?limit=1000');
      const storedIds = new Set(stored.payouts.map((payout) => String(payout.paymentId)));
      for (const answer of [...fromA, ...fromB]) {
        expect(['ok', 'process']).toContain(answer.pg_status);
        expect(storedIds.has(answer.pg_payment_id ?? '')).toBe(true);
      }

      // Past A's process payouts' end: B ends them; then past every postback's delay.
      await admin(b.url, '/__sandbox/clock/advance', { body: { by: '10s' } });
      await eventually('B ends the payouts A left in process', async () => {
        const open = await admin<PayoutList>(b.url, '/__sandbox/payouts?status=process');
        return open.total === 0 ? true : undefined;
      });
      await admin(b.url, '/__sandbox/clock/advance', { body: { by: '10s' } });
      await eventually('B delivers every postback', async () => {
        const pending = await admin<PostbackList>(b.url, '/__sandbox/postbacks?state=pending');
        const all = await admin<PostbackList>(b.url, '/__sandbox/postbacks?limit=1000');
        return pending.total === 0 && all.total === stored.total ? true : undefined;
      });

      // Delivered is final and nothing is pending, so no further attempt can come: count now.
      const received = new Map<string, number>();
      for (const postback of receiver!.received) {
        const id = postback.body.get('pg_payment_id') ?? '';
        received.set(id, (received.get(id) ?? 0) + 1);
      }
      expect([...received.keys()].sort()).toEqual([...storedIds].sort());
      expect([...received.values()].every((count) => count === 1)).toBe(true);
      const postbacks = await admin<PostbackList>(b.url, '/__sandbox/postbacks?limit=1000');
      for (const postback of postbacks.postbacks) {
        expect(postback.state).toBe('delivered');
        expect(postback.attempts).toHaveLength(1);
      }
    },
    CRASH_TEST_MS,
  );

  it(
    'wakes a postback wait on one replica when the other delivers',
    async () => {
      const { a, b } = await start({ SANDBOX_CLOCK_SPEED: '0' });
      const answer = await postPayout(
        a.url,
        payoutFields({ pg_post_link: receiver!.url('/payout/notify'), pg_card_token_to: OK_CARD }),
      );
      expect(answer.pg_status).toBe('ok');
      const waiting = fetch(
        `${b.url}/__sandbox/postbacks/wait?payment_id=${answer.pg_payment_id}&timeout_ms=20000`,
      );
      // With the clock stopped the postback is not due: the wait is still open.
      const early = await Promise.race([
        waiting.then(() => 'answered'),
        new Promise((resolve) => setTimeout(() => resolve('open'), 500)),
      ]);
      expect(early).toBe('open');

      await admin(a.url, '/__sandbox/clock/advance', { body: { by: '5s' } });
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ state: 'delivered' });
      expect(receiver!.received).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    'applies a scenario pinned on one replica on the other, and shares the clock',
    async () => {
      const { a, b } = await start({ SANDBOX_CLOCK_SPEED: '0' });
      await admin(a.url, '/__sandbox/scenarios/active', {
        method: 'PUT',
        body: { name: 'insufficient-balance' },
      });
      const refused = await eventually('the pin reaches B', async () => {
        const answer = await postPayout(b.url, payoutFields({ pg_card_token_to: OK_CARD }));
        return answer.pg_error_code === '10011' ? answer : undefined;
      });
      expect(refused.pg_status).toBe('error');

      const before = await admin<{ nowMs: number }>(a.url, '/__sandbox/clock');
      await admin(a.url, '/__sandbox/clock/advance', { body: { by: '1h' } });
      const seen = await eventually('B sees the clock A advanced', async () => {
        const clock = await admin<{ nowMs: number }>(b.url, '/__sandbox/clock');
        return clock.nowMs >= before.nowMs + 3_600_000 ? clock : undefined;
      });
      // Stopped on both: B is where A went, not further on (but for a start a few ms apart).
      expect(seen.nowMs).toBeLessThan(before.nowMs + 3_600_000 + 60_000);
    },
    TEST_MS,
  );

  it(
    "shares a speed set while the other replica's change listener was cut off",
    async () => {
      const { a, b, database } = await start();
      // Both replicas' listening connections cut, as a network blip or a restarted pooler does.
      const raw = await rawClient(database.url);
      try {
        await raw.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'freedompay-sandbox listener %'`,
        );
      } finally {
        await raw.end();
      }
      // At once, inside A's pause before it listens again (usually): A cannot hear this NOTIFY,
      // and reads the clock again once it listens (postgres-processes.test.ts pins that down).
      await admin(b.url, '/__sandbox/clock/speed', { body: { speed: 0 } });
      await eventually('A runs at the speed B set', async () => {
        const clock = await admin<{ speed: number }>(a.url, '/__sandbox/clock');
        return clock.speed === 0 ? true : undefined;
      });
    },
    TEST_MS,
  );

  describe('a clock advance on one replica', () => {
    /** Payouts in `process` made on B, each ending 5 s later and then notifying the receiver. */
    async function processPayoutsOn(url: string, count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const answer = await postPayout(
          url,
          payoutFields({
            pg_post_link: receiver!.url('/payout/notify'),
            pg_card_token_to: PROCESS_CARD,
          }),
        );
        expect(answer.pg_status).toBe('process');
        ids.push(answer.pg_payment_id ?? '');
      }
      return ids;
    }

    async function statusesOn(url: string, ids: readonly string[]): Promise<string[]> {
      return Promise.all(
        ids.map(
          async (id) => (await admin<{ status: string }>(url, `/__sandbox/payouts/${id}`)).status,
        ),
      );
    }

    it(
      "answers after the other replica's payouts that became due have ended",
      async () => {
        const { a, b } = await start({ SANDBOX_CLOCK_SPEED: '0' });
        const ids = await processPayoutsOn(b.url, 5);
        await admin(a.url, '/__sandbox/clock/advance', { body: { by: '31s' } });
        // Read at once: whichever replica ended each payout, it ended before A answered.
        expect(await statusesOn(a.url, ids)).toEqual(Array(5).fill('ok'));
      },
      TEST_MS,
    );

    it(
      'ends and notifies what a replica killed with kill -9 left due, before it answers',
      async () => {
        const { a, b } = await start({ SANDBOX_CLOCK_SPEED: '0' });
        const ids = await processPayoutsOn(b.url, 3);
        await b.kill9();
        await admin(a.url, '/__sandbox/clock/advance', { body: { by: '31s' } });
        expect(await statusesOn(a.url, ids)).toEqual(Array(3).fill('ok'));
        // Their postbacks became due when A ended them, inside the window: A sent them too.
        const pending = await admin<PostbackList>(a.url, '/__sandbox/postbacks?state=pending');
        expect(pending.total).toBe(0);
        const sent = receiver!.received.map((postback) => postback.body.get('pg_payment_id'));
        expect(sent.sort()).toEqual([...ids].sort());
      },
      TEST_MS,
    );
  });

  describe('a replica killed mid-delivery', () => {
    let database: TestDatabase | undefined;
    const started: SandboxProcess[] = [];
    afterEach(async () => {
      await Promise.all(started.map((one) => one.kill9()));
      started.length = 0;
      await database?.drop();
    });

    it(
      'leaves the postback it was sending to the other replica once its lease runs out',
      async () => {
        database = await createTestDatabase();
        // Real time, a short delay and timeout: the claim's lease is the timeout plus 5 s.
        const settings = replicaSettings(database, {
          SANDBOX_POSTBACK_DELAY: '500ms',
          SANDBOX_POSTBACK_TIMEOUT: '2s',
        });
        const a = await startSandboxProcess(settings);
        started.push(a);
        // A's attempt reaches the merchant, who never answers it; the next attempt is answered.
        receiver!.answer(answers.hang, answers.ok);
        const answer = await postPayout(
          a.url,
          payoutFields({
            pg_post_link: receiver!.url('/payout/notify'),
            pg_card_token_to: OK_CARD,
          }),
        );
        await eventually('A sends the postback', () =>
          Promise.resolve(receiver!.received.length > 0 ? true : undefined),
        );
        // Killed before its attempt times out: A never records it, and its claim stays until the
        // lease runs out. B starts only now, so the first claim was surely A's.
        await a.kill9();
        const b = await startSandboxProcess(settings);
        started.push(b);

        const delivered = await eventually(
          'B delivers the postback A was sending',
          async () => {
            const list = await admin<PostbackList>(
              b.url,
              `/__sandbox/postbacks?payment_id=${answer.pg_payment_id}`,
            );
            const postback = list.postbacks[0];
            return postback?.state === 'delivered' ? postback : undefined;
          },
          30_000,
        );
        // A's attempt was cut off unrecorded; B's is the one the store keeps.
        expect(delivered.attempts).toHaveLength(1);
        const sent = receiver!.received.filter(
          (postback) => postback.body.get('pg_payment_id') === answer.pg_payment_id,
        );
        expect(sent).toHaveLength(2);
      },
      CRASH_TEST_MS,
    );
  });
});
