import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { writeAll } from './data-file.js';
import { readLines } from './lines.js';
import { describeProblems, storeChangeSchema, upgradePayout } from './schema.js';
import { StoreOpenError, StoreWriteError, type StoreChange } from './store.js';

/**
 * The journal beside the data file (`<file>.journal`): one JSON line per change, fdatasync'd,
 * many requests' changes per sync (group commit). A batch counts as written only when every
 * byte of it is on disk; a batch that is not (a full disk, a short write, a failed sync) is cut
 * off the file again, so the next batch never joins a torn line, and it fails together with
 * every change queued after it: those were made on top of it. See docs/decisions/0003-store.md.
 */
/** Where a line of the journal is: its first byte and its length in bytes, newline included. */
export interface JournalSpot {
  readonly offset: number;
  readonly length: number;
}

export class Journal {
  private queue: {
    line: string;
    rollBack: () => void;
    written: (spot: JournalSpot) => void;
    done: (error?: Error) => void;
  }[] = [];
  private flushing: Promise<void> | undefined;
  /** Bytes of whole, synced lines: where the file is cut back to after a failed batch. */
  private bytes = 0;
  /** A failed batch could not be cut off: the next batch must do it first. */
  private torn = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Folds the journal into the data file; called only when no change is waiting. */
    private readonly compaction: {
      due: (journalBytes: number) => boolean;
      run: () => Promise<void>;
    },
  ) {}

  static async open(
    path: string,
    compaction: { due: (journalBytes: number) => boolean; run: () => Promise<void> },
  ): Promise<Journal> {
    const journal = new Journal(path, await open(path, 'a'), compaction);
    journal.bytes = (await journal.handle.stat()).size;
    return journal;
  }

  /**
   * Resolves once the line is on disk. Just before, `written` is told where the line is (the
   * store reads settled records back from there), synchronously, before the journal can be
   * folded into the data file. If the line never gets to disk, `rollBack` is called (newest
   * change first, synchronously, before anything else can run) and the promise rejects with a
   * `StoreWriteError`.
   */
  append(
    line: string,
    rollBack: () => void,
    written: (spot: JournalSpot) => void = () => {},
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        line: `${line}\n`,
        rollBack,
        written,
        done: (error) => (error ? reject(error) : resolve()),
      });
      this.flushing ??= this.flush();
    });
  }

  /** Waits for the changes already given to settle, written or failed. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Empties the journal once its changes are in the data file. */
  async clear(): Promise<void> {
    await this.handle.truncate(0);
    this.bytes = 0;
    this.torn = false;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const text = batch.map((entry) => entry.line).join('');
      const start = this.bytes;
      try {
        if (this.torn) await this.cutBack();
        await writeAll(this.handle, text);
        await this.handle.datasync();
        this.bytes += Buffer.byteLength(text);
      } catch (error) {
        await this.cutBack().catch(() => {
          this.torn = true;
        });
        const failed = new StoreWriteError(this.path, error);
        // What was queued meanwhile was applied to memory on top of this batch: it fails too.
        const failedEntries = [...batch, ...this.queue];
        this.queue = [];
        for (let i = failedEntries.length - 1; i >= 0; i--) failedEntries[i]?.rollBack();
        for (const entry of failedEntries) entry.done(failed);
        continue;
      }
      let offset = start;
      for (const entry of batch) {
        const length = Buffer.byteLength(entry.line);
        entry.written({ offset, length });
        offset += length;
        entry.done();
      }
      // Only while nothing waits: the data file must hold exactly what is on disk here.
      if (this.queue.length === 0 && this.compaction.due(this.bytes)) {
        await this.compaction.run().catch(() => {
          // The journal still holds every change; the next threshold tries again.
        });
      }
    }
    this.flushing = undefined;
  }

  /** Cuts the file back to its whole lines, and syncs that. */
  private async cutBack(): Promise<void> {
    await this.handle.truncate(this.bytes);
    await this.handle.datasync();
    this.torn = false;
  }
}

/**
 * Applies the journal's lines in order, reading it in pieces (a journal can be larger than the
 * longest string V8 can hold). Every line is checked against the store's schema; a bad one is
 * refused with its number. A torn last line, from a crash in mid-write, is cut off the file: its
 * commit never resolved, so no answer depended on it, and lines appended later must not run
 * into it.
 */
export async function replayJournal(
  journalFile: string,
  apply: (change: StoreChange, spot: JournalSpot) => void,
  warn: (message: string) => void,
): Promise<{ applied: number; bytes: number }> {
  try {
    await stat(journalFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { applied: 0, bytes: 0 };
    throw error;
  }
  let applied = 0;
  let lineNumber = 0;
  let validBytes = 0;
  let torn = false;
  for await (const line of readLines(journalFile)) {
    lineNumber++;
    if (!line.complete) {
      torn = true;
      break;
    }
    validBytes += line.length;
    if (line.text === '') continue;
    apply(parseLine(line.text, lineNumber, journalFile), line);
    applied++;
  }
  if (torn) {
    warn(`ignored an incomplete last line in ${journalFile} (a write cut short by a crash)`);
    await truncate(journalFile, validBytes);
  }
  return { applied, bytes: validBytes };
}

function parseLine(line: string, lineNumber: number, journalFile: string): StoreChange {
  const refuse = (what: string): never => {
    throw new StoreOpenError(
      `Line ${lineNumber} of ${journalFile} ${what}, so the store cannot be rebuilt safely. ` +
        'Fix or remove that line, or move the data file and its journal away.',
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return refuse('is not valid JSON');
  }
  const parsed = storeChangeSchema.safeParse(json);
  if (!parsed.success) return refuse(`is not a store change (${describeProblems(parsed.error)})`);
  const { payouts, ...rest } = parsed.data;
  return payouts ? { ...rest, payouts: payouts.map(upgradePayout) } : rest;
}
