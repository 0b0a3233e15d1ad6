import {
  mkdtemp,
  open as openFile,
  readFile,
  rm,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crashCopy } from '../../test/crash-copy.js';
import { fillDiskOnNextWrite } from '../../test/disk-faults.js';
import { samplePayout } from '../../test/fixtures.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { LowdbRecords } from './lowdb-records.js';
import { openLowdbStore, type LowdbStoreOptions } from './lowdb-store.js';
import { StoreOpenError, StoreWriteError } from './store.js';

function payout(paymentId: number, extra: Partial<Payout> = {}): Payout {
  return samplePayout({
    paymentId,
    orderId: `order-${paymentId}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:05.000Z',
    ...extra,
  });
}

function postback(paymentId: number, n: number, state: Postback['state']): Postback {
  return {
    id: `${paymentId}-${n}`,
    paymentId,
    merchantId: '1',
    orderId: `order-${paymentId}`,
    url: 'http://merchant.test/notify',
    fields: { pg_payment_id: String(paymentId) },
    kind: n === 1 ? 'notify' : 'resend',
    state,
    createdAt: '2026-01-01T00:00:05.000Z',
    attempts:
      state === 'pending' ? [] : [{ at: 'a', salt: 's', sig: 'x', status: 200, durationMs: 1 }],
  };
}

const PAGE: Payout['destination'] = {
  kind: 'payout-page',
  viewId: 'view-7',
  backLink: 'https://merchant.test/back',
};

let dir: string;
let file: string;
let open: LowdbRecords[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-forget-'));
  file = join(dir, 'sandbox.json');
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of open) await store.close().catch(() => {});
  open = [];
  await rm(dir, { recursive: true, force: true });
});

async function openStore(
  path: string | undefined = file,
  options: Partial<LowdbStoreOptions> = {},
): Promise<LowdbRecords> {
  const store = (await openLowdbStore({ file: path, ...options })).records;
  open.push(store);
  return store;
}

/** Payout 1 settled with two postbacks (delivered, failed), payout 2 settled, a card, balances. */
async function twoSettled(store: LowdbRecords): Promise<void> {
  await store.commit({
    payouts: [payout(1), payout(2, { destination: PAGE, method: 'reg2nonreg' })],
    postbacks: [postback(1, 1, 'delivered'), postback(1, 2, 'failed'), postback(2, 1, 'delivered')],
    balances: { '1': 700 },
    lastPaymentId: 2,
  });
}

/** Everything a caller could see of payout 1 and its postbacks being there. */
function seen(store: LowdbRecords, paymentId = 1): Record<string, unknown> {
  return {
    payout: store.payout(paymentId)?.paymentId,
    byOrder: store.latestPayoutForOrder('1', `order-${paymentId}`)?.paymentId,
    postbacks: [1, 2].map((n) => store.postback(`${paymentId}-${n}`)?.state),
    listed: store.payoutSummaries((p) => p.paymentId === paymentId).length,
    postbacksListed: store.postbackSummaries((p) => p.paymentId === paymentId).length,
  };
}

describe('forgetting payouts', () => {
  it('forgets a settled payout on disk with its postbacks and frees its order id; nothing else changes', async () => {
    const store = await openStore();
    await twoSettled(store);
    expect(store.resident()).toEqual({ payouts: 0, postbacks: 0 });
    await store.commit({ forget: { payouts: [1] } });

    expect(seen(store)).toEqual({
      payout: undefined,
      byOrder: undefined,
      postbacks: [undefined, undefined],
      listed: 0,
      postbacksListed: 0,
    });
    expect(store.counts()).toEqual({ payouts: 1, postbacks: 1 });
    expect(store.payout(2)?.paymentId).toBe(2);
    expect(store.balance('1')).toBe(700);
    expect(store.lastPaymentId()).toBe(2);
  });

  it('forgets a payout held in memory, and takes its payout page out of the view index', async () => {
    const store = await openStore();
    await store.commit({
      payouts: [payout(2, { destination: PAGE, method: 'reg2nonreg', status: 'waiting' })],
      postbacks: [postback(2, 1, 'pending')],
    });
    expect(store.resident()).toEqual({ payouts: 1, postbacks: 1 });
    expect(store.payoutByView('view-7')?.paymentId).toBe(2);
    await store.commit({ forget: { payouts: [2] } });
    expect(store.payoutByView('view-7')).toBeUndefined();
    expect(store.payout(2)).toBeUndefined();
    expect(store.postback('2-1')).toBeUndefined();
    expect(store.openPayouts()).toEqual([]);
    expect(store.pendingPostbacks()).toEqual([]);
  });

  it('forgets in a store without a file', async () => {
    const store = await openStore(undefined);
    await twoSettled(store);
    await store.commit({ forget: { payouts: [1, 2] } });
    expect(store.counts()).toEqual({ payouts: 0, postbacks: 0 });
    expect(store.payoutByView('view-7')).toBeUndefined();
    expect(store.latestPayoutForOrder('1', 'order-2')).toBeUndefined();
  });

  it("leaves an order's newest payout found when an older one of the order is forgotten", async () => {
    const store = await openStore();
    await store.commit({
      payouts: [
        payout(1, { orderId: 'same', status: 'error' }),
        payout(2, { orderId: 'same', status: 'ok' }),
      ],
    });
    await store.commit({ forget: { payouts: [1] } });
    expect(store.latestPayoutForOrder('1', 'same')?.paymentId).toBe(2);
    await store.commit({ forget: { payouts: [2] } });
    expect(store.latestPayoutForOrder('1', 'same')).toBeUndefined();
  });

  it('passes over ids it does not hold, and tells listeners what it was given', async () => {
    const store = await openStore();
    await twoSettled(store);
    const told: unknown[] = [];
    store.onCommitted((change) => told.push(change.forget));
    await store.commit({ forget: { payouts: [99, 1, 1] } });
    expect(store.counts()).toEqual({ payouts: 1, postbacks: 1 });
    expect(told).toEqual([{ payouts: [99, 1, 1] }]);
  });

  it('changes nothing anyone can see when its write fails, nor what was committed on top of it', async () => {
    const store = await openStore();
    await twoSettled(store);
    await store.commit({ payouts: [payout(3, { status: 'process' })], lastPaymentId: 3 });
    const before = [seen(store, 1), seen(store, 2), seen(store, 3)];
    const disk = await fillDiskOnNextWrite();
    const forgotten = store.commit({ forget: { payouts: [1, 2, 3] } });
    const onTop = store.commit({ payouts: [payout(4)], lastPaymentId: 4 });
    await expect(forgotten).rejects.toThrow(StoreWriteError);
    await expect(onTop).rejects.toThrow(StoreWriteError);
    disk.restore();

    expect([seen(store, 1), seen(store, 2), seen(store, 3)]).toEqual(before);
    expect(store.payoutByView('view-7')?.paymentId).toBe(2);
    expect(store.counts()).toEqual({ payouts: 3, postbacks: 3 });
    expect(store.payout(1)).toEqual(JSON.parse(JSON.stringify(payout(1))));
    // Still readable from disk, and written by a fold at the clean stop.
    await store.close();
    const again = await openStore();
    expect(again.counts()).toEqual({ payouts: 3, postbacks: 3 });
    expect(again.postback('1-2')?.state).toBe('failed');
  });

  it('is replayed from the journal after a crash, whether the payout was in the data file or the journal', async () => {
    const first = await openStore();
    await twoSettled(first);
    await first.close();
    // Payout 1 is now a line of the data file; payout 3 will be a line of the journal.
    const store = await openStore();
    await store.commit({ payouts: [payout(3)], postbacks: [postback(3, 1, 'delivered')] });
    await store.commit({ forget: { payouts: [1, 3] } });
    const crashed = await openStore(await crashCopy(file));
    expect(seen(crashed, 1)).toMatchObject({ payout: undefined, byOrder: undefined, listed: 0 });
    expect(seen(crashed, 3)).toMatchObject({
      payout: undefined,
      postbacks: [undefined, undefined],
    });
    expect(crashed.counts()).toEqual({ payouts: 1, postbacks: 1 });
    expect(crashed.payoutByView('view-7')?.paymentId).toBe(2);
  });

  it('is no longer written by a fold: the data file keeps only what is left', async () => {
    const store = await openStore(file, { compactionBytes: 1 });
    await twoSettled(store);
    await store.commit({ forget: { payouts: [1] } });
    await store.compact();
    const text = await readFile(file, 'utf8');
    expect(text).not.toMatch(/^"1":/m);
    expect(text).not.toMatch(/^"1-1":/m);
    expect(text).toMatch(/^"2":/m);
    expect(text.trim().split('\n').at(-1)).toMatch(/^"end":\{"payouts":1,"postbacks":1,/);
    await store.close();
    const again = await openStore();
    expect(again.counts()).toEqual({ payouts: 1, postbacks: 1 });
    expect(again.latestPayoutForOrder('1', 'order-1')).toBeUndefined();
  });

  describe('while the journal folds into the data file', () => {
    /**
     * Commits a change that makes the journal outgrow the data file: a fold is then under way.
     * Its longer head moves every record's line in the new file.
     */
    async function startFold(store: LowdbRecords): Promise<void> {
      await store.commit({
        payouts: [payout(3, { userId: 'x'.repeat(50_000) })],
        balances: { '1': 123_456_789, '2': 1 },
        lastPaymentId: 1_000_003,
      });
    }

    it('is written after the fold, so a crash copy has the payout forgotten', async () => {
      const store = await openStore(file, { compactionBytes: 1 });
      await twoSettled(store);
      await startFold(store);
      await store.commit({ forget: { payouts: [1] } });
      expect(await readFile(file, 'utf8')).toMatch(/^"3":/m);
      const crashed = await openStore(await crashCopy(file));
      expect(crashed.payout(1)).toBeUndefined();
      expect(crashed.postback('1-1')).toBeUndefined();
      expect(crashed.payout(3)?.paymentId).toBe(3);
    });

    it('puts the payout back where the fold moved it when its write fails', async () => {
      const handles = await fileHandlePrototype();
      const store = await openStore(file, { compactionBytes: 1 });
      await twoSettled(store);
      await startFold(store);
      // Only the journal syncs with datasync: the fold's own writes go through.
      vi.spyOn(handles, 'datasync').mockRejectedValueOnce(
        Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }),
      );
      await expect(store.commit({ forget: { payouts: [1] } })).rejects.toThrow(StoreWriteError);
      vi.restoreAllMocks();
      expect(await readFile(file, 'utf8')).toMatch(/^"3":/m);
      // Read back from the new data file: the journal that held it was emptied by the fold.
      expect(store.payout(1)).toEqual(JSON.parse(JSON.stringify(payout(1))));
      expect(store.postback('1-2')?.state).toBe('failed');
      expect(store.latestPayoutForOrder('1', 'order-1')?.paymentId).toBe(1);
      await store.close();
      const again = await openStore();
      expect(again.payout(1)?.paymentId).toBe(1);
      expect(again.counts()).toEqual({ payouts: 3, postbacks: 3 });
    });
  });

  it('refuses a journal line whose forget is not a list of payment ids, naming the line', async () => {
    const first = await openStore();
    await first.close();
    await writeFile(`${file}.journal`, '{"lastPaymentId":1}\n{"forget":{"payouts":["1"]}}\n');
    await expect(openLowdbStore({ file })).rejects.toThrow(StoreOpenError);
    await expect(openLowdbStore({ file })).rejects.toThrow(/Line 2 .*forget\.payouts\.0/);
  });
});

describe('the settled summaries keep when a payout last changed', () => {
  it('reads updatedAt back from the settled section after a restart', async () => {
    const first = await openStore();
    await first.commit({ payouts: [payout(1)] });
    await first.close();
    const again = await openStore();
    expect(again.payoutSummaries()[0]).toMatchObject({
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:05.000Z',
    });
  });

  it('reads a layout 4 file written before the column record by record, and writes it again with it', async () => {
    const first = await openStore();
    await first.commit({ payouts: [payout(1), payout(2)], postbacks: [postback(1, 1, 'failed')] });
    await first.close();
    await writeFile(file, withoutUpdatedAt(await readFile(file, 'utf8')));
    expect(await readFile(file, 'utf8')).not.toContain('"2026-01-01T00:00:05.000Z"]');

    const again = await openStore();
    expect(again.payoutSummaries().map((p) => [p.paymentId, p.updatedAt])).toEqual([
      [1, '2026-01-01T00:00:05.000Z'],
      [2, '2026-01-01T00:00:05.000Z'],
    ]);
    expect(again.postback('1-1')?.state).toBe('failed');
    // Written again at start, with the column: the next start reads the summaries.
    expect(await readFile(file, 'utf8')).toContain(',"2026-01-01T00:00:05.000Z"]');
  });
});

/** The prototype of `FileHandle`, whose methods every open file uses. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const probe = await openFile(join(tmpdir(), 'fp-probe-forget'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as FileHandle;
}

/**
 * The data file as the first layout 4 sandboxes wrote it: settled payout rows of nine columns,
 * the checksum over the file as it then was.
 */
function withoutUpdatedAt(text: string): string {
  const lines = text.split('\n');
  const endIndex = lines.findIndex((line) => line.startsWith('"end":'));
  const settledIndex = lines.indexOf('"settled":[');
  for (let i = settledIndex + 1; i < endIndex; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith('{"payouts":')) continue;
    const comma = line.endsWith(',') ? ',' : '';
    const value = JSON.parse(comma ? line.slice(0, -1) : line) as { payouts: unknown[][] };
    value.payouts = value.payouts.map((row) => row.slice(0, 9));
    lines[i] = `${JSON.stringify(value)}${comma}`;
  }
  const before = `${lines.slice(0, endIndex).join('\n')}\n`;
  const end = JSON.parse(lines[endIndex]?.slice('"end":'.length, -1) ?? '{}') as {
    crc32: number;
  };
  end.crc32 = crc32(Buffer.from(before));
  return `${before}"end":${JSON.stringify(end)}}\n`;
}
