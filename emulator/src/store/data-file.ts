import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import {
  describeProblems,
  payoutSchema,
  postbackSchema,
  savedCardSchema,
  cardSessionSchema,
  storeDataSchema,
  storeEndSchema,
  storeHeadSchema,
  toStoreData,
} from './schema.js';
import { isSettledPayout, isSettledPostback, type Spot } from './cold.js';
import { readLines } from './lines.js';
import {
  SettledOutdatedError,
  SettledReader,
  SettledWriter,
  type SettledEntry,
  type SettledRecord,
} from './settled-index.js';
import type { PayoutSummary, PostbackSummary, StoreData } from './store.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

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
   * The file last read is whole, but its settled section lacks a column this version keeps
   * (`updatedAt`): it was read record by record, and should be written again at start.
   */
  settledOutdated = false;

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
    this.settledOutdated = false;
    let read: ReadResult;
    if (head.startsWith('{"version":') && /^[^\n]*,\r?\n/.test(head)) {
      const settled = await readSettled(this.path, size);
      this.settledOutdated = settled === 'outdated';
      read = await readByLines(this.path, this.take, settled === 'outdated' ? undefined : settled);
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
/** The layout this version writes (see the comment of `DataFile`). */
export const LAYOUT_VERSION = 4;

const SECTIONS = ['payouts', 'postbacks', 'cards', 'cardSessions'] as const;
export type Section = (typeof SECTIONS)[number];
type Sections = Record<Section, Record<string, unknown>>;

const KEY_OF: Record<Section, (record: never) => string> = {
  payouts: (record: { paymentId: number }) => String(record.paymentId),
  postbacks: (record: { id: string }) => record.id,
  cards: (record: { token: string }) => record.token,
  cardSessions: (record: { paymentId: number }) => String(record.paymentId),
};

const SCHEMA_OF = {
  payouts: payoutSchema,
  postbacks: postbackSchema,
  cards: savedCardSchema,
  cardSessions: cardSessionSchema,
} as const;

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

/** The data file cannot be used as it is; `detail` says where and what. */
export class DataFileError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'DataFileError';
  }
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

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Any other layout (written by hand, pretty-printed): one JSON document, checked whole. */
/** What a read found: the data, and the layout version the file had. */
interface ReadResult {
  readonly version: number;
  readonly data: StoreData;
}

async function readWhole(path: string): Promise<ReadResult> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(
      text.trim() === ''
        ? 'it holds only white space'
        : `it is not JSON (${(error as Error).message})`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DataFileError(`it holds ${JSON.stringify(json)}, not a sandbox store`);
  }
  if (!('version' in json)) throw new DataFileError('it has no "version": not a sandbox store');
  const parsed = storeDataSchema.safeParse(json);
  if (!parsed.success) throw new DataFileError(describeProblems(parsed.error));
  // The schema only checks: the objects JSON.parse made are kept (zod's copies would double
  // the work and the garbage of a large store's start).
  const checked = json as z.output<typeof storeDataSchema>;
  checked.postbacks ??= {};
  checked.cards ??= {};
  checked.cardSessions ??= {};
  const { end } = checked;
  if (end) {
    const held = SECTIONS.map((name) => Object.keys(checked[name] ?? {}).length);
    checkCounts(end, held, 'its "end"');
  }
  checkKeys(checked);
  return { version: checked.version, data: toStoreData(checked) };
}

/** What a layout 4 file's settled section says, once its checksum vouched for the file. */
interface Settled {
  readonly records: readonly SettledEntry[];
  /**
   * Lines not to read again, by offset: the settled records' lines, and the settled section
   * itself (as one run, at `sectionAt`).
   */
  readonly known: ReadonlyMap<number, number>;
  readonly sectionAt: number;
}

/**
 * The settled section of a layout 4 file whose bytes are exactly as written (its CRC-32 over
 * everything before the last line matches). Undefined for any other file, which is then read
 * record by record, every record checked: an edited file is never trusted on its summaries.
 * `outdated` for an intact file whose section predates a column (read record by record too).
 */
async function readSettled(path: string, size: number): Promise<Settled | 'outdated' | undefined> {
  const handle = await open(path, 'r');
  try {
    const tailBytes = Math.min(size, 64 * 1024);
    const tail = Buffer.alloc(tailBytes);
    await handle.read(tail, 0, tailBytes, size - tailBytes);
    const text = tail.toString('utf8');
    const lastLine = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
    if (!lastLine.startsWith('"end":') || !lastLine.endsWith('}}\n')) return undefined;
    const end = storeEndSchema.safeParse(safeJson(lastLine.slice('"end":'.length, -2)));
    if (!end.success || end.data.crc32 === undefined || end.data.settledAt === undefined) {
      return undefined;
    }
    const endAt = size - Buffer.byteLength(lastLine);
    if (end.data.settledAt >= endAt) return undefined;
    let checksum = 0;
    const chunk = Buffer.allocUnsafe(4 << 20);
    for (let at = 0; at < endAt;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, endAt - at), at);
      if (bytesRead === 0) return undefined;
      checksum = crc32(chunk.subarray(0, bytesRead), checksum);
      at += bytesRead;
    }
    if (checksum !== end.data.crc32) return undefined;
    const section = Buffer.alloc(endAt - end.data.settledAt);
    await handle.read(section, 0, section.length, end.data.settledAt);
    const lines = section.toString('utf8').split('\n');
    if (lines[0] !== '"settled":[' || lines.at(-2) !== '],' || lines.at(-1) !== '') {
      return undefined;
    }
    const records: SettledEntry[] = [];
    const reader = new SettledReader((record) => records.push(record));
    for (const line of lines.slice(1, -2)) reader.line(line);
    const known = new Map<number, number>();
    for (const { entry } of records) known.set(entry.spot.offset, entry.spot.length);
    known.set(end.data.settledAt, endAt - end.data.settledAt);
    return { records, known, sectionAt: end.data.settledAt };
  } catch (error) {
    return error instanceof SettledOutdatedError ? 'outdated' : undefined;
  } finally {
    await handle.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The one-record-a-line layout, read without holding the file as one string. Each record is
 * checked, then offered to `take` with where its line is (layout 3 and later: an older one is
 * rewritten at start, and its records must be upgraded first). With `settled` (an intact layout
 * 4 file), the settled records are given to `take` from their summaries and their lines are
 * only counted.
 */
async function readByLines(
  path: string,
  take:
    | {
        record(section: Section, record: never, spot: Spot): boolean;
        settled(record: SettledEntry): void;
      }
    | undefined,
  settled: Settled | undefined,
): Promise<ReadResult> {
  let head: z.output<typeof storeHeadSchema> | undefined;
  const data: Sections = { payouts: {}, postbacks: {}, cards: {}, cardSessions: {} };
  const held: Record<Section, number> = { payouts: 0, postbacks: 0, cards: 0, cardSessions: 0 };
  let section: Section | 'settled' | undefined;
  let end: z.output<typeof storeEndSchema> | undefined;
  let closed = false;
  let lineNumber = 0;
  const fast = take ? settled : undefined;
  if (take && fast) for (const record of fast.records) take.settled(record);
  const fail = (what: string): never => {
    throw new DataFileError(`line ${lineNumber}: ${what}`);
  };
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return fail('is not JSON');
    }
  };
  for await (const { text, offset, length, skipped } of readLines(path, fast?.known)) {
    lineNumber++;
    if (skipped) {
      // Lines the settled section vouched for (with the checksum): counted, not read.
      if (section !== undefined && section !== 'settled') held[section]++;
      else if (offset !== fast?.sectionAt) fail('is not where a record can be');
      continue;
    }
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (closed) {
      if (line.trim() !== '') fail('comes after the end of the store');
      continue;
    }
    if (head === undefined) {
      const parsed = storeHeadSchema.safeParse(json(`${line.slice(0, -1)}}`));
      if (!parsed.success) fail(describeProblems(parsed.error));
      head = parsed.data;
    } else if (section === 'settled') {
      // Summaries of records read from their own lines: nothing here is needed to read them.
      if (line === '],') section = undefined;
    } else if (section === undefined) {
      const opened = SECTIONS.find((name) => line === `${JSON.stringify(name)}:{`);
      if (opened) {
        section = opened;
      } else if (line === '"settled":[' && head.version >= 4) {
        section = 'settled';
      } else if (line.startsWith('"end":') && line.endsWith('}}')) {
        const parsed = storeEndSchema.safeParse(json(line.slice('"end":'.length, -1)));
        if (!parsed.success) fail(describeProblems(parsed.error, 'end'));
        end = parsed.data;
        closed = true;
      } else if (line === '}}' && head?.version === 1) {
        // Version 1 ended with the postbacks' closing brace and had no count.
        closed = true;
      } else {
        fail('is not where a record can be');
      }
    } else if (line === '}' || line === '},' || line === '}}') {
      if (line === '}}') {
        if (head?.version !== 1) fail('closes the store without its "end" line');
        closed = true;
      }
      section = undefined;
    } else {
      const [key, record] = readRecord(
        line.endsWith(',') ? line.slice(0, -1) : line,
        section,
        fail,
        json,
      );
      held[section]++;
      const spot: Spot = { file: 'data', offset, length };
      if (head.version < 3 || !take?.record(section, record, spot)) data[section][key] = record;
    }
  }
  if (!head) throw new DataFileError('it is empty');
  if (!closed) {
    throw new DataFileError(
      `it ends at line ${lineNumber} without the store's last line: the file was cut short`,
    );
  }
  if (head.version !== 1) {
    if (!end) throw new DataFileError('it has no "end" line: the file was cut short');
    checkCounts(
      end,
      SECTIONS.map((name) => held[name]),
      'its "end" line',
    );
  }
  return { version: head.version, data: toStoreData({ ...head, ...data }) };
}

function readRecord(
  text: string,
  section: Section,
  fail: (what: string) => never,
  json: (text: string) => unknown,
): [string, never] {
  const entry = json(`{${text}}`) as Record<string, unknown>;
  const keys = Object.keys(entry);
  if (keys.length !== 1) fail(`holds ${keys.length} records; one a line is expected`);
  const key = keys[0] as string;
  const parsed = SCHEMA_OF[section].safeParse(entry[key]);
  if (!parsed.success) fail(describeProblems(parsed.error, `${section}.${key}`));
  // The schema only checks; the object JSON.parse made is kept (toStoreData upgrades it).
  const record = entry[key] as never;
  const id = KEY_OF[section](record);
  if (id !== key) fail(`${section}.${key} holds the record of ${id}`);
  return [key, record];
}

function checkCounts(
  end: {
    payouts: number;
    postbacks: number;
    cards?: number | undefined;
    cardSessions?: number | undefined;
  },
  held: readonly number[],
  where: string,
): void {
  const counted = [end.payouts, end.postbacks, end.cards ?? 0, end.cardSessions ?? 0];
  if (held.some((n, i) => n !== counted[i])) {
    throw new DataFileError(
      `${where} counts ${counted[0]} payouts, ${counted[1]} postbacks, ${counted[2]} cards and ${counted[3]} card sessions, the file holds ${held.join(', ')}: records are missing`,
    );
  }
}

function checkKeys(data: Partial<Sections>): void {
  for (const name of SECTIONS) {
    for (const [key, record] of Object.entries(data[name] ?? {})) {
      const id = KEY_OF[name](record as never);
      if (id !== key) throw new DataFileError(`${name}.${key} holds the record of ${id}`);
    }
  }
}
