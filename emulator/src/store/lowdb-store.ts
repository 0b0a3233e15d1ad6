import { createReadStream } from 'node:fs';
import {
  mkdir,
  open,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { Low, Memory, type Adapter } from 'lowdb';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import { StringPool } from './intern.js';
import {
  emptyStoreData,
  StoreOpenError,
  type Store,
  type StoreChange,
  type StoreData,
} from './store.js';

/**
 * lowdb holds the whole state in memory and writes it as one JSON file. Rewriting that file for
 * every payout would cost O(stored payouts) per request, so each change is first appended to a
 * journal beside it (`<file>.journal`, one JSON line per change, fdatasync'd, many requests'
 * changes per sync: group commit). The JSON file is rewritten only when the journal has grown
 * as large as the file itself, and on close, so the rewrite cost stays proportional to the
 * writes. On open, the journal is replayed over the file. See docs/decisions/0003-store.md.
 */
export interface LowdbStoreOptions {
  /** The JSON file; `undefined` keeps everything in memory (for tests of other projects). */
  readonly file?: string;
  /** Warnings on open (a torn last journal line after a crash); defaults to ignoring them. */
  readonly onWarning?: (message: string) => void;
  /** The journal size below which it is never folded into the file (64 MiB). */
  readonly compactionBytes?: number;
}

/**
 * The journal is folded into the file when it outgrows the file and this floor. Folding writes
 * the whole store (and stops the event loop while it serialises it), so it should be rare: 64 MiB
 * of journal replays in well under a second at start.
 */
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;

export async function openLowdbStore(options: LowdbStoreOptions): Promise<Store> {
  if (options.file === undefined) {
    const db = new Low<StoreData>(new Memory<StoreData>(), emptyStoreData());
    return new LowdbStore(db, undefined);
  }
  const file = options.file;
  try {
    return await openFileStore(file, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof StoreOpenError || code === undefined) throw error;
    throw new StoreOpenError(
      `The data file ${file} cannot be used (${code}: ${(error as Error).message}). Point SANDBOX_DB at a file in a folder this user can write, or fix the folder's permissions.`,
    );
  }
}

async function openFileStore(file: string, options: LowdbStoreOptions): Promise<Store> {
  await mkdir(dirname(file), { recursive: true });
  await lockDataFile(file);
  const db = new Low<StoreData>(new DurableJsonFile(file), emptyStoreData());
  try {
    await db.read();
  } catch (error) {
    throw new StoreOpenError(
      `The data file ${file} is not a sandbox store (${(error as Error).message}). ` +
        'Move it away or point SANDBOX_DB at another file; the sandbox never overwrites it.',
    );
  }
  if (db.data.version !== 1 || typeof db.data.payouts !== 'object') {
    throw new StoreOpenError(
      `The data file ${file} does not look like a sandbox store (no "version": 1). ` +
        'Point SANDBOX_DB at another file; the sandbox never overwrites it.',
    );
  }
  // Create the file at once, so the data file named in the start banner exists.
  if ((await fileSize(file)) === 0) await db.write();
  // Files written before the outbox existed have no postbacks yet.
  db.data.postbacks ??= {};
  const journalFile = `${file}.journal`;
  const replay = await replayJournal(journalFile, db.data, options.onWarning ?? (() => {}));
  const journal = await Journal.open(
    journalFile,
    db,
    options.compactionBytes ?? MIN_COMPACTION_BYTES,
  );
  const store = new LowdbStore(db, journal);
  // Fold the journal into the file now, so the next start reads one file. If that fails (a full
  // disk), the journal still holds everything and the sandbox goes on with it.
  if (replay.applied > 0) {
    await journal.compact().catch((error: unknown) => {
      options.onWarning?.(
        `could not fold ${journalFile} into ${file} (${(error as Error).message}); the journal keeps every change`,
      );
    });
  }
  return store;
}

class LowdbStore implements Store {
  private readonly byOrder = new Map<string, number>();
  private readonly strings = new StringPool();

  constructor(
    private readonly db: Low<StoreData>,
    private readonly journal: Journal | undefined,
  ) {
    // What JSON.parse gave every record separately is shared from here on (see intern.ts).
    for (const [id, payout] of Object.entries(db.data.payouts)) {
      const shared = this.strings.payout(payout);
      db.data.payouts[id] = shared;
      this.index(shared);
    }
    for (const [id, postback] of Object.entries(db.data.postbacks)) {
      db.data.postbacks[id] = this.strings.postback(postback);
    }
  }

  payout(paymentId: number): Payout | undefined {
    return this.db.data.payouts[paymentId];
  }

  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined {
    const paymentId = this.byOrder.get(orderKey(merchantId, orderId));
    return paymentId === undefined ? undefined : this.payout(paymentId);
  }

  payouts(): Iterable<Payout> {
    return Object.values(this.db.data.payouts);
  }

  balance(merchantId: string): number | undefined {
    return this.db.data.balances[merchantId];
  }

  lastPaymentId(): number {
    return this.db.data.lastPaymentId;
  }

  postback(id: string): Postback | undefined {
    return this.db.data.postbacks[id];
  }

  postbacks(): Iterable<Postback> {
    return Object.values(this.db.data.postbacks);
  }

  commit(change: StoreChange): Promise<void> {
    const line = this.journal ? JSON.stringify(change) : '';
    applyChange(this.db.data, {
      ...change,
      ...(change.payouts ? { payouts: change.payouts.map((p) => this.strings.payout(p)) } : {}),
      ...(change.postbacks
        ? { postbacks: change.postbacks.map((p) => this.strings.postback(p)) }
        : {}),
    });
    for (const payout of change.payouts ?? []) this.index(payout);
    return this.journal ? this.journal.append(line) : Promise.resolve();
  }

  async close(): Promise<void> {
    await this.journal?.close();
    if (this.journal) await unlockDataFile(this.journal.dataFile);
  }

  private index(payout: Payout): void {
    const key = orderKey(payout.merchantId, payout.orderId);
    const current = this.byOrder.get(key);
    if (current === undefined || current <= payout.paymentId)
      this.byOrder.set(key, payout.paymentId);
  }
}

function orderKey(merchantId: string, orderId: string): string {
  return `${merchantId}\u0000${orderId}`;
}

function applyChange(data: StoreData, change: StoreChange): void {
  for (const payout of change.payouts ?? []) data.payouts[payout.paymentId] = payout;
  for (const postback of change.postbacks ?? []) data.postbacks[postback.id] = postback;
  Object.assign(data.balances, change.balances);
  if (change.lastPaymentId !== undefined && change.lastPaymentId > data.lastPaymentId) {
    data.lastPaymentId = change.lastPaymentId;
  }
}

/**
 * Applies the journal's lines over the file's state, reading it in pieces (a journal can be
 * larger than the longest string V8 can hold). A torn last line, from a crash in mid-write, is
 * cut off the file: its commit never resolved, so no answer depended on it, and lines appended
 * later must not run into it.
 */
async function replayJournal(
  journalFile: string,
  data: StoreData,
  warn: (message: string) => void,
): Promise<{ applied: number }> {
  let stream;
  try {
    await stat(journalFile);
    stream = createReadStream(journalFile, { encoding: 'utf8', highWaterMark: 1 << 20 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { applied: 0 };
    throw error;
  }
  let applied = 0;
  let lineNumber = 0;
  let pending = '';
  let validBytes = 0;
  for await (const chunk of stream) {
    const lines = (pending + (chunk as string)).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      lineNumber++;
      validBytes += Buffer.byteLength(line) + 1;
      if (line === '') continue;
      let change: StoreChange;
      try {
        change = JSON.parse(line) as StoreChange;
      } catch {
        throw new StoreOpenError(
          `Line ${lineNumber} of ${journalFile} is not valid JSON, so the store cannot be rebuilt ` +
            'safely. Fix or remove that line, or move the data file and its journal away.',
        );
      }
      applyChange(data, change);
      applied++;
    }
  }
  if (pending !== '') {
    warn(`ignored an incomplete last line in ${journalFile} (a write cut short by a crash)`);
    await truncate(journalFile, validBytes);
  }
  return { applied };
}

/** Appends change lines with group commit; rewrites the lowdb file when the journal is large. */
class Journal {
  private queue: { line: string; done: (error?: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private bytes = 0;
  private snapshotBytes = 0;

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private readonly db: Low<StoreData>,
    private readonly floorBytes: number,
  ) {}

  /** The JSON file this journal belongs to. */
  get dataFile(): string {
    return this.path.replace(/\.journal$/, '');
  }

  static async open(path: string, db: Low<StoreData>, floorBytes: number): Promise<Journal> {
    const journal = new Journal(path, await open(path, 'a'), db, floorBytes);
    journal.bytes = (await journal.handle.stat()).size;
    journal.snapshotBytes = await fileSize(path.replace(/\.journal$/, ''));
    return journal;
  }

  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${line}\n`, done: (error) => (error ? reject(error) : resolve()) });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const text = batch.map((entry) => entry.line).join('');
      try {
        await this.handle.write(text);
        await this.handle.datasync();
        this.bytes += Buffer.byteLength(text);
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error as Error);
      }
      if (this.bytes > Math.max(this.floorBytes, this.snapshotBytes)) {
        await this.compact().catch(() => {
          // The journal still holds every change; the next threshold tries again.
        });
      }
    }
    this.flushing = undefined;
  }

  /**
   * Writes the whole state through lowdb, then empties the journal. A crash between the two only
   * means the journal is replayed over a file that already has its changes: harmless, since
   * changes are whole records.
   */
  async compact(): Promise<void> {
    await this.db.write();
    await this.handle.truncate(0);
    this.bytes = 0;
    this.snapshotBytes = await fileSize(this.path.replace(/\.journal$/, ''));
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.compact();
    await this.handle.close();
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * One sandbox per data file: two writing one journal would interleave their changes and each
 * fold its own memory over the other's. The lock names the process that holds it; a lock whose
 * process is gone (killed with -9) is taken over.
 */
async function lockDataFile(file: string): Promise<void> {
  const lock = `${file}.lock`;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    if (holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new StoreOpenError(
        `The data file ${file} is in use by another sandbox (pid ${holder}). Stop it, or give this one another SANDBOX_DB.`,
      );
    }
    await unlink(lock).catch(() => {});
  }
}

async function unlockDataFile(file: string): Promise<void> {
  await unlink(`${file}.lock`).catch(() => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lowdb adapter for the store's JSON. It writes the file through a temporary one, synced, then
 * renamed over the old one: a crash leaves either the old file or the new one, never half of
 * either. It writes one record a line, never the whole store as one string, and reads that layout
 * back line by line: a store of many payouts can be larger than the longest string V8 can hold
 * (about 512 MB). The file stays plain JSON; any other JSON layout is read whole.
 */
class DurableJsonFile implements Adapter<StoreData> {
  constructor(private readonly path: string) {}

  async read(): Promise<StoreData | null> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    // An empty file (touched by hand, or made by a tool) is a new store, not a broken one.
    if (size === 0) return null;
    const head = await readHead(this.path);
    if (head.startsWith(LAYOUT_MARK)) return readByLines(this.path);
    const text = await readFile(this.path, 'utf8');
    return text.trim() === '' ? null : (JSON.parse(text) as StoreData);
  }

  async write(data: StoreData): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      const { payouts, postbacks, ...rest } = data;
      let chunk = `${JSON.stringify(rest).slice(0, -1)},\n`;
      const flushIfLarge = async (): Promise<void> => {
        if (chunk.length > 1 << 20) {
          await handle.write(chunk);
          chunk = '';
        }
      };
      for (const [name, records] of [
        ['payouts', payouts],
        ['postbacks', postbacks],
      ] as const) {
        chunk += `${JSON.stringify(name)}:{\n`;
        const entries = Object.entries(records);
        for (let i = 0; i < entries.length; i++) {
          const [key, record] = entries[i] as [string, unknown];
          chunk += `${JSON.stringify(key)}:${JSON.stringify(record)}${i < entries.length - 1 ? ',' : ''}\n`;
          await flushIfLarge();
        }
        chunk += name === 'payouts' ? '},\n' : '}}\n';
      }
      await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, this.path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  }
}

/** How a file written by DurableJsonFile begins. */
const LAYOUT_MARK = '{"version":';

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Reads the one-record-a-line layout without holding the file as one string. */
async function readByLines(path: string): Promise<StoreData> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  let data: StoreData | undefined;
  let section: 'payouts' | 'postbacks' | undefined;
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber++;
    const line = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    if (data === undefined) {
      if (!raw.endsWith(',')) {
        // Written by hand or by another tool as one line: plain JSON.
        return JSON.parse(raw) as StoreData;
      }
      data = { ...(JSON.parse(`${line}}`) as StoreData), payouts: {}, postbacks: {} };
    } else if (line === '"payouts":{' || line === '"postbacks":{') {
      section = line.startsWith('"payouts"') ? 'payouts' : 'postbacks';
    } else if (line === '}' || line === '}}' || line === '') {
      section = undefined;
    } else if (section !== undefined) {
      const entry = JSON.parse(`{${line}}`) as Record<string, never>;
      Object.assign(data[section], entry);
    } else {
      throw new Error(`line ${lineNumber} is not where a record can be`);
    }
  }
  if (!data) throw new Error('the file is empty');
  return data;
}
