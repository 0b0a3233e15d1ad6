import { fileURLToPath } from 'node:url';

/**
 * What one `npm run bench` measures, from the environment; the defaults are issue 15's sizes.
 * A quick run: `BENCH_SECONDS=3 BENCH_STORED=20000 BENCH_HUGE=100000 npm run bench`.
 */
export interface BenchSettings {
  /** Seconds of each measured load (BENCH_SECONDS, 10). */
  readonly seconds: number;
  /** Seconds of warm-up per body type before the measured loads (BENCH_WARMUP_SECONDS, 1). */
  readonly warmupSeconds: number;
  /** Payouts in the "stored" store (BENCH_STORED, 100,000). */
  readonly stored: number;
  /** Payouts in the "huge" store (BENCH_HUGE, 1,000,000; 0 leaves the row out). */
  readonly huge: number;
  /** Pending postbacks in the punctuality row (BENCH_PENDING, 10,000; 0 leaves it out). */
  readonly pending: number;
  /**
   * Heap for the huge store's sandbox, in MB (BENCH_HUGE_HEAP_MB). Unset: node's default heap
   * first, and a larger one only if the sandbox runs out of it.
   */
  readonly hugeHeapMb: number | undefined;
  /** Whether Prism is measured (BENCH_PRISM=0 leaves it out, saying so). */
  readonly prism: boolean;
  /**
   * Whether the PostgreSQL store is measured: one replica, two, and BENCH_HUGE stored payouts
   * (BENCH_POSTGRES=0 leaves it out). Its cluster comes from `.ci/postgres.sh serve`.
   */
  readonly postgres: boolean;
  /**
   * Merchants the PostgreSQL "N merchants" rows spread their payouts over (BENCH_MERCHANTS, 8;
   * below 2 leaves those rows out): the one- and two-replica loads again, each payout the next
   * merchant's in turn, beside the one-merchant rows whose payouts all take one balance lock.
   */
  readonly merchants: number;
  /** The sandbox's log level during the bench (BENCH_LOG_LEVEL, warn). */
  readonly logLevel: string;
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
export const PEERS_DIR = fileURLToPath(new URL('./peers/', import.meta.url));

/**
 * The default merchant's payout key (SANDBOX_SECRET_KEY's default): every request is signed with
 * it, except the "N merchants" rows' (merchants.ts).
 */
export const PAYOUT_SECRET = 'sandbox-payout-secret';
export const MERCHANT_ID = '100001';

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const problems: string[] = [];
  const count = (name: string, fallback: number, min = 0): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text.replaceAll('_', ''));
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name}="${text}" must be a whole number ≥ ${min}`);
      return fallback;
    }
    return value;
  };
  const settings: BenchSettings = {
    seconds: count('BENCH_SECONDS', 10, 1),
    warmupSeconds: count('BENCH_WARMUP_SECONDS', 1, 0),
    stored: count('BENCH_STORED', 100_000, 1),
    huge: count('BENCH_HUGE', 1_000_000),
    pending: count('BENCH_PENDING', 10_000),
    hugeHeapMb: env.BENCH_HUGE_HEAP_MB ? count('BENCH_HUGE_HEAP_MB', 0, 256) : undefined,
    prism: env.BENCH_PRISM !== '0',
    postgres: env.BENCH_POSTGRES !== '0',
    merchants: count('BENCH_MERCHANTS', 8),
    logLevel: env.BENCH_LOG_LEVEL ?? 'warn',
  };
  if (problems.length > 0) throw new Error(`bench settings: ${problems.join('; ')}`);
  return settings;
}
