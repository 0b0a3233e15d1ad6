import pg, { type Pool } from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresJournal } from '../src/gateway/journal-postgres.js';
import {
  MemoryJournal,
  type JournalChange,
  type JournalLimits,
  type NewJournalEntry,
  type RequestJournal,
} from '../src/gateway/journal.js';
import { openPostgres } from '../src/store/postgres/migrate.js';
import { noPostgres, useTestDatabase } from './postgres.js';

/**
 * The request journal (gateway/journal.ts) in memory and in PostgreSQL: the same bounds, filters
 * and pages; and in PostgreSQL, several processes (pools) on one database keep one journal
 * (issue 16).
 */

function entry(n: number, extra: Partial<NewJournalEntry> = {}): NewJournalEntry {
  return {
    at: '2026-01-15T10:00:00.000Z',
    method: 'POST',
    path: '/api/reg2reg',
    merchantId: '1',
    orderId: `order-${n}`,
    outcome: 'ok',
    reason: 'default',
    ms: 1,
    ...extra,
  };
}

const roomy: JournalLimits = { entries: 10, bytes: 1 << 20, valueChars: 2_000 };

function contract(name: string, make: (limits: JournalLimits) => Promise<RequestJournal>): void {
  describe(name, () => {
    it('lists newest first, by order, merchant, path and outcome word', async () => {
      const journal = await make(roomy);
      journal.record(entry(1, { outcome: 'error 10000' }));
      journal.record(entry(2, { path: '/g2g/reg2reg', merchantId: '2' }));
      journal.record(entry(3, { outcome: 'error 1100' }));
      expect((await journal.list()).map((e) => e.orderId)).toEqual([
        'order-3',
        'order-2',
        'order-1',
      ]);
      expect((await journal.list({ orderId: 'order-2' })).map((e) => e.path)).toEqual([
        '/g2g/reg2reg',
      ]);
      expect(await journal.list({ merchantId: '2' })).toHaveLength(1);
      expect(await journal.list({ path: '/api/reg2reg' })).toHaveLength(2);
      expect((await journal.list({ outcome: 'error' })).map((e) => e.outcome)).toEqual([
        'error 1100',
        'error 10000',
      ]);
      expect(await journal.list({ outcome: 'error 100' })).toEqual([]);
    });

    it('pages back one cursor at a time, with the total on each page', async () => {
      const journal = await make(roomy);
      for (let i = 1; i <= 5; i++) journal.record(entry(i));
      const first = await journal.page({ limit: 2 });
      const [newest] = first.entries;
      const ids = (await journal.list()).map((e) => e.id);
      expect(first.entries.map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(first).toMatchObject({ total: 5, nextBefore: ids[1] });
      const second = await journal.page({ limit: 2, before: first.nextBefore });
      expect(second.entries.map((e) => e.id)).toEqual(ids.slice(2, 4));
      const last = await journal.page({ limit: 2, before: second.nextBefore });
      expect(last.entries.map((e) => e.id)).toEqual(ids.slice(4));
      expect(last.nextBefore).toBeUndefined();
      expect(newest).toEqual({ id: newest?.id, ...entry(5) });
    });

    it('keeps the newest entries within its count and byte bounds, the newest always', async () => {
      const counted = await make({ entries: 3, bytes: 1 << 20, valueChars: 2_000 });
      for (let i = 1; i <= 7; i++) counted.record(entry(i));
      expect((await counted.list()).map((e) => e.orderId)).toEqual([
        'order-7',
        'order-6',
        'order-5',
      ]);
      await counted.clear();
      const one = JSON.stringify({ id: 100, ...entry(1, { hint: 'h'.repeat(500) }) }).length;
      const sized = await make({ entries: 100, bytes: one * 2 + 20, valueChars: 2_000 });
      for (let i = 1; i <= 6; i++) sized.record(entry(i, { hint: 'h'.repeat(500) }));
      expect((await sized.list()).map((e) => e.orderId)).toEqual(['order-6', 'order-5']);
      const huge = await make({ entries: 100, bytes: 10, valueChars: 2_000 });
      huge.record(entry(1));
      expect(await huge.list()).toHaveLength(1);
    });

    it('cuts long values, and finds an entry by its long order id cut the same way', async () => {
      const journal = await make({ ...roomy, valueChars: 10 });
      const long = `order-${'9'.repeat(50)}`;
      journal.record(entry(1, { orderId: long, hint: 'x'.repeat(30) }));
      const [kept] = await journal.list({ orderId: long });
      expect(kept?.hint).toBe(`${'x'.repeat(10)}…(cut, 30 chars)`);
    });

    it('clears, saying how many it held, and numbers on after the clear', async () => {
      const journal = await make(roomy);
      journal.record(entry(1));
      journal.record(entry(2));
      const [before] = await journal.list();
      expect(await journal.clear()).toBe(2);
      expect(await journal.list()).toEqual([]);
      journal.record(entry(3));
      const [after] = await journal.list();
      expect(after?.id).toBeGreaterThan(before?.id ?? Infinity);
    });

    it('tells listeners of each entry and of a clear', async () => {
      const journal = await make(roomy);
      const heard: JournalChange[] = [];
      journal.onChange((change) => heard.push(change));
      journal.record(entry(1));
      await journal.list();
      await journal.clear();
      expect(heard).toMatchObject([
        { type: 'record', entry: { orderId: 'order-1' } },
        { type: 'clear' },
      ]);
    });
  });
}

contract('the in-memory request journal', (limits) => Promise.resolve(new MemoryJournal(limits)));

describe.skipIf(noPostgres())('the request journal in PostgreSQL', () => {
  const db = useTestDatabase();
  const pools: Pool[] = [];
  const errors: unknown[] = [];
  const open = async (): Promise<Pool> => {
    const { pool } = await openPostgres(db.url, { poolSize: 4 });
    pools.push(pool);
    return pool;
  };
  const journal = async (limits: JournalLimits = roomy): Promise<PostgresJournal> =>
    new PostgresJournal(await open(), { limits, onError: (error) => errors.push(error) });
  beforeEach(async () => {
    errors.length = 0;
    await (await journal()).clear();
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  contract('one process', journal);

  it('lists the entries of two processes as one journal, and a clear on one empties both', async () => {
    const [a, b] = [await journal(), await journal()];
    a.record(entry(1));
    await a.list();
    b.record(entry(2));
    await b.list();
    a.record(entry(3));
    expect((await a.list()).map((e) => e.orderId)).toEqual(['order-3', 'order-2', 'order-1']);
    expect((await b.page({ orderId: 'order-3' })).total).toBe(1);
    expect(await b.clear()).toBe(3);
    expect(await a.list()).toEqual([]);
  });

  it("leaves the connection's commits waiting for the disk, as the store's must", async () => {
    const { pool } = await openPostgres(db.url, { poolSize: 1 });
    pools.push(pool);
    const one = new PostgresJournal(pool, { onError: (error) => errors.push(error) });
    one.record(entry(1));
    expect(await one.list()).toHaveLength(1);
    const { rows } = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    expect(rows[0]?.synchronous_commit).toBe('on');
  });

  it('keeps a value with NUL or a lone surrogate, and finds it by that value', async () => {
    const a = await journal();
    const odd = 'nul\u0000 and \uD800 lone';
    a.record(entry(1, { orderId: odd, hint: odd }));
    const [kept] = await a.list({ orderId: odd });
    expect(kept?.hint).toBe(odd);
    expect(errors).toEqual([]);
  });

  it('never throws from record when the database is gone: the failure goes to onError', async () => {
    const closed = new pg.Pool({ connectionString: db.url });
    await closed.end();
    const gone = new PostgresJournal(closed, { onError: (error) => errors.push(error) });
    expect(() => gone.record(entry(1))).not.toThrow();
    await expect(gone.list()).rejects.toThrow();
    expect(errors).toHaveLength(1);
  });

  it('keeps what the in-memory journal keeps batch after batch past its bounds, another process writing in between', async () => {
    const limits: JournalLimits = { entries: 7, bytes: 2_600, valueChars: 2_000 };
    const here = await journal(limits);
    const there = await journal(limits);
    const memory = new MemoryJournal(limits);
    for (let n = 1; n <= 60; n++) {
      // Mostly this process; now and then the other. Sizes vary far more than an id's digits.
      const writer = n % 9 === 0 ? there : here;
      for (let k = 0; k < 1 + (n % 3); k++) {
        const made = entry(n * 10 + k, { reason: 'r'.repeat((n * 37 + k * 101) % 500) });
        writer.record(made);
        memory.record(made);
      }
      await writer.settled();
      const orders = (list: { orderId?: string }[]): (string | undefined)[] =>
        list.map((kept) => kept.orderId);
      expect(orders(await here.list()), `after batch ${n}`).toEqual(orders(memory.list()));
    }
    expect(errors).toEqual([]);
  });
});
