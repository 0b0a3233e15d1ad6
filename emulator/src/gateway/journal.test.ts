import { describe, expect, it } from 'vitest';
import {
  jsonStringBytes,
  MemoryJournal,
  type JournalEntry,
  type NewJournalEntry,
} from './journal.js';

function entry(n: number, hint = ''): NewJournalEntry {
  return {
    at: '2026-01-15T10:00:00.000Z',
    method: 'POST',
    path: '/api/reg2reg',
    orderId: `order-${n}`,
    outcome: 'ok',
    reason: 'default',
    ...(hint ? { hint } : {}),
    ms: 1,
  };
}

function bytesOf(entries: readonly JournalEntry[]): number {
  return Buffer.byteLength(JSON.stringify(entries));
}

describe('the request journal', () => {
  it('drops the oldest entries first once it holds more bytes than its budget', () => {
    const journal = new MemoryJournal({ entries: 1_000, bytes: 20_000, valueChars: 2_000 });
    for (let i = 1; i <= 100; i++) journal.record(entry(i, 'h'.repeat(1_500)));
    const kept = journal.list();
    expect(bytesOf(kept)).toBeLessThanOrEqual(20_000);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept[0]?.orderId).toBe('order-100');
    // What is kept is the newest, newest first, with nothing missing between.
    const numbers = kept.map((e) => Number(e.orderId?.slice(6)));
    expect(numbers).toEqual(numbers.map((_, i) => 100 - i));
  });

  it('still holds at most its number of entries', () => {
    const journal = new MemoryJournal({ entries: 10, bytes: 1 << 20, valueChars: 2_000 });
    for (let i = 1; i <= 25; i++) journal.record(entry(i));
    expect(journal.list().map((e) => e.orderId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `order-${25 - i}`),
    );
  });

  it('cuts each long value, saying how long it was, without splitting a character', () => {
    const journal = new MemoryJournal({ entries: 10, bytes: 1 << 20, valueChars: 10 });
    journal.record({ ...entry(1, `${'a'.repeat(9)}\u{1F600}${'b'.repeat(450_000)}`) });
    const hint = journal.list()[0]?.hint ?? '';
    expect(hint).toBe(`${'a'.repeat(9)}…(cut, 450011 chars)`);
  });

  it('pages newest first, each page older than the one before, with the total on each', () => {
    const journal = new MemoryJournal({ entries: 10, bytes: 1 << 20, valueChars: 2_000 });
    for (let i = 1; i <= 5; i++) journal.record(entry(i));
    const first = journal.page({ limit: 2 });
    expect(first.entries.map((e) => e.id)).toEqual([5, 4]);
    expect(first).toMatchObject({ total: 5, nextBefore: 4 });
    const second = journal.page({ limit: 2, before: 4 });
    expect(second.entries.map((e) => e.id)).toEqual([3, 2]);
    expect(second).toMatchObject({ total: 5, nextBefore: 2 });
    const last = journal.page({ limit: 2, before: 2 });
    expect(last.entries.map((e) => e.id)).toEqual([1]);
    expect(last.nextBefore).toBeUndefined();
  });

  it('finds an entry by a long order id, cut the same way', () => {
    const journal = new MemoryJournal({ entries: 10, bytes: 1 << 20, valueChars: 10 });
    const long = `order-${'9'.repeat(50)}`;
    journal.record({ ...entry(1), orderId: long });
    journal.record(entry(2));
    expect(journal.list({ orderId: long })).toHaveLength(1);
    expect(journal.list({ orderId: 'order-2' })).toHaveLength(1);
  });

  it('holds to its byte budget exactly, counting each entry as its JSON', () => {
    const odd = entry(1, 'Выплата "ok" \\ \n\u0001 \u{1F600} \uD800 tab\t');
    const exact = Buffer.byteLength(JSON.stringify({ id: 1, ...odd }));
    const fits = new MemoryJournal({ entries: 10, bytes: exact * 2, valueChars: 2_000 });
    fits.record(odd);
    fits.record(odd);
    expect(fits.list()).toHaveLength(2);
    const tight = new MemoryJournal({ entries: 10, bytes: exact * 2 - 1, valueChars: 2_000 });
    tight.record(odd);
    tight.record(odd);
    expect(tight.list()).toHaveLength(1);
  });

  it('pages the newest entries however many were recorded and dropped before them', () => {
    const journal = new MemoryJournal({ entries: 3, bytes: 1 << 20, valueChars: 2_000 });
    for (let i = 1; i <= 1_000; i++) journal.record(entry(i));
    expect(journal.list().map((e) => e.id)).toEqual([1_000, 999, 998]);
    expect(journal.page({ limit: 2, before: 1_000 }).entries.map((e) => e.id)).toEqual([999, 998]);
    expect(journal.list({ orderId: 'order-997' })).toEqual([]);
  });

  it('keeps no field that was given as undefined', () => {
    const journal = new MemoryJournal();
    journal.record({ ...entry(1), merchantId: undefined, paymentId: undefined });
    const [kept] = journal.list();
    expect(kept).toBeDefined();
    expect(Object.keys(kept ?? {})).not.toContain('merchantId');
    expect(Object.keys(kept ?? {})).not.toContain('paymentId');
  });
});

describe('jsonStringBytes', () => {
  it.each([
    '',
    'plain ascii',
    'quote " and backslash \\',
    'controls \b\t\n\f\r \u0000 \u001f \u007f',
    'Кириллица',
    '€ and \uFFFF',
    'a pair \u{1F600} and lone \uD83D or \uDE00 at the end \uD83D',
  ])('is the UTF-8 size of the JSON of %j', (text) => {
    expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
  });
});
