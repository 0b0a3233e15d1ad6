import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crashCopy } from '../../test/crash-copy.js';
import { fillDiskOnNextWrite } from '../../test/disk-faults.js';
import { samplePayout } from '../../test/fixtures.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { LowdbStore } from './lowdb-store-api.js';
import { openLowdbStore } from './lowdb-store.js';
import { StoreOpenError, StoreWriteError, type Store } from './store.js';

function payout(paymentId: number, orderId: string, extra: Partial<Payout> = {}): Payout {
  return samplePayout({ paymentId, orderId, ...extra });
}

function postback(paymentId: number): Postback {
  return {
    id: `${paymentId}-1`,
    paymentId,
    merchantId: '1',
    orderId: 'o',
    url: 'http://127.0.0.1:1/notify',
    fields: { pg_status: 'ok' },
    kind: 'notify',
    state: 'pending',
    createdAt: '2026-01-01T00:00:00.000Z',
    dueAt: '2026-01-01T00:00:03.000Z',
    attempts: [],
  };
}

/** Every line of the journal is a whole JSON line: nothing torn for the next write to join. */
async function journalLines(file: string): Promise<unknown[]> {
  const text = await readFile(`${file}.journal`, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

afterEach(() => {
  vi.restoreAllMocks();
});

let dir: string;
let file: string;
let store: Store | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-faults-'));
  file = join(dir, 'sandbox.json');
});
afterEach(async () => {
  await store?.close().catch(() => {});
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('a write that does not reach the disk', () => {
  it('fails the commit when only part of the line was written, and leaves no torn line', async () => {
    store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a')], lastPaymentId: 1 });
    const disk = await fillDiskOnNextWrite();
    const lost = store.commit({ payouts: [payout(2, 'b', { userId: 'x'.repeat(1800) })] });
    await expect(lost).rejects.toThrow(StoreWriteError);
    await expect(lost).rejects.toThrow(/ENOSPC.*disk is full/);
    disk.restore();
    expect(await journalLines(file)).toHaveLength(1);

    // The next commit is a line of its own, and a restart has exactly the answered ones.
    await store.commit({ payouts: [payout(3, 'c')], lastPaymentId: 3 });
    expect(await journalLines(file)).toHaveLength(2);
    const reopened = await openLowdbStore({ file: await crashCopy(file) });
    expect((await reopened.payouts()).map((p) => p.paymentId)).toEqual([1, 3]);
    await reopened.close();
  });

  it('changes nothing anyone can see: payout, order id, balance, ids and outbox stay as before', async () => {
    store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a')], balances: { '1': 900 }, lastPaymentId: 1 });
    const disk = await fillDiskOnNextWrite();
    const refused = store.commit({
      payouts: [payout(2, 'b'), payout(1, 'a', { status: 'error' })],
      balances: { '1': 800, '2': 5 },
      lastPaymentId: 2,
      postbacks: [postback(2)],
    });
    // Made while the first waited for the disk, on top of it: it goes with it.
    const onTop = store.commit({ payouts: [payout(4, 'd')], lastPaymentId: 4 });
    await expect(refused).rejects.toThrow(StoreWriteError);
    await expect(onTop).rejects.toThrow(StoreWriteError);
    disk.restore();

    expect(await store.payout(2)).toBeUndefined();
    expect(await store.payout(4)).toBeUndefined();
    expect((await store.payout(1))?.status).toBe('ok');
    expect(await store.latestPayoutForOrder('1', 'b')).toBeUndefined();
    expect(await store.balance('1')).toBe(900);
    expect(await store.balance('2')).toBeUndefined();
    expect((store as LowdbStore).records.lastPaymentId()).toBe(1);
    expect(await store.postback('2-1')).toBeUndefined();

    // A clean stop writes what is on disk, not what was refused.
    await store.close();
    store = await openLowdbStore({ file });
    expect(await store.payout(2)).toBeUndefined();
    expect(await store.balance('1')).toBe(900);
  });

  it('leaves no temporary file behind when folding the journal into the data file fails', async () => {
    store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a')], lastPaymentId: 1 });
    const disk = await fillDiskOnNextWrite({ partial: false, writes: 1 });
    await expect(store.close()).rejects.toThrow(/ENOSPC/);
    disk.restore();
    store = undefined;
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // The journal kept the change.
    const reopened = await openLowdbStore({ file });
    expect(await reopened.payout(1)).toBeDefined();
    await reopened.close();
  });
});

describe('a data file that is not whole', () => {
  async function fivePayouts(): Promise<string> {
    const first = await openLowdbStore({ file });
    for (let i = 1; i <= 5; i++) {
      await first.commit({ payouts: [payout(i, `o${i}`)], balances: { '1': 1000 - i } });
    }
    await first.close();
    return readFile(file, 'utf8');
  }

  it('refuses a file cut at a line boundary (head -n 4), and never rewrites it', async () => {
    const whole = await fivePayouts();
    const cut = `${whole.split('\n').slice(0, 4).join('\n')}\n`;
    await writeFile(file, cut);
    await expect(openLowdbStore({ file })).rejects.toThrow(StoreOpenError);
    await expect(openLowdbStore({ file })).rejects.toThrow(/cut short.*Restore it from a copy/);
    expect(await readFile(file, 'utf8')).toBe(cut);
  });

  it('refuses a file whose last line counts records it does not hold', async () => {
    const whole = await fivePayouts();
    const lines = whole.split('\n');
    const dropped = lines.filter((line) => !line.startsWith('"3":')).join('\n');
    await writeFile(file, dropped);
    await expect(openLowdbStore({ file })).rejects.toThrow(
      /counts 5 payouts, 0 postbacks, 0 cards and 0 card sessions, the file holds 4, 0, 0, 0/,
    );
  });

  it('refuses an empty data file beside a journal that holds changes', async () => {
    store = await openLowdbStore({ file });
    await store.commit({ payouts: [payout(1, 'a')], lastPaymentId: 1 });
    const crashed = await crashCopy(file);
    await writeFile(crashed, '');
    await expect(openLowdbStore({ file: crashed })).rejects.toThrow(
      /is empty but its journal .* is not/,
    );
    expect(await readFile(crashed, 'utf8')).toBe('');
  });

  it('takes an empty data file with no journal as a new store', async () => {
    await writeFile(file, '');
    store = await openLowdbStore({ file });
    expect(await store.payouts()).toEqual([]);
  });
});

describe('the shape of what the store reads back', () => {
  it.each([
    ['null', /Line 2 of .*journal is not a store change/],
    ['42', /Line 2 .*not a store change/],
    ['[1,2,3]', /Line 2 .*not a store change/],
    ['{"balances":"x"}', /Line 2 .*balances/],
    ['{"payouts":[{"paymentId":"7"}]}', /Line 2 .*payouts\.0\.paymentId/],
    ['{"surprise":1}', /Line 2 .*not a store change/],
  ])('refuses the journal line %s, naming the line and what is wrong', async (line, message) => {
    const first = await openLowdbStore({ file });
    await first.close();
    await writeFile(`${file}.journal`, `{"lastPaymentId":1}\n${line}\n{"lastPaymentId":2}\n`);
    const before = await readFile(file, 'utf8');
    await expect(openLowdbStore({ file })).rejects.toThrow(message);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each([
    ['null', /holds null, not a sandbox store/],
    ['false', /holds false, not a sandbox store/],
    ['   \n\t', /only white space/],
    ['{"version":1,"payouts":{}}', /lastPaymentId: .*expected number/],
    ['{"version":9,"lastPaymentId":0,"balances":{},"payouts":{}}', /version/],
    ['{"version":2,"lastPaymentId":0,"balances":{},"payouts":{"5":{"paymentId":6}}}', /payouts\.5/],
  ])('refuses the data file %j and leaves it untouched', async (text, message) => {
    await mkdir(dir, { recursive: true });
    await writeFile(file, text);
    await expect(openLowdbStore({ file })).rejects.toThrow(message);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reads a version 1 file as earlier sandboxes wrote it, and rewrites it as version 3', async () => {
    const {
      method: _method,
      destination: _destination,
      balanceAfterMinor: _balance,
      answerSeal: _seal,
      ...common
    } = payout(1, 'a');
    const legacy = {
      ...common,
      cardToken: 'tok',
      cardId: 7,
      cardHash: 'hash',
      answer: { pg_status: 'ok', pg_balance: '990.00', pg_salt: 'answer-salt' },
    };
    const v1 = [
      '{"version":1,"lastPaymentId":1,"balances":{"1":5},',
      '"payouts":{',
      `"1":${JSON.stringify(legacy)}`,
      '},',
      '"postbacks":{',
      '}}',
      '',
    ].join('\n');
    await writeFile(file, v1);
    store = await openLowdbStore({ file });
    expect((await store.payout(1))?.orderId).toBe('a');
    expect((await readFile(file, 'utf8')).split('\n')[0]).toMatch(/^\{"version":4,/);
    // A payout of layout 1 gets its destination, balance and answer salt.
    expect(await store.payout(1)).toMatchObject({
      method: 'reg2reg',
      destination: { kind: 'saved-card', token: 'tok', cardId: 7, hash: 'hash' },
      balanceAfterMinor: 99_000,
      answerSeal: { salt: 'answer-salt' },
    });
  });

  it('refuses a version 1 file cut at a line boundary', async () => {
    await writeFile(
      file,
      `{"version":1,"lastPaymentId":1,"balances":{"1":5},\n"payouts":{\n"1":${JSON.stringify(payout(1, 'a'))}\n`,
    );
    await expect(openLowdbStore({ file })).rejects.toThrow(/cut short/);
  });
});

/**
 * The same faults on a real full disk: a tmpfs of 64 KiB. Mounting needs root (CI runs as root);
 * elsewhere the injected short writes above stand for it.
 */
const canMount = ((): boolean => {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  try {
    execFileSync('mount', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canMount)('on a real, small, full disk (tmpfs)', () => {
  let mountPoint: string;
  beforeEach(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'fp-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
  });
  afterEach(() => {
    execFileSync('umount', ['-l', mountPoint]);
  });

  it('keeps every commit that resolved and none that failed, across a restart', async () => {
    const small = join(mountPoint, 'sandbox.json');
    const first = await openLowdbStore({ file: small, compactionBytes: 1 << 30 });
    const resolved: number[] = [];
    let failures = 0;
    // Each commit is ~1.8 KB, as in the report: the disk fills within a few dozen.
    for (let i = 1; i <= 60 && failures < 3; i++) {
      try {
        await first.commit({ payouts: [payout(i, `o${i}`, { userId: 'u'.repeat(1700) })] });
        resolved.push(i);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreWriteError);
        expect(await first.payout(i)).toBeUndefined();
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
    await journalLines(small);
    // The clean stop cannot fold the journal (the disk is full), but loses nothing.
    await first.close().catch(() => {});
    expect((await readdir(mountPoint)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    execFileSync('mount', ['-o', 'remount,size=1m', mountPoint]);
    const second = await openLowdbStore({ file: small });
    expect((await second.payouts()).map((p) => p.paymentId).sort((a, b) => a - b)).toEqual(
      resolved,
    );
    await second.close();
  });
});
