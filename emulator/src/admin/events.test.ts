import { describe, expect, it } from 'vitest';
import { MemoryJournal } from '../gateway/journal.js';
import type { ChangeOrigin, Store, StoreChange } from '../store/store.js';
import { samplePayout } from '../../test/fixtures.js';
import {
  connectEvents,
  EventBus,
  eventsOfChange,
  type SandboxEvent,
  type SandboxEventBody,
} from './events.js';

const START = Date.parse('2026-01-15T10:00:00Z');

function bus(limits = { events: 500, bytes: 8 * 1024 * 1024 }): {
  bus: EventBus;
  tick: (ms: number) => void;
} {
  let now = START;
  return { bus: new EventBus(() => now, limits), tick: (ms) => (now += ms) };
}

const reset: SandboxEventBody = { type: 'reset', scope: 'data' };

describe('the event bus', () => {
  it('numbers events from 1 and stamps them with the sandbox clock', () => {
    const { bus: events, tick } = bus();
    const first = events.emit(reset);
    tick(1_500);
    const second = events.emit({ type: 'balance', merchantId: '1', balanceMinor: 5 });
    expect(first).toEqual({ id: 1, at: '2026-01-15T10:00:00.000Z', type: 'reset', scope: 'data' });
    expect(second).toMatchObject({ id: 2, at: '2026-01-15T10:00:01.500Z', balanceMinor: 5 });
    expect(events.lastId).toBe(2);
  });

  it('delivers to each subscriber the types it asked for, in order, until it stops', () => {
    const { bus: events } = bus();
    const all: string[] = [];
    const balances: string[] = [];
    const stopAll = events.subscribe((event) => all.push(event.type));
    events.subscribe((event) => balances.push(event.type), { types: ['balance'] });
    events.emit(reset);
    events.emit({ type: 'balance', merchantId: '1', balanceMinor: 5 });
    stopAll();
    events.emit({ type: 'balance', merchantId: '1', balanceMinor: 6 });
    expect(all).toEqual(['reset', 'balance']);
    expect(balances).toEqual(['balance', 'balance']);
    expect(events.subscriberCount).toBe(1);
  });

  it('goes on delivering when one subscriber throws', () => {
    const { bus: events } = bus();
    const heard: number[] = [];
    events.subscribe(() => {
      throw new Error('broken');
    });
    events.subscribe((event) => heard.push(event.id));
    events.emit(reset);
    expect(heard).toEqual([1]);
  });

  it('keeps the newest events, by count and by bytes, with ids contiguous', () => {
    const { bus: events } = bus({ events: 3, bytes: 1_000_000 });
    for (let i = 0; i < 5; i++) events.emit(reset);
    expect(events.recent().map((event) => event.id)).toEqual([3, 4, 5]);

    // Each is about 160 bytes of JSON: two fit in 400.
    const { bus: small } = bus({ events: 500, bytes: 400 });
    for (let i = 0; i < 5; i++) small.emit({ type: 'clock', now: 'x'.repeat(100), speed: 0 });
    expect(small.recent().map((event) => event.id)).toEqual([4, 5]);
  });

  it('says what came after an id, or that it cannot (no longer kept, or another run)', () => {
    const { bus: events } = bus({ events: 3, bytes: 1_000_000 });
    expect(events.since(0)).toEqual([]);
    for (let i = 0; i < 5; i++) events.emit(reset);
    const ids = (list: SandboxEvent[] | undefined): number[] | undefined =>
      list?.map((event) => event.id);
    expect(ids(events.since(5))).toEqual([]);
    expect(ids(events.since(3))).toEqual([4, 5]);
    expect(ids(events.since(2))).toEqual([3, 4, 5]);
    expect(events.since(1)).toBeUndefined();
    expect(events.since(6)).toBeUndefined();
    expect(events.since(-1)).toBeUndefined();
  });

  it('keeps the newest window however many events came and went before it', () => {
    const { bus: events } = bus({ events: 3, bytes: 1_000_000 });
    for (let i = 0; i < 1_000; i++) events.emit(reset);
    expect(events.recent().map((event) => event.id)).toEqual([998, 999, 1_000]);
    expect(events.since(998)?.map((event) => event.id)).toEqual([999, 1_000]);
    expect(events.since(996)).toBeUndefined();
  });

  it('on close, tells every subscriber once, drops later events and ends later subscriptions at once', () => {
    const { bus: events } = bus();
    let closed = 0;
    events.subscribe(() => {}, { onClose: () => (closed += 1) });
    events.close();
    events.close();
    expect(closed).toBe(1);
    expect(events.subscriberCount).toBe(0);
    expect(events.emit(reset)).toBeUndefined();
    events.subscribe(() => {}, { onClose: () => (closed += 1) });
    expect(closed).toBe(2);
    expect(events.subscriberCount).toBe(0);
  });
});

describe('events of a store change', () => {
  it('tells a reset first, then payouts, balances, postbacks, cards, sessions and the clock', () => {
    const payout = samplePayout();
    const change = {
      reset: true,
      payouts: [payout],
      balances: { '1': 900, '2': 50 },
      clock: { nowMs: START, realMs: 0, speed: 0 },
      lastPaymentId: 1,
    } satisfies StoreChange;
    expect(eventsOfChange(change)).toEqual([
      { type: 'reset', scope: 'data' },
      { type: 'payout', payout },
      { type: 'balance', merchantId: '1', balanceMinor: 900 },
      { type: 'balance', merchantId: '2', balanceMinor: 50 },
      { type: 'clock', now: '2026-01-15T10:00:00.000Z', speed: 0 },
    ]);
  });

  it('tells what retention forgot as one event, after a reset and before the records', () => {
    const payout = samplePayout({ paymentId: 9 });
    const change = {
      forget: { payouts: [3, 4] },
      payouts: [payout],
      reset: true,
    } satisfies StoreChange;
    expect(eventsOfChange(change)).toEqual([
      { type: 'reset', scope: 'data' },
      { type: 'forgotten', paymentIds: [3, 4] },
      { type: 'payout', payout },
    ]);
    expect(eventsOfChange({ forget: { payouts: [] } })).toEqual([]);
  });
});

describe('connecting the bus', () => {
  function fakeStore(): {
    store: Pick<Store, 'onCommitted'>;
    commit: (change: StoreChange) => void;
  } {
    const listeners = new Set<(change: StoreChange, origin: ChangeOrigin) => void>();
    return {
      store: {
        onCommitted(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      commit: (change) => listeners.forEach((listener) => listener(change, 'here')),
    };
  }

  it('tells journalled requests and a cleared journal, and a clock state only when it moved', () => {
    const { bus: events } = bus();
    const { store, commit } = fakeStore();
    const journal = new MemoryJournal();
    const stop = connectEvents(events, { store, journal });
    const clock = { nowMs: START, realMs: 0, speed: 0 };
    commit({ clock });
    commit({ clock, payouts: [samplePayout()] });
    journal.record({
      at: 'a',
      method: 'POST',
      path: '/api/reg2reg',
      outcome: 'ok',
      reason: 'default',
      ms: 1,
    });
    journal.clear();
    commit({ clock: { ...clock, nowMs: START + 1 } });
    expect(events.recent().map((event) => event.type)).toEqual([
      'clock',
      'payout',
      'request',
      'reset',
      'clock',
    ]);
    expect(events.recent()[3]).toMatchObject({ type: 'reset', scope: 'requests' });
    expect(events.recent()[2]).toMatchObject({ entry: { path: '/api/reg2reg', outcome: 'ok' } });
    stop();
    commit({ payouts: [samplePayout()] });
    expect(events.lastId).toBe(5);
  });
});
