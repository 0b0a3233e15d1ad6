/**
 * `npm run bench`: the sandbox's POST /api/reg2reg next to two floors for its stack (bare Express
 * + multer with a fixed XML; Express + multer + urlencoded answering a signed XML) and a peer
 * (Prism mocking a reg2reg OpenAPI document), on the same validly signed multipart and urlencoded
 * requests, in one run on this machine, with autocannon. Then the sandbox on 100,000 and
 * 1,000,000 stored payouts, and 10,000 postbacks pending at start. Prints every target of issue
 * 15 with its measured value and whether it holds, and writes it all to docs/benchmark.md.
 * Never a test: numbers are reported, not asserted. Sizes come from BENCH_* (settings.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { measure } from './load.js';
import type { BenchMerchant } from './merchants.js';
import { pendingPostbacks, type Punctuality } from './pending.js';
import { postgresRows, type PostgresRows } from './postgres.js';
import { installPrism, prismVersion, startPrism } from './prism.js';
import {
  answersPayout,
  progress,
  receiver,
  start,
  stop,
  type Receiver,
  type Server,
} from './processes.js';
import { HOW_TO_READ, renderReport, type Row } from './report.js';
import { startSandbox, startSandboxGrowingHeap } from './sandbox.js';
import { seedStore } from './seed-store.js';
import { readSettings, ROOT, type BenchSettings } from './settings.js';

/** `postbacks`: count the postbacks the row's payouts sent; `merchants`: whose payouts. */
interface RowOptions {
  readonly postbacks?: boolean;
  readonly merchants?: readonly BenchMerchant[];
}

interface Started {
  /** One server, or the replicas of one sandbox that share each load. */
  readonly server: Server | readonly Server[];
  readonly note?: string;
}

/** Starts, loads and stops one server; whatever fails becomes the row's problem, not a crash. */
async function row(
  name: string,
  settings: BenchSettings,
  sink: Receiver,
  starting: () => Promise<Started>,
  options: RowOptions = {},
): Promise<Row> {
  progress(`${name}: starting`);
  if (options.postbacks) await sink.clear();
  let started: Started;
  try {
    started = await starting();
  } catch (error) {
    progress(`${name}: ${message(error)}`);
    return { name, problem: message(error) };
  }
  try {
    const servers = 'url' in started.server ? [started.server] : started.server;
    const startupMs = Math.max(...servers.map((server) => server.startupMs));
    progress(`${name}: answered in ${Math.round(startupMs)} ms; loading`);
    const measured = await measure(
      started.server,
      sink.url,
      settings.seconds,
      settings.warmupSeconds,
      options.merchants,
    );
    const postbacksReceived = options.postbacks ? await settledCount(sink) : undefined;
    return {
      name,
      measured,
      ...(postbacksReceived === undefined ? {} : { postbacksReceived }),
      ...(started.note === undefined ? {} : { note: started.note }),
    };
  } catch (error) {
    progress(`${name}: ${message(error)}`);
    return { name, problem: message(error) };
  } finally {
    await Promise.all(('url' in started.server ? [started.server] : started.server).map(stop));
  }
}

/**
 * Postbacks go out after each answer: waits until they stop arriving (2 s without a new one),
 * and counts them.
 */
async function settledCount(sink: Receiver): Promise<number> {
  let count = await sink.count();
  for (let still = 0, waited = 0; still < 4 && waited < 120; waited++) {
    await sleep(500);
    const next = await sink.count();
    still = next === count ? still + 1 : 0;
    count = next;
  }
  return count;
}

function floor(name: string, file: string, postLink: string): () => Promise<Started> {
  return async () => ({
    server: await start({
      name,
      args: [`emulator/bench/${file}`],
      env: { PORT: '0' },
      ready: answersPayout(postLink),
    }),
  });
}

type RunRow = (
  name: string,
  starting: () => Promise<Started>,
  options?: RowOptions,
) => Promise<Row>;

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const loadAtStart = loadavg()[0] ?? 0;
  const work = mkdtempSync(join(tmpdir(), 'fp-bench-'));
  const sink = await receiver();
  try {
    const postLink = sink.url;
    const run: RunRow = (name, starting, options) => row(name, settings, sink, starting, options);
    const sandbox = (name: string, dataFile: string) => async (): Promise<Started> => ({
      server: await startSandbox({ name, dataFile, postLink, logLevel: settings.logLevel }),
    });

    const bare = await run(
      'bare Express + multer (fixed XML)',
      floor('bare floor', 'baseline-server.mjs', postLink),
    );
    const signed = await run(
      'Express 5 + multer + urlencoded, signed XML',
      floor('signed floor', 'signed-floor-server.mjs', postLink),
    );
    const prismProblem = settings.prism ? await installPrism() : 'left out (BENCH_PRISM=0)';
    const prism: Row =
      prismProblem === undefined
        ? await run(`Prism ${prismVersion()} (mock, example answer)`, async () => ({
            server: await startPrism(postLink),
          }))
        : { name: 'Prism', problem: prismProblem };
    const empty = await run(
      'sandbox, empty store',
      sandbox('sandbox, empty store', join(work, 'empty.json')),
      { postbacks: true },
    );

    const storedName = `sandbox, ${settings.stored.toLocaleString('en')} stored payouts`;
    const storedFile = join(work, 'stored.json');
    progress(`writing ${settings.stored.toLocaleString('en')} payouts`);
    await seedStore(storedFile, { count: settings.stored });
    const stored = await run(storedName, sandbox(storedName, storedFile), { postbacks: true });
    rmSync(storedFile, { force: true });

    const huge = settings.huge > 0 ? await hugeRow(settings, work, postLink, run) : undefined;

    let pending: Punctuality | undefined;
    if (settings.pending > 0) {
      progress(`${settings.pending} pending postbacks`);
      pending = await pendingPostbacks(work, settings.pending, sink, settings.logLevel);
    }

    const postgres: PostgresRows | undefined = settings.postgres
      ? await postgresRows(settings, postLink, run)
      : undefined;

    const report = renderReport({
      settings,
      loadAtStart,
      source: sourceState(),
      rows: {
        bare,
        signed,
        prism,
        empty,
        stored,
        ...(huge ? { huge } : {}),
        ...(postgres
          ? {
              postgresOne: postgres.one,
              postgresTwo: postgres.two,
              ...(postgres.oneSpread ? { postgresOneSpread: postgres.oneSpread } : {}),
              ...(postgres.twoSpread ? { postgresTwoSpread: postgres.twoSpread } : {}),
              ...(postgres.huge ? { postgresHuge: postgres.huge } : {}),
            }
          : {}),
      },
      ...(pending ? { pending } : {}),
    });
    process.stdout.write(`${report}\n`);
    writeFileSync(
      join(ROOT, 'docs', 'benchmark.md'),
      `# Benchmark\n\n\`npm run bench\`\n\n${report}\n\n## How it is measured\n\n${HOW_TO_READ}\n`,
    );
  } finally {
    await sink.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The huge store, written record by record by the sandbox's own writer; its sandbox gets
 * node's default heap, and a larger one only if it runs out. The row's note says which.
 */
async function hugeRow(
  settings: BenchSettings,
  work: string,
  postLink: string,
  run: RunRow,
): Promise<Row> {
  const name = `sandbox, ${settings.huge.toLocaleString('en')} stored payouts`;
  const dataFile = join(work, 'huge.json');
  const notes: string[] = [];
  const started = performance.now();
  try {
    progress(`writing ${settings.huge.toLocaleString('en')} payouts`);
    await seedStore(dataFile, { count: settings.huge });
  } catch (error) {
    return { name, problem: `its store could not be written: ${message(error)}` };
  }
  progress(`written in ${Math.round((performance.now() - started) / 1000)} s`);
  const defaultHeapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  try {
    return await run(
      name,
      async () => {
        const { server, heap } = await startSandboxGrowingHeap({
          name,
          dataFile,
          postLink,
          logLevel: settings.logLevel,
          ...(settings.hugeHeapMb === undefined ? {} : { heapMb: settings.hugeHeapMb }),
          timeoutMs: 10 * 60_000,
        });
        notes.push(
          heap
            ? `node ran with --max-old-space-size=${heap.mb} (${heap.because})`
            : `node's default heap (${defaultHeapMb} MB) was enough; no larger heap given`,
        );
        return { server, note: notes.join('; ') };
      },
      { postbacks: true },
    );
  } finally {
    rmSync(dataFile, { force: true });
  }
}

/** The commit the sandbox was built from, and whether emulator/src differed from it. */
function sourceState(): string {
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'emulator/src') !== '';
    return changed
      ? `commit ${commit} plus uncommitted changes in emulator/src`
      : `commit ${commit} (emulator/src as committed)`;
  } catch {
    return 'a tree git could not describe';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
