import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { start, stop, type Receiver } from './processes.js';
import { sandboxEnv } from './sandbox.js';
import { seedStore } from './seed-store.js';

export interface Punctuality {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly delivered: number;
}

/**
 * `count` postbacks pending in the store at start, due over 10 s from 4 s after it is written:
 * how late (ms past `dueAt`) each reached the merchant.
 */
export async function pendingPostbacks(
  folder: string,
  count: number,
  sink: Receiver,
  logLevel: string,
): Promise<Punctuality> {
  await sink.clear();
  const file = join(folder, 'pending.json');
  const from = Date.now() + 4_000;
  const spread = 10_000;
  const due = await seedStore(file, {
    count: 0,
    pendingPostbacks: count,
    pendingFrom: from,
    pendingSpreadMs: spread,
    postLink: sink.url,
  });
  const server = await start({
    name: 'sandbox (pending postbacks)',
    args: ['dist/emulator/src/main.js'],
    env: sandboxEnv(file, logLevel),
    ready: async (url) => (await fetch(`${url}/__sandbox/health`)).ok,
  });
  const deadline = from + spread + 5_000;
  let arrivals = await sink.arrivals();
  while (arrivals.size < count && Date.now() < deadline) {
    await sleep(500);
    arrivals = await sink.arrivals();
  }
  await stop(server);
  const lateness = [...due]
    .map(([paymentId, dueAt]) => (arrivals.get(String(paymentId)) ?? Infinity) - Date.parse(dueAt))
    .sort((a, b) => a - b);
  const at = (q: number): number =>
    lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? 0;
  return {
    count,
    p50: at(0.5),
    p99: at(0.99),
    max: lateness.at(-1) ?? 0,
    delivered: arrivals.size,
  };
}
