import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import { crashCopy } from '../../test/crash-copy.js';
import type { LowdbRecords } from './lowdb-records.js';
import { openLowdbStore, type LowdbStoreOptions } from './lowdb-store.js';

function payout(paymentId: number, status: Payout['status'] = 'ok'): Payout {
  return samplePayout({
    paymentId,
    orderId: `order-${paymentId}`,
    status,
    request: { pg_order_id: `order-${paymentId}`, pg_description: 'Ünïcode ✓ payout' },
  });
}

function postback(paymentId: number, state: Postback['state']): Postback {
  return {
    id: `${paymentId}-1`,
    paymentId,
    merchantId: '1',
    orderId: `order-${paymentId}`,
    url: 'http://merchant.test/notify',
    fields: { pg_payment_id: String(paymentId), pg_status: 'ok' },
    kind: 'notify',
    state,
    createdAt: 'a',
    attempts:
      state === 'pending' ? [] : [{ at: 'a', salt: 's', sig: 'x', status: 200, durationMs: 1 }],
  };
}

async function open(file: string, options: Partial<LowdbStoreOptions> = {}): Promise<LowdbRecords> {
  return (await openLowdbStore({ file, ...options })).records;
}

/** The records as JSON would give them back: what a read from disk must equal. */
function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('settled records live on disk', () => {
  let file: string;
  beforeEach(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'fp-cold-')), 'sandbox.json');
  });

  it('drops a settled payout and its delivered postback from memory once written, and reads them back whole', async () => {
    const store = await open(file);
    const paid = payout(1);
    const delivered = postback(1, 'delivered');
    await store.commit({ payouts: [paid], postbacks: [delivered], lastPaymentId: 1 });
    expect(store.resident()).toEqual({ payouts: 0, postbacks: 0 });
    expect(store.payout(1)).toEqual(roundTrip(paid));
    expect(store.postback('1-1')).toEqual(roundTrip(delivered));
    expect(store.latestPayoutForOrder('1', 'order-1')?.paymentId).toBe(1);
    expect(store.counts()).toEqual({ payouts: 1, postbacks: 1 });
    await store.close();
  });

  it('keeps what is still moving in memory: a process payout, a pending postback', async () => {
    const store = await open(file);
    await store.commit({ payouts: [payout(1, 'process')], postbacks: [postback(1, 'pending')] });
    expect(store.resident()).toEqual({ payouts: 1, postbacks: 1 });
    expect(store.openPayouts().map((p) => p.paymentId)).toEqual([1]);
    expect(store.pendingPostbacks().map((p) => p.id)).toEqual(['1-1']);
    // It settles: from then on it is read from disk.
    await store.commit({ payouts: [payout(1, 'ok')], postbacks: [postback(1, 'delivered')] });
    expect(store.resident()).toEqual({ payouts: 0, postbacks: 0 });
    expect(store.payout(1)?.status).toBe('ok');
    expect(store.openPayouts()).toEqual([]);
    await store.close();
  });

  it('finds settled records by their summaries without reading them', async () => {
    const store = await open(file);
    for (let id = 1; id <= 5; id++) {
      await store.commit({ payouts: [payout(id, id % 2 === 0 ? 'error' : 'ok')] });
    }
    const errors = store.payoutSummaries((p) => p.status === 'error').map((p) => p.paymentId);
    expect(errors.sort()).toEqual([2, 4]);
    expect(store.postbackSummaries()).toEqual([]);
    await store.close();
  });

  it('moves records from the journal into the data file when it folds, and after a restart', async () => {
    // A tiny fold threshold: the journal is folded into the file every few commits.
    const store = await open(file, { compactionBytes: 2_000 });
    const written: Payout[] = [];
    for (let id = 1; id <= 40; id++) {
      const next = payout(id);
      written.push(roundTrip(next));
      await store.commit({ payouts: [next], postbacks: [postback(id, 'delivered')] });
    }
    for (const expected of written) expect(store.payout(expected.paymentId)).toEqual(expected);
    await store.close();
    expect((await readFile(file, 'utf8')).split('\n').length).toBeGreaterThan(80);

    const again = await open(file);
    expect(again.resident()).toEqual({ payouts: 0, postbacks: 0 });
    for (const expected of written) expect(again.payout(expected.paymentId)).toEqual(expected);
    expect(again.postback('40-1')?.state).toBe('delivered');
    expect(again.counts()).toEqual({ payouts: 40, postbacks: 40 });
    await again.close();
  });

  it('reads settled records from the journal after a crash, before anything folds it', async () => {
    const first = await open(file);
    await first.commit({ payouts: [payout(1)] });
    await first.commit({ payouts: [payout(2, 'process')] });
    const crashed = await crashCopy(file);
    await first.close();
    const second = await open(crashed);
    expect(second.payout(1)).toEqual(roundTrip(payout(1)));
    expect(second.payout(2)?.status).toBe('process');
    await second.close();
  });

  it('forgets settled records on a reset, on disk too', async () => {
    const store = await open(file);
    await store.commit({ payouts: [payout(1)], postbacks: [postback(1, 'delivered')] });
    await store.commit({ reset: true });
    expect(store.payout(1)).toBeUndefined();
    expect(store.counts()).toEqual({ payouts: 0, postbacks: 0 });
    await store.close();
    const again = await open(file);
    expect(again.payout(1)).toBeUndefined();
    await again.close();
  });

  it('takes a settled record back into memory when a change writes it again', async () => {
    const store = await open(file);
    await store.commit({ payouts: [payout(1)] });
    const changed = { ...payout(1), userId: 'someone else' };
    await store.commit({ payouts: [changed] });
    expect(store.payout(1)?.userId).toBe('someone else');
    await store.close();
    const again = await open(file);
    expect(again.payout(1)?.userId).toBe('someone else');
    await again.close();
  });

  it('reads an edited data file record by record: its summaries are not trusted', async () => {
    const first = await open(file);
    await first.commit({ payouts: [payout(1), payout(2)], lastPaymentId: 2 });
    await first.close();
    // A hand edit changes a settled record (and the byte count of its line): the checksum no
    // longer matches, so the file is read the slow way and the record as it now is.
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"userId":"u"', '"userId":"edited by hand"'));
    const second = await open(file);
    expect(second.payout(1)?.userId).toBe('edited by hand');
    expect(second.payout(2)?.orderId).toBe('order-2');
    await second.close();
  });

  it('refuses an edited settled record that is no longer valid, naming its line', async () => {
    const first = await open(file);
    await first.commit({ payouts: [payout(1)], lastPaymentId: 1 });
    await first.close();
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"amountMinor":100', '"amountMinor":"lots"'));
    await expect(open(file)).rejects.toThrow(/line \d+: payouts\.1\.amountMinor/);
  });
});
