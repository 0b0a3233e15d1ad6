/**
 * `npm run bench`: the sandbox's POST /api/reg2reg next to two floors for its stack (bare Express
 * + multer with a fixed XML; Express + multer + urlencoded answering a signed XML) and a peer
 * (Prism mocking a reg2reg OpenAPI document), on the same validly signed multipart and urlencoded
 * requests, in one run on this machine, with autocannon. Then the sandbox on 100,000 and
 * 1,000,000 stored payouts, and 10,000 postbacks pending at start. Prints every target of issue
 * 15 with its measured value and whether it holds, and writes it all to docs/benchmark.md.
 * Never a test: numbers are reported, not asserted. Sizes come from BENCH_* (settings.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { measure } from './load.js';
import { pendingPostbacks } from './pending.js';
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
import { checkStreamedLayout, seedStore, seedStoreStreaming } from './seed-store.js';
import { readSettings, ROOT, type BenchSettings } from './settings.js';

interface Started {
  readonly server: Server;
  readonly note?: string;
}

/** Starts, loads and stops one server; whatever fails becomes the row's problem, not a crash. */
async function row(
  name: string,
  settings: BenchSettings,
  sink: Receiver,
  starting: () => Promise<Started>,
  options: { postbacks?: boolean } = {},
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
    progress(`${name}: answered in ${Math.round(started.server.startupMs)} ms; loading`);
    const measured = await measure(
      started.server,
      sink.url,
      settings.seconds,
      settings.warmupSeconds,
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
    await stop(started.server);
  }
}

/**
 * Postbacks go out after each answer: waits until they stop arriving (1 s without a new one),
 * and counts them.
 */
async function settledCount(sink: Receiver): Promise<number> {
  let count = await sink.count();
  for (let still = 0, waited = 0; still < 2 && waited < 60; waited++) {
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

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const work = mkdtempSync(join(tmpdir(), 'fp-bench-'));
  const sink = await receiver();
  try {
    await checkStreamedLayout(work);
    const postLink = sink.url;
    const sandbox = (name: string, dataFile: string) => async (): Promise<Started> => ({
      server: await startSandbox({ name, dataFile, postLink, logLevel: settings.logLevel }),
    });

    const bare = await row(
      'bare Express + multer (fixed XML)',
      settings,
      sink,
      floor('bare floor', 'baseline-server.mjs', postLink),
    );
    const signed = await row(
      'Express 5 + multer + urlencoded, signed XML',
      settings,
      sink,
      floor('signed floor', 'signed-floor-server.mjs', postLink),
    );

    const prismProblem = settings.prism ? await installPrism() : 'left out (BENCH_PRISM=0)';
    const prism: Row =
      prismProblem === undefined
        ? await row(`Prism ${prismVersion()} (mock, example answer)`, settings, sink, async () => ({
            server: await startPrism(postLink),
          }))
        : { name: 'Prism', problem: prismProblem };

    const empty = await row(
      'sandbox, empty store',
      settings,
      sink,
      sandbox('sandbox, empty store', join(work, 'empty.json')),
      { postbacks: true },
    );

    const storedName = `sandbox, ${settings.stored.toLocaleString('en')} stored payouts`;
    const storedFile = join(work, 'stored.json');
    progress(`writing ${settings.stored.toLocaleString('en')} payouts with DataFile`);
    await seedStore(storedFile, { count: settings.stored });
    const stored = await row(storedName, settings, sink, sandbox(storedName, storedFile), {
      postbacks: true,
    });
    rmSync(storedFile, { force: true });

    let huge: Row | undefined;
    if (settings.huge > 0) {
      const hugeName = `sandbox, ${settings.huge.toLocaleString('en')} stored payouts`;
      const hugeFile = join(work, 'huge.json');
      progress(`writing ${settings.huge.toLocaleString('en')} payouts, streamed`);
      await seedStoreStreaming(hugeFile, { count: settings.huge });
      const defaultHeapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
      huge = await row(
        hugeName,
        settings,
        sink,
        async () => {
          const { server, heap } = await startSandboxGrowingHeap({
            name: hugeName,
            dataFile: hugeFile,
            postLink,
            logLevel: settings.logLevel,
            ...(settings.hugeHeapMb === undefined ? {} : { heapMb: settings.hugeHeapMb }),
            timeoutMs: 10 * 60_000,
          });
          return {
            server,
            note: heap
              ? `node ran with --max-old-space-size=${heap.mb} (${heap.because})`
              : `node's default heap (${defaultHeapMb} MB) was enough; no larger heap given`,
          };
        },
        { postbacks: true },
      );
      rmSync(hugeFile, { force: true });
    }

    const pending =
      settings.pending > 0
        ? (progress(`${settings.pending} pending postbacks`),
          await pendingPostbacks(work, settings.pending, sink, settings.logLevel))
        : undefined;

    const report = renderReport({
      settings,
      rows: { bare, signed, prism, empty, stored, ...(huge ? { huge } : {}) },
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
