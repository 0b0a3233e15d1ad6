import { open, readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { z } from 'zod';
import type { Spot } from './cold.js';
import {
  DataFileError,
  KEY_OF,
  SCHEMA_OF,
  SECTIONS,
  type Section,
  type Sections,
} from './data-file-layout.js';
import { readLines } from './lines.js';
import {
  describeProblems,
  storeDataSchema,
  storeEndSchema,
  storeHeadSchema,
  toStoreData,
} from './schema.js';
import { SettledReader, type SettledEntry } from './settled-index.js';
import type { StoreData } from './store.js';

/**
 * Reading the data file (its layout: data-file.ts): a hand-written or old whole document, or the
 * one-record-a-line layout, from its settled section when the checksum vouches for the file.
 */
export async function readHead(path: string): Promise<string> {
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
export interface ReadResult {
  readonly version: number;
  readonly data: StoreData;
}

export async function readWhole(path: string): Promise<ReadResult> {
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
 * record by record, every record checked: an edited file is never trusted on its summaries,
 * nor one whose section lacks a column this version keeps.
 */
export async function readSettled(path: string, size: number): Promise<Settled | undefined> {
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
  } catch {
    return undefined;
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
export async function readByLines(
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
