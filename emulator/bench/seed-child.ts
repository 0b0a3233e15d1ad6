import { seedStore } from './seed-store.js';

/**
 * `node --import tsx emulator/bench/seed-child.ts <file> <count>`: writes `count` stored payouts
 * with the sandbox's own writer, in a process of its own (with a heap sized for it), so a huge
 * store never weighs on the bench's own memory.
 */
const [file, count] = process.argv.slice(2);
if (file === undefined || !Number.isInteger(Number(count))) {
  process.stderr.write('usage: seed-child.ts <file> <count>\n');
  process.exit(2);
}
await seedStore(file, { count: Number(count) });
