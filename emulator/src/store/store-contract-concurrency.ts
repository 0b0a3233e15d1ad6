import { expect, it } from 'vitest';
import type { Store } from './store.js';
import { MERCHANT, payout, postback } from './store-contract-records.js';

/**
 * The Store contract's checks of what runs at once (store-contract.ts): `atomically` re-checks
 * under its locks, ids never repeat, claims, and what survives closing and opening again.
 */
export interface ContractStores {
  /** The store the test opened (after a reset). */
  current(): Store;
  /** Opens the same stored data again; it becomes `current()`. */
  reopen(): Promise<Store>;
  /** Closes every store the test opened. */
  closeAll(): Promise<void>;
}

export function describeConcurrencyContract(stores: ContractStores): void {
  it('lets one of 50 payouts racing for one order id through', async () => {
    const store = stores.current();
    const order = { merchantId: MERCHANT, orderId: 'race' };
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const paymentId = await store.nextPaymentId((last) => last + 1);
        return store.atomically({ orders: [order], payouts: [paymentId] }, (view) => {
          const taken = view.latestPayoutForOrder(order.merchantId, order.orderId);
          if (taken && taken.status !== 'error') return { result: false };
          return {
            change: { payouts: [payout(paymentId, { orderId: 'race' })], lastPaymentId: paymentId },
            result: true,
          };
        });
      }),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await store.payoutSummaries({ orderId: 'race' })).toHaveLength(1);
  });

  it('never takes a balance below zero with debits at once', async () => {
    const store = stores.current();
    await store.commit({ balances: { [MERCHANT]: 1000 } });
    const debited = await Promise.all(
      Array.from({ length: 30 }, () =>
        store.atomically({ balances: [MERCHANT] }, (view) => {
          const balance = view.balance(MERCHANT) ?? 0;
          if (balance < 100) return { result: false };
          return { change: { balances: { [MERCHANT]: balance - 100 } }, result: true };
        }),
      ),
    );
    expect(debited.filter(Boolean)).toHaveLength(10);
    expect(await store.balance(MERCHANT)).toBe(0);
  });

  it('writes nothing when decide returns no change or throws', async () => {
    const store = stores.current();
    await store.commit({ payouts: [payout(1001)], postbacks: [postback(1001, 1)] });
    const seen = await store.atomically({ payouts: [1001, 1002] }, (view) => ({
      result: [view.payout(1001)?.paymentId, view.payout(1002), view.postbacksOf(1001).length],
    }));
    expect(seen).toEqual([1001, undefined, 1]);
    await expect(
      store.atomically({ payouts: [1002] }, () => {
        throw new Error('decided against it');
      }),
    ).rejects.toThrow('decided against it');
    expect(await store.payout(1002)).toBeUndefined();
    // The keys are free again: a later atomically on them goes through.
    await store.atomically({ payouts: [1002] }, () => ({
      change: { payouts: [payout(1002)] },
      result: undefined,
    }));
    expect(await store.payout(1002)).toBeDefined();
  });

  it('hands out 200 payment ids at once, each once, each after the last', async () => {
    const store = stores.current();
    const start = await store.nextPaymentId((last) => last + 1);
    const lasts: number[] = [];
    const ids = await Promise.all(
      Array.from({ length: 200 }, () =>
        store.nextPaymentId((last) => {
          lasts.push(last);
          return last + 1 + (last % 7);
        }),
      ),
    );
    expect(new Set(ids).size).toBe(200);
    expect(Math.min(...ids)).toBeGreaterThan(start);
    expect(Math.min(...lasts)).toBeGreaterThanOrEqual(start);
    expect(await store.nextPaymentId((last) => last + 1)).toBeGreaterThan(Math.max(...ids));
    const cards = await Promise.all(
      Array.from({ length: 20 }, () => store.nextCardId((last) => last + 1)),
    );
    expect(new Set(cards).size).toBe(20);
  });

  it('claims a pending postback, and nothing else', async () => {
    const store = stores.current();
    await store.commit({
      payouts: [payout(1101)],
      postbacks: [postback(1101, 1, 'pending'), postback(1101, 2, 'delivered')],
    });
    expect((await store.claimPostback('1101-1'))?.id).toBe('1101-1');
    expect(await store.claimPostback('1101-2')).toBeUndefined();
    expect(await store.claimPostback('1199-1')).toBeUndefined();
    // The attempt is recorded: delivered, the claim is over and there is nothing to claim.
    await store.commit({ postbacks: [postback(1101, 1, 'delivered')] });
    expect(await store.claimPostback('1101-1')).toBeUndefined();
    expect(await store.pendingPostbacks()).toEqual([]);
  });

  it('keeps the last ids across closing and opening again, and never lowers them', async () => {
    let store = stores.current();
    const paymentId = await store.nextPaymentId((last) => last + 5);
    await store.commit({ payouts: [payout(paymentId)], lastPaymentId: paymentId });
    const cardId = await store.nextCardId((last) => last + 1);
    await store.commit({ lastCardId: cardId + 100 });
    await stores.closeAll();
    store = await stores.reopen();
    let seen = 0;
    await store.nextPaymentId((last) => (seen = last) + 1);
    expect(seen).toBeGreaterThanOrEqual(paymentId);
    await store.commit({ lastPaymentId: 1 });
    await store.nextPaymentId((last) => (seen = last) + 1);
    expect(seen).toBeGreaterThan(paymentId);
    let seenCard = 0;
    await store.nextCardId((last) => (seenCard = last) + 1);
    expect(seenCard).toBeGreaterThanOrEqual(cardId + 100);
    expect((await store.payout(paymentId))?.paymentId).toBe(paymentId);
  });
}
