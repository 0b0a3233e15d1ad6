import { totalmem } from 'node:os';
import { answersPayout, progress, start, StartError, type Server } from './processes.js';

/** The sandbox as built into dist/ (`npm run bench` builds it first). */
const MAIN = 'dist/emulator/src/main.js';

/** What every sandbox of the bench gets: the default merchant's balance, and others'. */
export const OPENING_BALANCE = '99999999.00';

export function sandboxEnv(
  dataFile: string,
  logLevel: string,
  merchantsFile?: string,
): Record<string, string> {
  return {
    PORT: '0',
    SANDBOX_DB: dataFile,
    SANDBOX_SEED: '1',
    SANDBOX_OPENING_BALANCE: OPENING_BALANCE,
    ...(merchantsFile === undefined ? {} : { SANDBOX_MERCHANTS: merchantsFile }),
    // One log line per request at thousands a second goes to a pipe nobody reads here.
    SANDBOX_LOG_LEVEL: logLevel,
  };
}

export interface SandboxStart {
  readonly name: string;
  /** SANDBOX_DB: a data file, or a postgres:// URL (the PostgreSQL rows). */
  readonly dataFile: string;
  readonly postLink: string;
  readonly logLevel: string;
  /** SANDBOX_MERCHANTS: a merchants file (merchants.ts) besides the default merchant. */
  readonly merchantsFile?: string;
  /** node's --max-old-space-size, in MB; node's default heap when unset. */
  readonly heapMb?: number;
  readonly timeoutMs?: number;
}

/** Starts the sandbox on a data file; start-up ends with its first answered payout. */
export function startSandbox(options: SandboxStart): Promise<Server> {
  return start({
    name: options.name,
    args: [
      ...(options.heapMb === undefined ? [] : [`--max-old-space-size=${options.heapMb}`]),
      MAIN,
    ],
    env: sandboxEnv(options.dataFile, options.logLevel, options.merchantsFile),
    ready: answersPayout(options.postLink),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/** What started, and the heap it was given when node's default one was not enough. */
export interface HeapStart {
  readonly server: Server;
  /** Set when the default heap ran out: why, and the heap the second start had. */
  readonly heap?: { readonly mb: number; readonly because: string };
}

/**
 * Starts the sandbox with node's default heap; only if it runs out of heap, once more with a
 * larger one (`heapMb`, or half the machine's memory), saying so.
 */
export async function startSandboxGrowingHeap(
  options: SandboxStart & { readonly largerHeapMb?: number },
): Promise<HeapStart> {
  if (options.heapMb !== undefined) {
    return {
      server: await startSandbox(options),
      heap: { mb: options.heapMb, because: 'BENCH_HUGE_HEAP_MB set it' },
    };
  }
  try {
    return { server: await startSandbox(options) };
  } catch (error) {
    if (!(error instanceof StartError) || !ranOutOfHeap(error)) throw error;
    const mb = options.largerHeapMb ?? Math.max(8192, Math.floor(totalmem() / 2 ** 21));
    progress(`${options.name}: node's default heap ran out; starting again with ${mb} MB`);
    return {
      server: await startSandbox({ ...options, heapMb: mb }),
      heap: { mb, because: "node's default heap ran out at start-up" },
    };
  }
}

function ranOutOfHeap(error: StartError): boolean {
  return /heap out of memory|Allocation failed|SIGABRT|code 134/.test(
    `${error.message} ${error.output}`,
  );
}
