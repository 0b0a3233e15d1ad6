import { open } from 'node:fs/promises';

/** A line of a file: its text (no newline), where it starts and its length in bytes. */
export interface FileLine {
  readonly text: string;
  readonly offset: number;
  /** Bytes, the newline included when there is one. */
  readonly length: number;
  /** False for a last line the file ends in without a newline (a write cut short). */
  readonly complete: boolean;
  /** A line the caller said it knows (`skip`): not read, its text is empty. */
  readonly skipped?: true;
}

const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file, read in pieces with their byte offsets: the store remembers where each
 * settled record is, to read it back from there instead of holding it in memory. Lines are
 * decoded one by one from the bytes (never a multi-byte character cut at a piece's edge), and a
 * file can be larger than the longest string V8 holds. Lines the caller already knows (`skip`:
 * their offset and length) are not read at all: a start of a large store reads only the lines
 * it needs. One buffer is reused throughout, so reading leaves no trail of garbage behind.
 */
export async function* readLines(
  path: string,
  skip?: ReadonlyMap<number, number>,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<FileLine> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    /** The file offset of `buffer[0]`, and how many bytes of it are read. */
    let base = 0;
    let filled = 0;
    let start = 0;
    let ended = false;
    for (;;) {
      // Known lines: jump over them (a run of them costs no read).
      let known = skip?.get(base + start);
      while (known !== undefined) {
        const offset = base + start;
        yield { text: '', offset, length: known, complete: true, skipped: true };
        if (start + known <= filled) {
          start += known;
        } else {
          base = offset + known;
          start = 0;
          filled = 0;
          ended = false;
        }
        known = skip?.get(base + start);
      }
      const end = start < filled ? buffer.indexOf(0x0a, start) : -1;
      if (end !== -1 && end < filled) {
        yield {
          text: buffer.toString('utf8', start, end),
          offset: base + start,
          length: end - start + 1,
          complete: true,
        };
        start = end + 1;
        continue;
      }
      if (ended) {
        if (start < filled) {
          yield {
            text: buffer.toString('utf8', start, filled),
            offset: base + start,
            length: filled - start,
            complete: false,
          };
        }
        return;
      }
      // Keep the unfinished line at the front, and read more after it (a line longer than the
      // buffer grows it).
      const rest = filled - start;
      if (start > 0) buffer.copy(buffer, 0, start, filled);
      else if (rest === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      base += start;
      start = 0;
      filled = rest;
      const { bytesRead } = await handle.read(
        buffer,
        filled,
        buffer.length - filled,
        base + filled,
      );
      if (bytesRead === 0) ended = true;
      filled += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
