import { closeSync, openSync, readSync } from 'node:fs';
import { isFinal, type Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { StringPool } from './intern.js';
import { upgradePayout } from './schema.js';
import type { PayoutSummary, PostbackSummary, StoreChange } from './store.js';

/**
 * Settled records live on disk, not in memory. A payout that reached `ok` or `error`, and a
 * postback that was delivered or gave up, never change again (docs/decisions/0015): the store
 * keeps only what finding them takes (a summary for the lists' filters) and where their latest
 * version is written, the data file's line or the journal's, and reads them back from there
 * when asked. Memory then grows with the records still moving, not with the history: 100,000
 * settled payouts cost a few tens of MB instead of a few hundred.
 */
export interface Spot {
  readonly file: 'data' | 'journal';
  /** Where the line starts, in bytes. */
  readonly offset: number;
  /** The line's bytes, newline included. */
  readonly length: number;
}

/** Mutable: the store points them at the new data file after a fold, and shares strings. */
export type ColdPayout = { -readonly [K in keyof PayoutSummary]: PayoutSummary[K] } & {
  spot: Spot;
};
export type ColdPostback = { -readonly [K in keyof PostbackSummary]: PostbackSummary[K] } & {
  spot: Spot;
};

export function isSettledPayout(payout: Payout): boolean {
  return isFinal(payout.status) && payout.pendingFinal === undefined;
}

export function isSettledPostback(postback: Postback): boolean {
  return postback.state !== 'pending';
}

const READ_AHEAD_BYTES = 1 << 20;

/** Records read back recently: a payout's status is often asked for a few times in a row. */
const CACHE_SIZE = 1_000;

export class ColdRecords {
  readonly payouts = new Map<number, ColdPayout>();
  readonly postbacks = new Map<string, ColdPostback>();
  private readonly cache = new Map<string, Payout | Postback>();
  /** Destinations repeat (the same saved card, the same test number): one object each. */
  private readonly destinations = new Map<string, Payout['destination']>();
  private readonly sharedDestinations = new WeakSet<object>();
  private dataFd: number | undefined;
  /** The data file's bytes last read ahead for a fold (see `readAhead`). */
  private block: { offset: number; length: number; buffer: Buffer } = {
    offset: 0,
    length: 0,
    buffer: Buffer.alloc(0),
  };
  private journalFd: number | undefined;

  constructor(
    private readonly strings: StringPool,
    private readonly files: { readonly data: string; readonly journal: string },
  ) {}

  get size(): number {
    return this.payouts.size + this.postbacks.size;
  }

  /** After the data file was replaced: its records are read from the new one. */
  reopenData(): void {
    if (this.dataFd !== undefined) closeSync(this.dataFd);
    this.dataFd = undefined;
    this.cache.clear();
    this.block = { offset: 0, length: 0, buffer: this.block.buffer };
  }

  close(): void {
    for (const fd of [this.dataFd, this.journalFd]) if (fd !== undefined) closeSync(fd);
    this.dataFd = undefined;
    this.journalFd = undefined;
  }

  /** A settled payout: its summary is copied, the record itself is not kept. */
  addPayout(payout: PayoutSummary, spot: Spot): void {
    this.payouts.set(payout.paymentId, {
      paymentId: payout.paymentId,
      merchantId: this.strings.intern(payout.merchantId),
      orderId: payout.orderId,
      status: payout.status,
      method: payout.method,
      destination: this.destination(payout.destination),
      createdAt: payout.createdAt,
      // Most payouts settle as they are made: one string for both times then.
      updatedAt: payout.updatedAt === payout.createdAt ? payout.createdAt : payout.updatedAt,
      spot,
    });
  }

  /** An entry made for this index (the data file's settled section): kept as it is. */
  adoptPayout(entry: ColdPayout): void {
    entry.merchantId = this.strings.intern(entry.merchantId);
    entry.destination = this.destination(entry.destination);
    if (entry.updatedAt === entry.createdAt) entry.updatedAt = entry.createdAt;
    this.payouts.set(entry.paymentId, entry);
  }

  adoptPostback(entry: ColdPostback): void {
    entry.orderId = this.orderIdOf(entry);
    this.postbacks.set(entry.id, entry);
  }

  addPostback(postback: PostbackSummary, spot: Spot): void {
    this.postbacks.set(postback.id, {
      id: postback.id,
      paymentId: postback.paymentId,
      orderId: this.orderIdOf(postback),
      state: postback.state,
      kind: postback.kind,
      spot,
    });
  }

  /** The payout's copy of the order id when it has the same one: one string, not two. */
  private orderIdOf(postback: PostbackSummary): string {
    const payout = this.payouts.get(postback.paymentId);
    return payout?.orderId === postback.orderId ? payout.orderId : postback.orderId;
  }

  payout(paymentId: number): Payout | undefined {
    const entry = this.payouts.get(paymentId);
    if (!entry) return undefined;
    return this.cached(`p${paymentId}`, () =>
      upgradePayout(this.read(entry.spot, 'payouts', String(paymentId)) as never),
    ) as Payout;
  }

  postback(id: string): Postback | undefined {
    const entry = this.postbacks.get(id);
    if (!entry) return undefined;
    return this.cached(`b${id}`, () => this.read(entry.spot, 'postbacks', id)) as Postback;
  }

  /** The record's line as the data file holds it: `"<key>":{…}` (copied as is when compacting). */
  line(spot: Spot, section: 'payouts' | 'postbacks', key: string): string {
    if (spot.file === 'data') return stripLineEnd(this.readAhead(spot));
    return `${JSON.stringify(key)}:${JSON.stringify(this.read(spot, section, key))}`;
  }

  /**
   * A data-file line for a fold, from a block read ahead: the fold asks for settled lines in
   * file order, so one read of a megabyte serves thousands of them (a read each made a fold of
   * a large store several times slower, and commits wait for it).
   */
  private readAhead(spot: Spot): string {
    const block = this.block;
    const at = spot.offset - block.offset;
    if (block.length > 0 && at >= 0 && at + spot.length <= block.length) {
      return block.buffer.toString('utf8', at, at + spot.length);
    }
    const size = Math.max(READ_AHEAD_BYTES, spot.length);
    const buffer = block.buffer.length >= size ? block.buffer : Buffer.allocUnsafe(size);
    const read = readSync(this.fd('data'), buffer, 0, size, spot.offset);
    this.block = { offset: spot.offset, length: read, buffer };
    // A short read (never at a valid place) is read again in full, as any record is.
    if (read < spot.length) return this.readText(spot);
    return buffer.toString('utf8', 0, spot.length);
  }

  removePayout(paymentId: number): void {
    this.payouts.delete(paymentId);
    this.cache.delete(`p${paymentId}`);
  }

  removePostback(id: string): void {
    this.postbacks.delete(id);
    this.cache.delete(`b${id}`);
  }

  /**
   * Holds the data file open before it is replaced, so that records are read from the file
   * their places point into until the places are moved to the new one.
   */
  holdData(): void {
    try {
      this.fd('data');
    } catch {
      // No data file yet: no place points into one.
    }
  }

  clear(): void {
    this.payouts.clear();
    this.postbacks.clear();
    this.cache.clear();
  }

  private cached(key: string, load: () => unknown): unknown {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const record = load() as Payout | Postback;
    if (this.cache.size >= CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, record);
    return record;
  }

  private read(spot: Spot, section: 'payouts' | 'postbacks', key: string): unknown {
    const text = this.readText(spot);
    if (spot.file === 'data') {
      const entry = JSON.parse(`{${stripLineEnd(text)}}`) as Record<string, unknown>;
      return entry[key];
    }
    // A journal line is a whole change: the record is the one with this key in it.
    const change = JSON.parse(text) as StoreChange;
    const records = (section === 'payouts' ? change.payouts : change.postbacks) ?? [];
    return (records as readonly (Payout | Postback)[]).find((record) =>
      section === 'payouts'
        ? String((record as Payout).paymentId) === key
        : (record as Postback).id === key,
    );
  }

  private readText(spot: Spot): string {
    const fd = this.fd(spot.file);
    const buffer = Buffer.allocUnsafe(spot.length);
    let read = 0;
    while (read < spot.length) {
      const n = readSync(fd, buffer, read, spot.length - read, spot.offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.toString('utf8', 0, read);
  }

  private fd(file: Spot['file']): number {
    if (file === 'data') return (this.dataFd ??= openSync(this.files.data, 'r'));
    return (this.journalFd ??= openSync(this.files.journal, 'r'));
  }

  private destination(destination: Payout['destination']): Payout['destination'] {
    // Entries read from the settled section share their destination objects already.
    if (this.sharedDestinations.has(destination)) return destination;
    const key = JSON.stringify(destination);
    const known = this.destinations.get(key);
    if (known) return known;
    const shared = this.strings.record(destination);
    if (this.destinations.size < 10_000) {
      this.destinations.set(key, shared);
      this.sharedDestinations.add(shared);
    }
    return shared;
  }
}

function stripLineEnd(text: string): string {
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) === 0x2c) end--;
  return text.slice(0, end);
}
