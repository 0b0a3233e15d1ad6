import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
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
import type { StoreData } from './store.js';

/**
 * The lowdb adapter for the store's data file. It writes through a temporary file, synced, then
 * renamed over the old one (and the folder synced): a crash leaves the old file or the new one,
 * never half of either. It writes one record a line, never the whole store as one string (a
 * store of many payouts can be larger than the longest string V8 holds, about 512 MB), and ends
 * with a line that counts the records, so a file cut short anywhere, even at a line boundary, is
 * recognised and refused rather than taken for a smaller store. The file stays plain JSON.
 *
 * Layout (version 3; 2 had no cards section):
 *   {"version":3,"lastPaymentId":…,"lastCardId":…,"balances":{…},"clock":{…},
 *   "payouts":{
 *   "<id>":{…},
 *   },                       (the last record has no comma)
 *   "postbacks":{
 *   …
 *   },
 *   "cards":{
 *   …
 *   },
 *   "end":{"payouts":N,"postbacks":M,"cards":K}}
 */
export class DataFile implements Adapter<StoreData> {
  /** The layout version of the file last read; older ones are rewritten in the current one. */
  readVersion: number | undefined;

  constructor(readonly path: string) {}

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
    const read =
      head.startsWith('{"version":') && /^[^\n]*,\r?\n/.test(head)
        ? await readByLines(this.path)
        : await readWhole(this.path);
    this.readVersion = read.version;
    return read.data;
  }

  async write(data: StoreData): Promise<void> {
    // Taken in the same tick as the call: later changes to memory are not part of this file.
    const snapshot: Snapshot = {
      head: JSON.stringify({
        version: 3,
        lastPaymentId: data.lastPaymentId,
        lastCardId: data.lastCardId,
        balances: data.balances,
        ...(data.clock ? { clock: data.clock } : {}),
      }),
      sections: SECTIONS.map((name) => [name, Object.entries(data[name])]),
    };
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await writeSnapshot(temporary, snapshot);
      await rename(temporary, this.path);
    } catch (error) {
      // A full disk must not leave a half-written temporary file behind.
      await unlink(temporary).catch(() => {});
      throw error;
    }
    await syncFolder(this.path);
  }
}

/** The record sections, in file order, and how a record's key follows from the record. */
const SECTIONS = ['payouts', 'postbacks', 'cards', 'cardSessions'] as const;
type Section = (typeof SECTIONS)[number];
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

interface Snapshot {
  readonly head: string;
  readonly sections: readonly (readonly [Section, [string, unknown][]])[];
}

/** The data file cannot be used as it is; `detail` says where and what. */
export class DataFileError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'DataFileError';
  }
}

async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let chunk = `${snapshot.head.slice(0, -1)},\n`;
    const counts: Record<string, number> = {};
    for (const [name, records] of snapshot.sections) {
      counts[name] = records.length;
      chunk += `${JSON.stringify(name)}:{\n`;
      for (let i = 0; i < records.length; i++) {
        const [key, record] = records[i] as [string, unknown];
        chunk += `${JSON.stringify(key)}:${JSON.stringify(record)}${i < records.length - 1 ? ',' : ''}\n`;
        if (chunk.length > 1 << 20) {
          await writeAll(handle, chunk);
          chunk = '';
        }
      }
      chunk += '},\n';
    }
    chunk += `"end":${JSON.stringify(counts)}}\n`;
    await writeAll(handle, chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes every byte or throws: a short write (a full disk) is an error, not a success. */
export async function writeAll(
  handle: { write(buffer: Buffer): Promise<{ bytesWritten: number }> },
  text: string,
): Promise<void> {
  let buffer = Buffer.from(text);
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
  if (end) checkCounts(end, checked, 'its "end"');
  checkKeys(checked);
  return { version: checked.version, data: toStoreData(checked) };
}

/** The one-record-a-line layout, read without holding the file as one string. */
async function readByLines(path: string): Promise<ReadResult> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  let head: z.output<typeof storeHeadSchema> | undefined;
  const data: Sections = { payouts: {}, postbacks: {}, cards: {}, cardSessions: {} };
  let section: Section | undefined;
  let end: z.output<typeof storeEndSchema> | undefined;
  let closed = false;
  let lineNumber = 0;
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
  for await (const line of lines) {
    lineNumber++;
    if (closed) {
      if (line.trim() !== '') fail('comes after the end of the store');
      continue;
    }
    if (head === undefined) {
      const parsed = storeHeadSchema.safeParse(json(`${line.slice(0, -1)}}`));
      if (!parsed.success) fail(describeProblems(parsed.error));
      head = parsed.data;
    } else if (section === undefined) {
      const opened = SECTIONS.find((name) => line === `${JSON.stringify(name)}:{`);
      if (opened) {
        section = opened;
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
      readRecord(line.endsWith(',') ? line.slice(0, -1) : line, section, data, fail, json);
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
    checkCounts(end, data, 'its "end" line');
  }
  return { version: head.version, data: toStoreData({ ...head, ...data }) };
}

function readRecord(
  text: string,
  section: Section,
  data: Sections,
  fail: (what: string) => never,
  json: (text: string) => unknown,
): void {
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
  data[section][key] = record;
}

function checkCounts(
  end: {
    payouts: number;
    postbacks: number;
    cards?: number | undefined;
    cardSessions?: number | undefined;
  },
  data: Partial<Sections>,
  where: string,
): void {
  const held = SECTIONS.map((name) => Object.keys(data[name] ?? {}).length);
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
