import { appendFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import type { Payout } from '../payouts/payout.js';
import { crashCopy } from '../../test/crash-copy.js';
import { openLowdbStore } from './lowdb-store.js';
import { StoreOpenError } from './store.js';

function payout(paymentId: number, orderId: string, status: Payout['status'] = 'ok'): Payout {
  return samplePayout({ paymentId, orderId, status, history: [] });
}

describe('the lowdb store', () => {
  let file: string;
  beforeEach(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'fp-store-')), 'nested', 'sandbox.json');
  });

  it('creates the data file at once, in a folder it makes', async () => {
    const store = await openLowdbStore({ file });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 4, payouts: {} });
    await store.close();
  });

  it('has a committed change on disk before the commit resolves', async () => {
    const store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a')], balances: { '1': 900 }, lastPaymentId: 1 });
    // Read what a crash right now would leave: the file plus the journal.
    const journal = await readFile(`${file}.journal`, 'utf8');
    expect(journal).toContain('"paymentId":1');
    await store.close();
  });

  it('serves reads from memory at once, before the write completes', async () => {
    const store = await openLowdbStore({ file });
    const written = store.commit({ payouts: [payout(5, 'x')] });
    expect((await store.latestPayoutForOrder('1', 'x'))?.paymentId).toBe(5);
    await written;
    await store.close();
  });

  it('survives a close and reopen with payouts, balances and ids', async () => {
    const first = await openLowdbStore({ file });
    await first.commit({ payouts: [payout(1, 'a')], balances: { '1': 900 }, lastPaymentId: 1 });
    await first.commit({ payouts: [payout(2, 'a', 'error')], lastPaymentId: 2 });
    await first.close();
    const second = await openLowdbStore({ file });
    expect((await second.payout(1))?.orderId).toBe('a');
    expect((await second.latestPayoutForOrder('1', 'a'))?.paymentId).toBe(2);
    expect(await second.balance('1')).toBe(900);
    expect(second.records.lastPaymentId()).toBe(2);
    await second.close();
  });

  it('replays the journal when the process died without closing', async () => {
    const first = await openLowdbStore({ file });
    await first.commit({ payouts: [payout(1, 'a', 'process')], lastPaymentId: 1 });
    await first.commit({ payouts: [payout(1, 'a', 'ok')] });
    // No close(): what a kill -9 now leaves is the data file and the journal as they are.
    const crashed = await crashCopy(file);
    const second = await openLowdbStore({ file: crashed });
    expect((await second.payout(1))?.status).toBe('ok');
    await second.close();
    await first.close();
  });

  it('drops a torn last journal line, warns, and keeps working', async () => {
    const first = await openLowdbStore({ file });
    await first.commit({ payouts: [payout(1, 'a')], lastPaymentId: 1 });
    const crashed = await crashCopy(file);
    await first.close();
    await appendFile(`${crashed}.journal`, '{"payouts":[{"paymentId":2,"mer');
    const warnings: string[] = [];
    const second = await openLowdbStore({ file: crashed, onWarning: (w) => warnings.push(w) });
    expect(warnings.join()).toContain('incomplete last line');
    expect(await second.payout(1)).toBeDefined();
    expect(await second.payout(2)).toBeUndefined();
    await second.commit({ payouts: [payout(3, 'c')] });
    await second.close();
    const third = await openLowdbStore({ file: crashed });
    expect(third.payout(3)).toBeDefined();
    await third.close();
  });

  it('refuses a file that is not a sandbox store and leaves it untouched', async () => {
    const first = await openLowdbStore({ file });
    await first.close();
    await writeFile(file, '{"hello": "world"');
    await expect(openLowdbStore({ file })).rejects.toThrow(StoreOpenError);
    expect(await readFile(file, 'utf8')).toBe('{"hello": "world"');
    await writeFile(file, '{"hello": "world"}');
    await expect(openLowdbStore({ file })).rejects.toThrow(/has no "version": not a sandbox store/);
  });

  it('refuses a journal broken in the middle, naming the line', async () => {
    const first = await openLowdbStore({ file });
    await first.close();
    await writeFile(`${file}.journal`, '{"lastPaymentId":1}\nnot json\n{"lastPaymentId":2}\n');
    await expect(openLowdbStore({ file })).rejects.toThrow(/Line 2 of .*journal/);
  });

  it('folds the journal into the file once it outgrows it, without losing changes', async () => {
    const store = await openLowdbStore({ file, compactionBytes: 1 << 20 });
    const big = 'x'.repeat(4096);
    for (let i = 1; i <= 400; i++) {
      await store.commit({ payouts: [{ ...payout(i, `o${i}`), userId: big }], lastPaymentId: i });
    }
    // 400 changes of ~4 KiB passed the 1 MiB threshold: the journal was emptied at least once.
    expect((await stat(`${file}.journal`)).size).toBeLessThan(1 << 20);
    expect(JSON.parse(await readFile(file, 'utf8')).lastPaymentId).toBeGreaterThan(1);
    await store.close();
    const reopened = await openLowdbStore({ file });
    expect(await reopened.payouts()).toHaveLength(400);
    await reopened.close();
  });

  it('writes one record a line, so no store is too large to write or read back', async () => {
    const store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a'), payout(2, 'b')], balances: { '1': 5 } });
    await store.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^\{"version":4,/);
    expect(lines.at(-1)).toMatch(
      /^"end":\{"payouts":2,"postbacks":0,"cards":0,"cardSessions":0,"settledAt":\d+,"crc32":\d+\}\}$/,
    );
    expect(lines.filter((line) => line.startsWith('"1":') || line.startsWith('"2":'))).toHaveLength(
      2,
    );
    // Still plain JSON for anyone who opens it.
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ balances: { '1': 5 } });
    const reopened = await openLowdbStore({ file });
    expect((await reopened.payout(2))?.orderId).toBe('b');
    await reopened.close();
  });

  it('clears records and balances on a reset, keeps ids going, and survives a restart', async () => {
    const first = await openLowdbStore({ file });
    await first.commit({ payouts: [payout(1, 'a')], balances: { '1': 5 }, lastPaymentId: 1 });
    const seen: unknown[] = [];
    first.onCommitted((change) => seen.push(change));
    await first.commit({ reset: true });
    expect(await first.payout(1)).toBeUndefined();
    expect(await first.latestPayoutForOrder('1', 'a')).toBeUndefined();
    expect(await first.balance('1')).toBeUndefined();
    expect(first.records.lastPaymentId()).toBe(1);
    expect(seen).toEqual([{ reset: true }]);
    const crashed = await crashCopy(file);
    await first.close();
    for (const path of [file, crashed]) {
      const reopened = await openLowdbStore({ file: path });
      expect(await reopened.payouts()).toEqual([]);
      expect(reopened.records.lastPaymentId()).toBe(1);
      await reopened.close();
    }
  });

  it('works without a file, in memory', async () => {
    const store = await openLowdbStore({});
    await store.commit({ payouts: [payout(1, 'a')] });
    expect(await store.payout(1)).toBeDefined();
    await store.close();
  });
});
