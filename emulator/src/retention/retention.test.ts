import { describe, expect, it, vi } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import { isoTime, VirtualClock } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import { openLowdbStore } from '../store/lowdb-store.js';
import type { PayoutSummary, Store, StoreChange } from '../store/store.js';
import { chooseForgotten, Retention, type RetentionPolicy } from './retention.js';

const START = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A payout last changed `ageMs` before START. */
function payout(paymentId: number, ageMs: number, extra: Partial<Payout> = {}): Payout {
  return samplePayout({
    paymentId,
    orderId: `order-${paymentId}`,
    merchantId: 'm1',
    createdAt: isoTime(START - ageMs - 1_000),
    updatedAt: isoTime(START - ageMs),
    ...extra,
  });
}

function pending(paymentId: number, n = 1): Postback {
  return {
    id: `${paymentId}-${n}`,
    paymentId,
    merchantId: 'm1',
    orderId: `order-${paymentId}`,
    url: 'http://merchant.test/notify',
    fields: {},
    kind: 'notify',
    state: 'pending',
    createdAt: isoTime(START),
    attempts: [],
  };
}

function choose(
  payouts: PayoutSummary[],
  policy: RetentionPolicy,
  busy: number[] = [],
): readonly number[] {
  return chooseForgotten(payouts, new Set(busy), policy, START).forget;
}

describe('choosing what to forget', () => {
  it('forgets settled payouts last changed longer ago than the age, and says when the next one is due', () => {
    const payouts = [payout(1, 3 * DAY), payout(2, DAY), payout(3, DAY - 1), payout(4, HOUR)];
    const choice = chooseForgotten(payouts, new Set(), { maxAgeMs: DAY }, START);
    expect(choice.forget).toEqual([1, 2]);
    expect(choice.nextDueMs).toBe(START + 1);
  });

  it('goes by the last change, not the creation: a payout that ended late is kept for the whole age', () => {
    const late = payout(1, HOUR, { createdAt: isoTime(START - 10 * DAY) });
    expect(choose([late], { maxAgeMs: DAY })).toEqual([]);
  });

  it("keeps each merchant's newest settled payouts, by payment id", () => {
    const payouts = [
      payout(5, 0),
      payout(1, 0),
      payout(3, 0),
      payout(2, 0, { merchantId: 'm2' }),
      payout(4, 0),
      payout(6, 0, { merchantId: 'm2' }),
    ];
    expect(choose(payouts, { perMerchant: 2 })).toEqual([1, 3]);
    expect(choose(payouts, { perMerchant: 1 })).toEqual([1, 2, 3, 4]);
    expect(choose(payouts, { perMerchant: 10 })).toEqual([]);
  });

  it('applies both rules when both are set: what either forgets is forgotten', () => {
    const payouts = [payout(1, 2 * DAY), payout(2, 0), payout(3, 0), payout(4, 0)];
    expect(choose(payouts, { maxAgeMs: DAY, perMerchant: 2 })).toEqual([1, 2]);
  });

  it('never forgets a payout that is not settled, and does not count it as kept', () => {
    const old = 30 * DAY;
    const unsettled = [
      payout(1, old, { status: 'waiting' }),
      payout(2, old, { status: 'process' }),
      payout(3, old, {
        status: 'ok',
        pendingFinal: { status: 'ok', dueAt: isoTime(START), reason: 'scenario' },
      }),
      // Settled itself, but its postback is still to deliver.
      payout(4, old, { status: 'error' }),
    ];
    const settled = [payout(5, 0), payout(6, 0)];
    const policy = { maxAgeMs: DAY, perMerchant: 2 };
    expect(choose([...unsettled, ...settled], policy, [4])).toEqual([]);
    expect(choose([...unsettled, ...settled], { perMerchant: 1 }, [4])).toEqual([5]);
    // Once its postback is done, the declined one is old enough.
    expect(choose([...unsettled, ...settled], policy)).toEqual([4]);
  });

  it('keeps a payout whose time cannot be read, and nothing when no rule is set', () => {
    expect(choose([payout(1, 0, { updatedAt: 'yesterday' })], { maxAgeMs: 1 })).toEqual([]);
    expect(choose([payout(1, 10 * DAY)], {})).toEqual([]);
  });
});

/** A store in memory and a stopped clock at START, with retention wired as the sandbox does. */
async function setup(
  policy: RetentionPolicy,
  options: { batchSize?: number; wrap?: (store: Store) => Store } = {},
): Promise<{ store: Store; clock: VirtualClock; retention: Retention; forgotten: number[][] }> {
  const real = await openLowdbStore({});
  const store = options.wrap ? options.wrap(real) : real;
  const clock = new VirtualClock({ speed: 0, start: START });
  const forgotten: number[][] = [];
  const retention = new Retention({
    store,
    clock,
    policy,
    onForgotten: (ids) => forgotten.push([...ids]),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  return { store, clock, retention, forgotten };
}

/** The store, with every change it is given told to `seen` first. */
function watched(seen: StoreChange[], before?: (change: StoreChange) => void) {
  return (store: Store): Store =>
    Object.assign(Object.create(store) as Store, {
      commit(change: StoreChange): Promise<void> {
        seen.push(change);
        before?.(change);
        return store.commit(change);
      },
    });
}

describe('retention on the sandbox clock', () => {
  it('sweeps once at start, then when a kept payout comes of age', async () => {
    const { store, clock, retention, forgotten } = await setup({ maxAgeMs: HOUR });
    await store.commit({ payouts: [payout(1, 2 * HOUR), payout(2, 0)] });
    retention.start();
    await clock.advance(0);
    expect(forgotten).toEqual([[1]]);
    expect(await store.payout(1)).toBeUndefined();

    await clock.advance(HOUR - MINUTE);
    expect(await store.payout(2)).toBeDefined();
    await clock.advance(MINUTE);
    expect(forgotten).toEqual([[1], [2]]);
    expect(await store.counts()).toEqual({ payouts: 0, postbacks: 0 });
    retention.stop();
  });

  it('forgets a payout once its postback is delivered, not before', async () => {
    const { store, clock, retention } = await setup({ maxAgeMs: HOUR });
    await store.commit({ payouts: [payout(1, 2 * HOUR)], postbacks: [pending(1)] });
    retention.start();
    await clock.advance(10 * MINUTE);
    expect(await store.payout(1)).toBeDefined();
    await store.commit({ postbacks: [{ ...pending(1), state: 'delivered' }] });
    await clock.advance(MINUTE);
    expect(await store.payout(1)).toBeUndefined();
    expect(await store.postback('1-1')).toBeUndefined();
    retention.stop();
  });

  it('keeps the newest per merchant as new payouts settle', async () => {
    const { store, clock, retention } = await setup({ perMerchant: 2 });
    retention.start();
    for (let id = 1; id <= 5; id++) {
      await store.commit({ payouts: [payout(id, 0)] });
      await clock.advance(MINUTE);
    }
    expect((await store.payoutSummaries()).map((p) => p.paymentId).reverse()).toEqual([4, 5]);
    retention.stop();
  });

  it('forgets in batches, one commit each, and passes over a payout made busy between them', async () => {
    const seen: StoreChange[] = [];
    let resent = false;
    const { store, retention, forgotten } = await setup(
      { perMerchant: 1 },
      {
        batchSize: 1_000,
        wrap: watched(seen, (change) => {
          // A postback of payout 2,400 is resent while the first batch is written.
          if (change.forget && !resent) {
            resent = true;
            void real.commit({ postbacks: [pending(2_400, 2)] });
          }
        }),
      },
    );
    const real = Object.getPrototypeOf(store) as Store;
    const many = Array.from({ length: 2_501 }, (_, i) => payout(i + 1, 0));
    await real.commit({ payouts: many });

    const ids = await retention.sweep();
    const batches = seen.filter((change) => change.forget).map((c) => c.forget?.payouts ?? []);
    expect(batches.map((batch) => batch.length)).toEqual([1_000, 1_000, 499]);
    expect(batches.flat()).not.toContain(2_400);
    expect(ids).toHaveLength(2_499);
    expect(forgotten).toEqual([ids]);
    expect((await store.payoutSummaries()).map((p) => p.paymentId).reverse()).toEqual([
      2_400, 2_501,
    ]);
  });

  it('stops before its next batch when stopped, and sweeps no more', async () => {
    const seen: StoreChange[] = [];
    const stopper: { retention?: Retention } = {};
    const { store, clock, retention } = await setup(
      { perMerchant: 1 },
      {
        batchSize: 10,
        wrap: watched(seen, (change) => {
          if (change.forget) stopper.retention?.stop();
        }),
      },
    );
    stopper.retention = retention;
    await store.commit({ payouts: Array.from({ length: 50 }, (_, i) => payout(i + 1, 0)) });
    retention.start();
    await clock.advance(10 * MINUTE);
    expect(seen.filter((change) => change.forget)).toHaveLength(1);
    expect((await store.counts()).payouts).toBe(40);
    expect(clock.pendingCount()).toBe(0);
  });

  it('forgets nothing of a batch whose write fails, and tries again a minute later', async () => {
    let failures = 1;
    const errors: unknown[] = [];
    const real = await openLowdbStore({});
    const clock = new VirtualClock({ speed: 0, start: START });
    const store = Object.assign(Object.create(real) as Store, {
      commit(change: StoreChange): Promise<void> {
        if (change.forget && failures-- > 0) return Promise.reject(new Error('disk full'));
        return real.commit(change);
      },
    });
    const retention = new Retention({
      store,
      clock,
      policy: { maxAgeMs: HOUR },
      onError: (error) => errors.push(error),
    });
    await real.commit({ payouts: [payout(1, 2 * HOUR)] });
    retention.start();
    await clock.advance(0);
    expect(errors).toHaveLength(1);
    expect(await real.payout(1)).toBeDefined();
    await clock.advance(MINUTE);
    expect(await real.payout(1)).toBeUndefined();
    retention.stop();
  });

  it('sweeps only a minute after something changed or when a kept payout comes of age', async () => {
    const { store, clock, retention } = await setup({ maxAgeMs: DAY });
    await store.commit({ payouts: [payout(1, 0)] });
    const looks = vi.spyOn(store, 'payoutSummaries');
    retention.start();
    await clock.advance(0);
    expect(looks).toHaveBeenCalledTimes(1);
    // A day with nothing to do: no sweep until the payout comes of age.
    await clock.advance(DAY - MINUTE);
    expect(looks).toHaveBeenCalledTimes(1);
    expect(clock.pendingCount()).toBe(1);
    await clock.advance(MINUTE);
    expect(looks).toHaveBeenCalledTimes(2);
    expect(await store.payout(1)).toBeUndefined();
    // Nothing kept, nothing scheduled; a new payout wakes it for a minute later.
    expect(clock.pendingCount()).toBe(0);
    await clock.advance(365 * DAY);
    expect(looks).toHaveBeenCalledTimes(2);
    await store.commit({ payouts: [payout(2, 0)] });
    await clock.advance(MINUTE - 1);
    expect(looks).toHaveBeenCalledTimes(2);
    await clock.advance(1);
    expect(looks).toHaveBeenCalledTimes(3);
    retention.stop();
  });

  it('does nothing, and schedules nothing, when no rule is set', async () => {
    const { store, clock, retention } = await setup({});
    await store.commit({ payouts: [payout(1, 100 * DAY)] });
    retention.start();
    await clock.advance(DAY);
    expect(await store.payout(1)).toBeDefined();
    expect(clock.pendingCount()).toBe(0);
  });
});
