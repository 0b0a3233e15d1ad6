import { open } from 'node:fs/promises';

/** A line of a file: its text (no newline), where it starts and its length in bytes. */
export interface FileLine {
  readonly text: string;
  readonly offset: number;
  /** Bytes, the newline included when there is one. */
  readonly length: number;
  /** False for a last line the file ends in without a newline (a write cut short). */
  readonly complete: boolean;
}

const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file, read in pieces with their byte offsets: the store remembers where each
 * settled record is, to read it back from there instead of holding it in memory. Lines are
 * decoded one by one from the bytes (never a multi-byte character cut at a piece's edge), and a
 * file can be larger than the longest string V8 holds.
 */
export async function* readLines(
  path: string,
  /** Lines starting at these offsets are not decoded (their text is empty): the caller skips them. */
  skip?: ReadonlySet<number>,
): AsyncGenerator<FileLine> {
  const handle = await open(path, 'r');
  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const bytes =
        carry.length === 0
          ? chunk.subarray(0, bytesRead)
          : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      let start = 0;
      for (;;) {
        const end = bytes.indexOf(0x0a, start);
        if (end === -1) break;
        const offset = carryOffset + start;
        yield {
          text: skip?.has(offset) ? '' : bytes.toString('utf8', start, end),
          offset,
          length: end - start + 1,
          complete: true,
        };
        start = end + 1;
      }
      carryOffset += start;
      // A copy: a view would keep the whole piece alive with it.
      carry = Buffer.from(bytes.subarray(start));
    }
    if (carry.length > 0) {
      yield {
        text: carry.toString('utf8'),
        offset: carryOffset,
        length: carry.length,
        complete: false,
      };
    }
  } finally {
    await handle.close();
  }
}
