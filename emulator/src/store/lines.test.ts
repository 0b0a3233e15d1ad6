import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, type FileLine } from './lines.js';

async function linesOf(
  text: string,
  skip?: Map<number, number>,
  chunkBytes?: number,
): Promise<FileLine[]> {
  const file = join(await mkdtemp(join(tmpdir(), 'fp-lines-')), 'f');
  await writeFile(file, text);
  const lines: FileLine[] = [];
  for await (const line of readLines(file, skip, chunkBytes)) lines.push(line);
  return lines;
}

describe('readLines', () => {
  const text = 'first\nsecond line ✓ é\n\nfourth, a longer one than the buffer is wide\nlast\n';

  it('gives every line with its byte offset and length, whatever the buffer size', async () => {
    const expected = await linesOf(text);
    expect(expected.map((l) => l.text)).toEqual(text.split('\n').slice(0, -1));
    // Each offset points at the line's bytes in the file.
    const bytes = Buffer.from(text);
    for (const line of expected) {
      expect(bytes.toString('utf8', line.offset, line.offset + line.length)).toBe(`${line.text}\n`);
    }
    // Multi-byte characters cut at a buffer's edge, lines longer than the buffer.
    for (const size of [1, 2, 3, 5, 7, 16]) {
      expect(await linesOf(text, undefined, size)).toEqual(expected);
    }
  });

  it('marks a last line without a newline as incomplete', async () => {
    const lines = await linesOf('a\nb\ntorn', undefined, 3);
    expect(lines.at(-1)).toMatchObject({ text: 'torn', offset: 4, length: 4, complete: false });
  });

  it('jumps over known lines, runs of them included, without reading them', async () => {
    const all = await linesOf(text);
    const skip = new Map([
      [all[1]!.offset, all[1]!.length],
      [all[2]!.offset, all[2]!.length],
      [all[4]!.offset, all[4]!.length],
    ]);
    for (const size of [2, 4, 64]) {
      const lines = await linesOf(text, skip, size);
      expect(lines.map((l) => (l.skipped ? `(${l.offset})` : l.text))).toEqual([
        'first',
        `(${all[1]!.offset})`,
        `(${all[2]!.offset})`,
        all[3]!.text,
        `(${all[4]!.offset})`,
      ]);
    }
  });
});
