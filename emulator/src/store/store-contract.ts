import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, StoreChange } from './store.js';
import { describeConcurrencyContract } from './store-contract-concurrency.js';
import {
  card,
  cardSession,
  MERCHANT,
  ms,
  openPayout,
  payout,
  postback,
} from './store-contract-records.js';

/**
 * What every Store must do (store.ts), as tests any implementation runs:
 *
 *   describeStoreContract('the PostgreSQL store', async () => {
 *     const store = await openPostgresStore({ url });
 *     return { store, close: () => store.close() };
 *   });
 *
 * `open` opens the same stored data each time it is called (a file, a database), so a test can
 * close and open it again; each test starts with a reset, so earlier tests leave no records
 * (ids go on, as a reset leaves them). Nothing here depends on one engine.
 */
export interface OpenedStore {
  readonly store: Store;
  readonly close: () => Promise<void>;
}

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name}: the Store contract`, () => {
    let opened: OpenedStore[] = [];
    let store: Store;
    const reopen = async (): Promise<Store> => {
      const next = await open();
      opened.push(next);
      return next.store;
    };
    beforeEach(async () => {
      store = await reopen();
      await store.commit({ reset: true });
    });
    const closeAll = async (): Promise<void> => {
      for (const one of opened.reverse()) await one.close();
      opened = [];
    };
    afterEach(closeAll);

    it('reports itself healthy while it can be used', async () => {
      expect(await store.health()).toEqual({ ok: true });
    });

    it('gives back each record exactly as committed, keys in their order', async () => {
      const made = payout(101, {
        destination: { kind: 'payout-page', viewId: 'page-101', backLink: 'http://b.test/' },
      });
      const sent = postback(101, 1);
      const saved = card(7);
      const session = cardSession(102);
      await store.commit({
        payouts: [made],
        postbacks: [sent],
        cards: [saved],
        cardSessions: [session],
        balances: { [MERCHANT]: 5000 },
      });
      expect(JSON.stringify(await store.payout(101))).toBe(JSON.stringify(made));
      expect(JSON.stringify(await store.payoutByView('page-101'))).toBe(JSON.stringify(made));
      expect(JSON.stringify(await store.postback('101-1'))).toBe(JSON.stringify(sent));
      expect(JSON.stringify(await store.card(saved.token))).toBe(JSON.stringify(saved));
      expect(await store.cardById(7)).toEqual(saved);
      expect(JSON.stringify(await store.cardSession(102))).toBe(JSON.stringify(session));
      expect(await store.cardSessionByView(session.viewId)).toEqual(session);
      expect(await store.cardSessions()).toEqual([session]);
      expect(await store.balance(MERCHANT)).toBe(5000);
      expect(await store.balance('nobody')).toBeUndefined();
      expect(await store.payout(999)).toBeUndefined();
      expect(await store.postback('999-1')).toBeUndefined();
      expect(await store.counts()).toEqual({ payouts: 1, postbacks: 1 });
    });

    it('replaces a record when committed again, and keeps balances as given', async () => {
      await store.commit({ payouts: [openPayout(110, '2026-01-01T00:01:00.000Z')] });
      const ended = payout(110, { status: 'ok', updatedAt: '2026-01-01T00:01:00.000Z' });
      await store.commit({ payouts: [ended], balances: { [MERCHANT]: 10, other: 0 } });
      expect(await store.payout(110)).toEqual(ended);
      expect(await store.openPayouts()).toEqual([]);
      expect(await store.balance(MERCHANT)).toBe(10);
      expect(await store.balance('other')).toBe(0);
      await store.commit({ cards: [card(1)] });
      await store.commit({ cards: [card(1, { status: 'deleted', deletedAt: 'x' })] });
      expect((await store.card('card-token-1'))?.status).toBe('deleted');
    });

    it('lists payouts oldest first and finds the newest of an order', async () => {
      await store.commit({ payouts: [payout(203), payout(201), payout(202)] });
      expect((await store.payouts()).map((p) => p.paymentId)).toEqual([201, 202, 203]);
      await store.commit({
        payouts: [
          payout(204, { orderId: 'shared', status: 'error' }),
          payout(205, { orderId: 'shared' }),
        ],
      });
      expect((await store.latestPayoutForOrder(MERCHANT, 'shared'))?.paymentId).toBe(205);
      expect(await store.latestPayoutForOrder('another', 'shared')).toBeUndefined();
    });

    it('filters and pages payouts newest first, with a total and a cursor', async () => {
      await store.commit({
        payouts: [
          payout(301),
          payout(302, { merchantId: 'm-2', status: 'error' }),
          payout(303, {
            method: 'p2p2nonreg',
            destination: { kind: 'card-number', pan: '4111111111111111', hash: '411111XXXXXX1111' },
          }),
          payout(304, {
            method: 'to_iban',
            destination: { kind: 'iban', iban: 'KZ00', name: 'n', iin: '1', bik: 'b' },
          }),
          openPayout(305, '2026-01-01T00:01:00.000Z'),
        ],
      });
      const ids = (list: readonly { paymentId: number }[]): number[] =>
        list.map((p) => p.paymentId);
      expect(ids(await store.payoutSummaries())).toEqual([305, 304, 303, 302, 301]);
      expect(ids(await store.payoutSummaries({ merchantId: 'm-2' }))).toEqual([302]);
      expect(ids(await store.payoutSummaries({ statuses: ['error', 'process'] }))).toEqual([
        305, 302,
      ]);
      expect(ids(await store.payoutSummaries({ method: 'to_iban' }))).toEqual([304]);
      expect(ids(await store.payoutSummaries({ orderId: 'order-301' }))).toEqual([301]);
      expect(ids(await store.payoutSummaries({ paymentId: 303 }))).toEqual([303]);
      // The card filter: a token in any case, a card id, a masked number in any case.
      expect(ids(await store.payoutSummaries({ card: 'TOK-301' }))).toEqual([301]);
      expect(ids(await store.payoutSummaries({ card: '302' }))).toEqual([302]);
      expect(ids(await store.payoutSummaries({ card: '411111xxxxxx1111' }))).toEqual([303]);
      expect(ids(await store.payoutSummaries({ card: '4400-43xx-xxxx-1358' }))).toEqual([
        305, 302, 301,
      ]);
      expect(ids(await store.payoutSummaries({ card: 'KZ00' }))).toEqual([]);
      const summary = (await store.payoutSummaries({ paymentId: 305 }))[0];
      expect(summary?.pendingFinal?.dueAt).toBe('2026-01-01T00:01:00.000Z');
      expect(summary?.updatedAt).toBe('2026-01-01T00:00:05.000Z');

      const first = await store.payoutPage({}, { limit: 2 });
      expect(ids(first.items)).toEqual([305, 304]);
      expect(first).toMatchObject({ total: 5, more: true });
      const second = await store.payoutPage({}, { limit: 2, after: 304 });
      expect(ids(second.items)).toEqual([303, 302]);
      expect(second).toMatchObject({ total: 5, more: true });
      const last = await store.payoutPage({}, { limit: 2, after: 302 });
      expect(ids(last.items)).toEqual([301]);
      expect(last).toMatchObject({ total: 5, more: false });
      const filtered = await store.payoutPage({ merchantId: MERCHANT }, { limit: 10 });
      expect(ids(filtered.items)).toEqual([305, 304, 303, 301]);
      expect(filtered).toMatchObject({ total: 4, more: false });
    });

    it('lists postbacks by payment and sequence, filters and pages them newest first', async () => {
      await store.commit({
        payouts: [payout(401), payout(402)],
        postbacks: [
          postback(401, 1),
          postback(402, 1),
          ...Array.from({ length: 10 }, (_, i) =>
            postback(401, i + 2, i === 9 ? 'pending' : 'failed'),
          ),
        ],
      });
      expect((await store.postbacksOf(401)).map((p) => p.id)).toEqual(
        Array.from({ length: 11 }, (_, i) => `401-${i + 1}`),
      );
      expect((await store.postbacks()).map((p) => p.id).slice(-2)).toEqual(['401-11', '402-1']);
      const summaries = await store.postbackSummaries();
      expect(summaries.slice(0, 3).map((p) => p.id)).toEqual(['402-1', '401-11', '401-10']);
      expect(summaries[0]).toMatchObject({
        paymentId: 402,
        orderId: 'order-402',
        state: 'delivered',
        kind: 'notify',
      });
      expect((await store.postbackSummaries({ state: 'pending' })).map((p) => p.id)).toEqual([
        '401-11',
      ]);
      expect((await store.postbackSummaries({ orderId: 'order-402' })).map((p) => p.id)).toEqual([
        '402-1',
      ]);
      expect(await store.postbackSummaries({ paymentId: 401 })).toHaveLength(11);
      expect((await store.pendingPostbacks()).map((p) => p.id)).toEqual(['401-11']);

      const first = await store.postbackPage({}, { limit: 5 });
      expect(first.items.map((p) => p.id)).toEqual(['402-1', '401-11', '401-10', '401-9', '401-8']);
      expect(first).toMatchObject({ total: 12, more: true });
      const next = await store.postbackPage({}, { limit: 5, after: '401-8' });
      expect(next.items.map((p) => p.id)).toEqual(['401-7', '401-6', '401-5', '401-4', '401-3']);
      const end = await store.postbackPage({}, { limit: 5, after: '401-3' });
      expect(end.items.map((p) => p.id)).toEqual(['401-2', '401-1']);
      expect(end).toMatchObject({ total: 12, more: false });
      const mine = await store.postbackPage({ paymentId: 402 }, { limit: 5 });
      expect(mine).toMatchObject({ total: 1, more: false });
    });

    it('finds due payouts and due postbacks by the sandbox clock', async () => {
      await store.commit({
        payouts: [
          openPayout(501, '2026-01-01T00:01:00.000Z'),
          openPayout(502, '2026-01-01T00:02:00.000Z'),
          payout(503),
        ],
        postbacks: [
          postback(503, 1, 'pending', { dueAt: '2026-01-01T00:01:00.000Z' }),
          postback(503, 2, 'pending', { dueAt: '2026-01-01T00:03:00.000Z' }),
          postback(503, 3, 'delivered'),
        ],
      });
      const at = (iso: string): number => ms(iso);
      expect(
        (await store.duePayouts(at('2026-01-01T00:00:59.999Z'), 10)).map((p) => p.paymentId),
      ).toEqual([]);
      expect(
        (await store.duePayouts(at('2026-01-01T00:01:00.000Z'), 10)).map((p) => p.paymentId),
      ).toEqual([501]);
      expect(
        (await store.duePayouts(at('2026-01-02T00:00:00.000Z'), 10)).map((p) => p.paymentId),
      ).toEqual([501, 502]);
      expect(await store.duePayouts(at('2026-01-02T00:00:00.000Z'), 1)).toHaveLength(1);
      expect(
        (await store.duePostbacks(at('2026-01-01T00:02:00.000Z'), 10)).map((p) => p.id),
      ).toEqual(['503-1']);
      expect(
        (await store.duePostbacks(at('2026-01-02T00:00:00.000Z'), 10)).map((p) => p.id),
      ).toEqual(['503-1', '503-2']);
    });

    it('finds saved cards by owner', async () => {
      await store.commit({
        cards: [card(1), card(2, { userId: 'user-2' }), card(3, { merchantId: 'm-2' })],
      });
      expect((await store.cards()).map((c) => c.id).sort()).toEqual([1, 2, 3]);
      expect(
        (await store.cards({ merchantId: MERCHANT, userId: 'user-1' })).map((c) => c.id),
      ).toEqual([1]);
      expect(await store.cards({ merchantId: 'm-3', userId: 'user-1' })).toEqual([]);
    });

    it('reset clears the records and balances; ids go on', async () => {
      const before = await store.nextPaymentId((last) => last + 1);
      await store.commit({
        payouts: [payout(601)],
        postbacks: [postback(601, 1)],
        cards: [card(601)],
        cardSessions: [cardSession(602)],
        balances: { [MERCHANT]: 1 },
      });
      await store.commit({ reset: true, payouts: [payout(603)] });
      expect((await store.payouts()).map((p) => p.paymentId)).toEqual([603]);
      expect(await store.postbacks()).toEqual([]);
      expect(await store.cards()).toEqual([]);
      expect(await store.cardSessions()).toEqual([]);
      expect(await store.balance(MERCHANT)).toBeUndefined();
      expect(await store.nextPaymentId((last) => last + 1)).toBeGreaterThan(before);
    });

    it('forget takes a payout with its postbacks, page and order; again is harmless', async () => {
      await store.commit({
        payouts: [
          // An older payout of the order, declined: it stays, yet the order is free.
          payout(700, { orderId: 'order-701', status: 'error' }),
          payout(701, { destination: { kind: 'payout-page', viewId: 'page-701', backLink: 'x' } }),
          payout(702),
        ],
        postbacks: [postback(701, 1), postback(701, 2), postback(702, 1)],
        balances: { [MERCHANT]: 77 },
      });
      const forget: StoreChange = { forget: { payouts: [701, 799] } };
      await store.commit(forget);
      await store.commit(forget);
      expect(await store.payout(701)).toBeUndefined();
      expect(await store.payoutByView('page-701')).toBeUndefined();
      expect(await store.latestPayoutForOrder(MERCHANT, 'order-701')).toBeUndefined();
      expect(await store.postbacksOf(701)).toEqual([]);
      expect((await store.postbacks()).map((p) => p.id)).toEqual(['702-1']);
      expect(await store.balance(MERCHANT)).toBe(77);
      expect((await store.payout(700))?.status).toBe('error');
      expect(await store.counts()).toEqual({ payouts: 2, postbacks: 1 });
      const seen = await store.atomically(
        { orders: [{ merchantId: MERCHANT, orderId: 'order-701' }] },
        (view) => ({ result: view.latestPayoutForOrder(MERCHANT, 'order-701') }),
      );
      expect(seen).toBeUndefined();
      // Its order id may be used again.
      await store.commit({ payouts: [payout(703, { orderId: 'order-701' })] });
      expect((await store.latestPayoutForOrder(MERCHANT, 'order-701'))?.paymentId).toBe(703);
    });

    it('tells listeners of each durable change, here', async () => {
      const heard: [StoreChange, string][] = [];
      const stop = store.onCommitted((change, origin) => heard.push([change, origin]));
      store.onCommitted(() => {
        throw new Error('a listener that throws is ignored');
      });
      await store.commit({ payouts: [payout(801)] });
      expect(heard).toHaveLength(1);
      expect(heard[0]?.[1]).toBe('here');
      expect(heard[0]?.[0].payouts?.[0]?.paymentId).toBe(801);
      await store.atomically({ payouts: [802] }, () => ({
        change: { payouts: [payout(802)] },
        result: undefined,
      }));
      expect(heard.map(([change]) => change.payouts?.[0]?.paymentId)).toEqual([801, 802]);
      stop();
      await store.commit({ payouts: [payout(803)] });
      expect(heard).toHaveLength(2);
    });

    it('saves the clock with a commit once it drifts from what was saved', async () => {
      // Twice real speed: restoring any saved state gives another time than the clock's.
      let real = 1_000_000;
      store.followClock(() => ({ nowMs: 5_000_000 + 2 * real, realMs: real, speed: 2 }));
      await store.commit({ payouts: [payout(901)] });
      expect(await store.clockState()).toEqual({ nowMs: 7_000_000, realMs: 1_000_000, speed: 2 });
      real = 1_000_500;
      await store.commit({ payouts: [payout(902)] });
      expect((await store.clockState())?.realMs).toBe(1_000_500);
      const given = { nowMs: 1, realMs: 2, speed: 0 };
      await store.commit({ clock: given });
      expect(await store.clockState()).toEqual(given);
    });

    describeConcurrencyContract({
      current: () => store,
      reopen: async () => (store = await reopen()),
      closeAll,
    });
  });
}
