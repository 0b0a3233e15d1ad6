import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { LowdbStore } from './lowdb-store-api.js';
import { openLowdbStore } from './lowdb-store.js';

/**
 * The file store's side of the Store contract's newer operations (docs/decisions/0018): locked
 * decisions, id allocation, postback claims, and the structured lists.
 */

function payout(paymentId: number, orderId: string, overrides: Partial<Payout> = {}): Payout {
  return samplePayout({ paymentId, orderId, merchantId: '1', history: [], ...overrides });
}

function postback(id: string, state: Postback['state'], dueAt?: string): Postback {
  const [payment = '0'] = id.split('-');
  return {
    id,
    paymentId: Number(payment),
    merchantId: '1',
    orderId: `order-${payment}`,
    url: 'http://merchant.test/notify',
    fields: { pg_payment_id: payment },
    kind: 'notify',
    state,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...(dueAt !== undefined ? { dueAt } : {}),
    attempts: [],
  };
}

describe('the file store under the Store contract', () => {
  let store: LowdbStore;
  beforeEach(async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'fp-contract-')), 'sandbox.json');
    store = await openLowdbStore({ file });
  });
  afterEach(async () => {
    await store.close();
  });

  it('says what it is: a file, not shared', async () => {
    expect(store.kind).toBe('file');
    expect(store.shared).toBe(false);
    const memory = await openLowdbStore({});
    expect(memory.kind).toBe('memory');
  });

  it('makes one payout of two racing creates with one order id', async () => {
    const create = (paymentId: number): Promise<'created' | 'duplicate'> =>
      store.atomically({ orders: [{ merchantId: '1', orderId: 'race' }] }, (view) =>
        view.latestPayoutForOrder('1', 'race')
          ? { result: 'duplicate' }
          : { change: { payouts: [payout(paymentId, 'race')] }, result: 'created' },
      );
    const results = await Promise.all([create(1), create(2)]);
    expect(results.sort()).toEqual(['created', 'duplicate']);
    expect((await store.payouts()).filter((p) => p.orderId === 'race')).toHaveLength(1);
  });

  it('commits nothing when decide returns no change, and rejects when decide throws', async () => {
    await expect(store.atomically({}, () => ({ result: 42 }))).resolves.toBe(42);
    expect(await store.counts()).toEqual({ payouts: 0, postbacks: 0 });
    await expect(
      store.atomically({}, () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
  });

  it('hands out unique, increasing payment ids under concurrent calls, before any commit', async () => {
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => store.nextPaymentId((last) => last + 7)),
    );
    expect(new Set(ids).size).toBe(50);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // The stored id goes on from the commit's; the allocation is still ahead of it.
    await store.commit({ lastPaymentId: ids[0] });
    expect(await store.nextPaymentId((last) => last + 1)).toBe((ids.at(-1) ?? 0) + 1);
    const cards = await Promise.all([1, 2, 3].map(() => store.nextCardId((last) => last + 1)));
    expect(cards).toEqual([1, 2, 3]);
  });

  it('claims a pending postback, and nothing for a delivered or unknown one', async () => {
    await store.commit({ postbacks: [postback('1-1', 'pending'), postback('1-2', 'delivered')] });
    expect((await store.claimPostback('1-1'))?.id).toBe('1-1');
    expect(await store.claimPostback('1-2')).toBeUndefined();
    expect(await store.claimPostback('9-1')).toBeUndefined();
  });

  it('lists due postbacks and payouts by the sandbox clock', async () => {
    await store.commit({
      postbacks: [
        postback('1-1', 'pending', '2026-01-01T00:00:01.000Z'),
        postback('2-1', 'pending', '2026-01-01T00:00:09.000Z'),
        postback('3-1', 'delivered', '2026-01-01T00:00:01.000Z'),
      ],
      payouts: [
        payout(4, 'p', {
          status: 'process',
          pendingFinal: { status: 'ok', dueAt: '2026-01-01T00:00:02.000Z', reason: 'r' },
        }),
        payout(5, 'q', {
          status: 'process',
          pendingFinal: { status: 'ok', dueAt: '2026-01-01T00:00:30.000Z', reason: 'r' },
        }),
      ],
    });
    const at = Date.parse('2026-01-01T00:00:05.000Z');
    expect((await store.duePostbacks(at, 10)).map((p) => p.id)).toEqual(['1-1']);
    expect((await store.duePayouts(at, 10)).map((p) => p.paymentId)).toEqual([4]);
    expect(await store.duePostbacks(at, 0)).toEqual([]);
  });

  it('pages payouts newest first, with the total, a cursor and whether more follow', async () => {
    await store.commit({
      payouts: [1, 2, 3, 4, 5].map((id) =>
        payout(id, `o${id}`, { status: id % 2 ? 'ok' : 'error' }),
      ),
    });
    const first = await store.payoutPage({}, { limit: 2 });
    expect(first.items.map((p) => p.paymentId)).toEqual([5, 4]);
    expect(first).toMatchObject({ total: 5, more: true });
    const next = await store.payoutPage({}, { limit: 2, after: 4 });
    expect(next.items.map((p) => p.paymentId)).toEqual([3, 2]);
    const last = await store.payoutPage({}, { limit: 2, after: 2 });
    expect(last).toMatchObject({ total: 5, more: false });
    const errors = await store.payoutSummaries({ statuses: ['error'] });
    expect(errors.map((p) => p.paymentId)).toEqual([4, 2]);
    expect((await store.payoutPage({ paymentId: 3 }, { limit: 10 })).total).toBe(1);
  });

  it('pages postbacks newest first by payment, then sequence', async () => {
    await store.commit({
      postbacks: ['1-1', '1-2', '2-1', '10-1'].map((id) => postback(id, 'pending')),
    });
    const page = await store.postbackPage({}, { limit: 3 });
    expect(page.items.map((p) => p.id)).toEqual(['10-1', '2-1', '1-2']);
    expect(page).toMatchObject({ total: 4, more: true });
    const rest = await store.postbackPage({}, { limit: 3, after: '1-2' });
    expect(rest.items.map((p) => p.id)).toEqual(['1-1']);
    expect((await store.postbacksOf(1)).map((p) => p.id)).toEqual(['1-1', '1-2']);
    expect((await store.postbackSummaries({ paymentId: 1 })).map((p) => p.id)).toEqual([
      '1-2',
      '1-1',
    ]);
  });

  it('tells listeners of its own commits as made here', async () => {
    const heard: string[] = [];
    store.onCommitted((change, origin) => heard.push(`${origin}:${change.lastPaymentId ?? ''}`));
    await store.commit({ lastPaymentId: 3 });
    expect(heard).toEqual(['here:3']);
  });
});
