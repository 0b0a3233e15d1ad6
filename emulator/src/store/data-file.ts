import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Adapter } from 'lowdb';
import { isSettledPayout, isSettledPostback, type Spot } from './cold.js';
import { LAYOUT_VERSION, SECTIONS, type Section } from './data-file-layout.js';
import {
  readByLines,
  readHead,
  readSettled,
  readWhole,
  type ReadResult,
} from './data-file-read.js';
import { SettledWriter, type SettledEntry, type SettledRecord } from './settled-index.js';
import type { PayoutSummary, PostbackSummary, StoreData } from './store.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

export { DataFileError, LAYOUT_VERSION, type Section } from './data-file-layout.js';

/**
 * The lowdb adapter for the store's data file. It writes through a temporary file, synced, then
 * renamed over the old one (and the folder synced): a crash leaves the old file or the new one,
 * never half of either. It writes one record a line, never the whole store as one string (a
 * store of many payouts can be larger than the longest string V8 holds, about 512 MB), and ends
 * with a line that counts the records, so a file cut short anywhere, even at a line boundary, is
 * recognised and refused rather than taken for a smaller store. The file stays plain JSON.
 *
 * Layout (version 4; 3 had no settled section and no checksum, 2 no cards section):
 *   {"version":4,"lastPaymentId":…,"lastCardId":…,"balances":{…},"clock":{…},
 *   "payouts":{
 *   "<id>":{…},
 *   },                       (the last record has no comma)
 *   "postbacks":{
 *   …
 *   },
 *   "cards":{
 *   …
 *   },
 *   "settled":[              (settled-index.ts: where each settled record's line is)
 *   …
 *   ],
 *   "end":{"payouts":N,"postbacks":M,"cards":K,"cardSessions":L,"settledAt":…,"crc32":…}}
 */
export class DataFile implements Adapter<StoreData> {
  /** The layout version of the file last read; older ones are rewritten in the current one. */
  readVersion: number | undefined;
  /**
   * The file last read is in the current layout but could not be read from its settled section
   * (its checksum does not match after an edit, or the section lacks what this version keeps):
   * it was read record by record, and is written again at start so the next start is fast.
   */
  readSlowly = false;

  /**
   * @param take offered every checked record of a current-layout file with where its line is;
   *   a record it takes is not kept in the data read (the store keeps settled ones on disk).
   */
  constructor(
    readonly path: string,
    private readonly take?: {
      record(section: Section, record: never, spot: Spot): boolean;
      settled(record: SettledEntry): void;
    },
  ) {}

  /** `null` for a new store (no file, or an empty one); throws `DataFileError` for anything else. */
  async read(): Promise<StoreData | null> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    // An empty file (touched by hand, or made by a volume mount) is a new store; the caller
    // refuses it when a journal says there was data.
    if (size === 0) return null;
    const head = await readHead(this.path);
    this.readSlowly = false;
    let read: ReadResult;
    if (head.startsWith('{"version":') && /^[^\n]*,\r?\n/.test(head)) {
      const settled = await readSettled(this.path, size);
      read = await readByLines(this.path, this.take, settled);
      this.readSlowly = settled === undefined && read.version === LAYOUT_VERSION;
    } else {
      read = await readWhole(this.path);
    }
    this.readVersion = read.version;
    return read.data;
  }

  async write(data: StoreData): Promise<void> {
    await this.writeWith(data, {});
  }

  /**
   * Writes the store: the records in `data`, and the settled ones the store keeps on disk,
   * whose lines `elsewhere` gives (copied as they are, not parsed again). Settled records of
   * `data` get their summaries in the settled section too. Resolves with where each record's
   * line now is, by section and key.
   */
  async writeWith(
    data: StoreData,
    elsewhere: Partial<Record<Section, readonly SnapshotRecord[]>>,
  ): Promise<Map<string, Spot>> {
    // Taken in the same tick as the call: later changes to memory are not part of this file.
    const snapshot: Snapshot = {
      head: JSON.stringify({
        version: LAYOUT_VERSION,
        lastPaymentId: data.lastPaymentId,
        lastCardId: data.lastCardId,
        balances: data.balances,
        ...(data.clock ? { clock: data.clock } : {}),
      }),
      sections: SECTIONS.map((name) => [
        name,
        [
          ...(elsewhere[name] ?? []),
          ...Object.entries(data[name]).map(([key, record]): SnapshotRecord => {
            const summary = settledSummary(name, record);
            return {
              key,
              line: () => `${JSON.stringify(key)}:${JSON.stringify(record)}`,
              ...(summary ? { summary } : {}),
            };
          }),
        ],
      ]),
    };
    const temporary = `${this.path}.${process.pid}.tmp`;
    let spots: Map<string, Spot>;
    try {
      spots = await writeSnapshot(temporary, snapshot);
      await rename(temporary, this.path);
    } catch (error) {
      // A full disk must not leave a half-written temporary file behind.
      await unlink(temporary).catch(() => {});
      throw error;
    }
    await syncFolder(this.path);
    return spots;
  }
}

/** A key of `writeWith`'s answer: the section and the record's key. */
export function spotKey(section: Section, key: string): string {
  return `${section}\u0000${key}`;
}

/** The record sections, in file order, and how a record's key follows from the record. */
/** A payout or postback that is settled is its own summary (the writer picks the fields). */
function settledSummary(
  section: Section,
  record: unknown,
): PayoutSummary | PostbackSummary | undefined {
  if (section === 'payouts' && isSettledPayout(record as Payout)) return record as Payout;
  if (section === 'postbacks' && isSettledPostback(record as Postback)) return record as Postback;
  return undefined;
}

/**
 * Writes a data file from records given one by one (a seeded store of any size, without it all
 * in memory): the layout the sandbox writes, settled section and checksum included. Settled
 * records are recognised by themselves when `summary` is not given.
 */
export async function writeDataFile(
  path: string,
  head: Pick<StoreData, 'lastPaymentId' | 'lastCardId' | 'balances' | 'clock'>,
  sections: Partial<Record<Section, Iterable<SnapshotRecord | readonly [string, unknown]>>>,
): Promise<void> {
  const records = (name: Section): Iterable<SnapshotRecord> => ({
    *[Symbol.iterator]() {
      for (const item of sections[name] ?? []) {
        if (!Array.isArray(item)) {
          yield item as SnapshotRecord;
          continue;
        }
        const [key, record] = item as readonly [string, unknown];
        const summary = settledSummary(name, record);
        yield {
          key,
          line: () => `${JSON.stringify(key)}:${JSON.stringify(record)}`,
          ...(summary ? { summary } : {}),
        };
      }
    },
  });
  await writeSnapshot(path, {
    head: JSON.stringify({ version: LAYOUT_VERSION, ...head }),
    sections: SECTIONS.map((name) => [name, records(name)]),
  });
}

/** A record to write: its key, its line (`"<key>":{…}`), its summary when it is settled. */
export interface SnapshotRecord {
  readonly key: string;
  readonly line: () => string;
  readonly summary?: PayoutSummary | PostbackSummary;
}

interface Snapshot {
  readonly head: string;
  readonly sections: readonly (readonly [Section, Iterable<SnapshotRecord>])[];
}

async function writeSnapshot(path: string, snapshot: Snapshot): Promise<Map<string, Spot>> {
  const spots = new Map<string, Spot>();
  const settled = new SettledWriter();
  const handle = await open(path, 'w');
  try {
    let written = 0;
    let checksum = 0;
    let chunk = '';
    let chunkBytes = 0;
    const add = (text: string): number => {
      const bytes = Buffer.byteLength(text);
      chunk += text;
      chunkBytes += bytes;
      return bytes;
    };
    const flush = async (): Promise<void> => {
      const buffer = Buffer.from(chunk);
      checksum = crc32(buffer, checksum);
      await writeAll(handle, buffer);
      written += chunkBytes;
      chunk = '';
      chunkBytes = 0;
    };
    add(`${snapshot.head.slice(0, -1)},\n`);
    const counts: Record<string, number> = {};
    for (const [name, records] of snapshot.sections) {
      counts[name] = 0;
      add(`${JSON.stringify(name)}:{\n`);
      // One record ahead: every line but the last ends in a comma.
      const iterator = records[Symbol.iterator]();
      let next = iterator.next();
      while (!next.done) {
        const record = next.value;
        next = iterator.next();
        counts[name]++;
        const offset = written + chunkBytes;
        const length = add(`${record.line()}${next.done ? '' : ','}\n`);
        const spot: Spot = { file: 'data', offset, length };
        spots.set(spotKey(name, record.key), spot);
        if (record.summary && (name === 'payouts' || name === 'postbacks')) {
          settled.add({ section: name, summary: record.summary, spot } as SettledRecord);
        }
        if (chunkBytes > 1 << 20) await flush();
      }
      add('},\n');
    }
    const settledAt = written + chunkBytes;
    add('"settled":[\n');
    const lines = settled.lines();
    lines.forEach((line, i) => add(`${line}${i < lines.length - 1 ? ',' : ''}\n`));
    add('],\n');
    await flush();
    const end = { ...counts, settledAt, crc32: checksum };
    await writeAll(handle, Buffer.from(`"end":${JSON.stringify(end)}}\n`));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return spots;
}

/** Writes every byte or throws: a short write (a full disk) is an error, not a success. */
export async function writeAll(
  handle: { write(buffer: Buffer): Promise<{ bytesWritten: number }> },
  text: string | Buffer,
): Promise<void> {
  let buffer = typeof text === 'string' ? Buffer.from(text) : text;
  while (buffer.length > 0) {
    const { bytesWritten } = await handle.write(buffer);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error('the disk took no more bytes'), { code: 'ENOSPC' });
    }
    buffer = buffer.subarray(bytesWritten);
  }
}

/** A rename is only durable once the folder that holds it is synced. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(dirname(path), 'r').catch(() => undefined);
  if (!folder) return;
  try {
    await folder.sync();
  } catch {
    // Some file systems cannot sync a folder; the rename stands all the same.
  } finally {
    await folder.close();
  }
}
