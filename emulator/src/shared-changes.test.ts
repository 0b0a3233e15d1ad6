import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { samplePayout } from '../test/fixtures.js';
import { isoTime, VirtualClock } from './clock.js';
import { MerchantDirectory } from './merchants/merchants.js';
import { PayoutService, type FinalNotifier } from './payouts/service.js';
import { PostbackDispatcher } from './postbacks/dispatcher.js';
import { HostAllowlist, type Postback } from './postbacks/postback.js';
import { RETRY_POLICIES } from './postbacks/retry-policy.js';
import { createRandomness } from './randomness.js';
import { followOtherProcesses } from './shared-changes.js';
import type { LowdbStore } from './store/lowdb-store-api.js';
import { openLowdbStore } from './store/lowdb-store.js';
import type { ChangeOrigin, Store, StoreChange } from './store/store.js';

/**
 * What a process does on a shared store (several processes on one PostgreSQL database): sweep
 * for work another process left, and follow what other processes commit. A memory store stands
 * in for the database, claiming to be shared; "another process" is a commit made on it directly
 * (no timer armed here), and `elsewhere` plays that process's change arriving.
 */

const START = Date.parse('2026-01-02T03:04:05.000Z');

type SharedStore = Store & { elsewhere(change: StoreChange): void };

function asShared(inner: LowdbStore): SharedStore {
  const listeners = new Set<(change: StoreChange, origin: ChangeOrigin) => void>();
  inner.onCommitted((change, origin) => listeners.forEach((listener) => listener(change, origin)));
  const shared = Object.create(inner) as SharedStore;
  return Object.assign(shared, {
    shared: true,
    onCommitted(listener: (change: StoreChange, origin: ChangeOrigin) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    elsewhere(change: StoreChange) {
      listeners.forEach((listener) => listener(change, 'elsewhere'));
    },
  });
}

function pending(id: string, dueAt: number): Postback {
  return {
    id,
    paymentId: Number(id.split('-')[0]),
    merchantId: '100001',
    orderId: 'o',
    url: 'http://merchant.test/notify',
    fields: { pg_status: 'ok' },
    kind: 'notify',
    state: 'pending',
    createdAt: isoTime(START),
    dueAt: isoTime(dueAt),
    attempts: [],
  };
}

let store: SharedStore;
let clock: VirtualClock;
let sent: string[];
beforeEach(async () => {
  // Only the sweeps' one-second interval is faked: the sandbox clock is stopped and moved by hand.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  store = asShared(await openLowdbStore({}));
  clock = new VirtualClock({ start: START, speed: 0 });
  sent = [];
});
afterEach(() => {
  vi.useRealTimers();
});

function dispatcher(): PostbackDispatcher {
  return new PostbackDispatcher({
    store,
    clock,
    randomness: createRandomness(1),
    merchants: new MerchantDirectory([]),
    sender: {
      send: (url) => {
        sent.push(url);
        return Promise.resolve({ status: 200, durationMs: 0 });
      },
    },
    notifyFields: () => ({}),
    renderXml: () => '',
    policy: RETRY_POLICIES.gateway,
    allowlist: new HostAllowlist(['*']),
    defaultDelayMs: 3_000,
    timeoutMs: 1_000,
  });
}

describe('on a shared store', () => {
  it('the outbox sweeps up a due postback another process left, and delivers it once', async () => {
    const outbox = dispatcher();
    await outbox.resumePending();
    await store.commit({ postbacks: [pending('7-1', START)] });
    await vi.advanceTimersByTimeAsync(1_000);
    await clock.advance(0);
    expect(sent).toEqual(['http://merchant.test/notify']);
    expect((await store.postback('7-1'))?.state).toBe('delivered');
    // Swept again: delivered, it is not due any more.
    await vi.advanceTimersByTimeAsync(1_000);
    await clock.advance(0);
    expect(sent).toHaveLength(1);
    outbox.stop();
  });

  it('payout timers sweep up a due payout; two processes firing end it once', async () => {
    const activated: Postback[][] = [];
    const notifier: FinalNotifier = {
      prepare: (payout) => [pending(`${payout.paymentId}-1`, START + 10_000)],
      activate: (postbacks) => activated.push([...postbacks]),
      capacityProblem: () => undefined,
    };
    const deps = { store, clock, randomness: createRandomness(1), notifier };
    const here = new PayoutService(deps);
    const there = new PayoutService(deps);
    await store.commit({
      payouts: [
        samplePayout({
          paymentId: 9,
          status: 'process',
          pendingFinal: { status: 'ok', dueAt: isoTime(START), reason: 'processing finished' },
        }),
      ],
    });
    here.startSweep();
    there.startSweep();
    await vi.advanceTimersByTimeAsync(1_000);
    await clock.advance(0);
    const ended = await store.payout(9);
    expect(ended?.status).toBe('ok');
    expect(ended?.history.map((h) => h.status)).toEqual(['process', 'ok']);
    expect(activated).toHaveLength(1);
    expect((await store.postbacksOf(9)).map((p) => p.id)).toEqual(['9-1']);
    here.close();
    there.close();
  });

  it("takes on another process's clock and hears of its deliveries", async () => {
    const outbox = dispatcher();
    const stop = followOtherProcesses(store, clock, outbox);
    store.elsewhere({ clock: { nowMs: START + 60_000, realMs: Date.now(), speed: 0 } });
    await clock.advance(0);
    expect(clock.now()).toBe(START + 60_000);
    // This process's own commits are not taken on again.
    await store.commit({ clock: { nowMs: START + 120_000, realMs: Date.now(), speed: 0 } });
    await clock.advance(0);
    expect(clock.now()).toBe(START + 60_000);

    const waiting = outbox.waitFor({ paymentId: 5 }, 10_000);
    const delivered: Postback = { ...pending('5-1', START), state: 'delivered' };
    await store.commit({ postbacks: [delivered] });
    store.elsewhere({ postbacks: [delivered] });
    expect((await waiting)?.id).toBe('5-1');
    stop();
    outbox.stop();
  });

  it('follows nothing on a store of one process', async () => {
    const single = await openLowdbStore({});
    const adopt = vi.fn(() => Promise.resolve());
    const stop = followOtherProcesses(single, { adopt }, { heardElsewhere: vi.fn() });
    await single.commit({ clock: { nowMs: START, realMs: 0, speed: 1 } });
    expect(adopt).not.toHaveBeenCalled();
    stop();
  });
});
