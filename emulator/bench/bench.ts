/**
 * `npm run bench`: the sandbox's POST /api/reg2reg next to a bare Express + multer endpoint (the
 * floor for this stack), in one run on this machine, with autocannon. Prints a table and writes
 * it to docs/benchmark.md. Never a test: numbers are reported, not asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TEST_CARDS } from '../src/cards/test-cards.js';
import { sign } from '../src/signature/signature.js';
import { seedStore } from './seed-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const STORED = Number(process.env.BENCH_STORED ?? 100_000);
const PENDING = Number(process.env.BENCH_PENDING ?? 10_000);
const work = mkdtempSync(join(tmpdir(), 'fp-bench-'));

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  readonly startupMs: number;
}

interface LoadResult {
  readonly rps: number;
  /** Answers that were a paid payout (`<pg_status>ok`): HTTP 200 alone proves nothing here. */
  readonly okShare: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

interface Row {
  readonly name: string;
  readonly startupMs: number;
  readonly c10: LoadResult;
  readonly c50: LoadResult;
  readonly peakRssMb: number;
}

/** Starts a server process and measures the time to its first answer. */
async function start(
  args: string[],
  env: Record<string, string>,
  healthPath = '/__sandbox/health',
  firstRequest?: () => Buffer,
): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  // Keep reading its output, so a full pipe never slows it down.
  child.stdout?.resume();
  // Start-up ends with the first answer to what is measured: a payout, or the path given.
  for (;;) {
    const ok = await (
      firstRequest === undefined
        ? fetch(`${url}${healthPath}`)
        : fetch(`${url}/api/reg2reg`, {
            method: 'POST',
            headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            body: firstRequest(),
          })
    ).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
  }
  return { url, child, startupMs: performance.now() - started };
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGKILL');
  });
}

function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Math.round(Number(kb) / 1024);
}

const BOUNDARY = '----freedompaysandboxbench';
const card = TEST_CARDS[0]?.token ?? '';
let sequence = 0;

/** A validly signed multipart reg2reg request with an order id of its own. */
function payoutBody(postLink: string): Buffer {
  const n = sequence++;
  const fields: Record<string, string> = {
    pg_merchant_id: '100001',
    pg_amount: '10.00',
    pg_order_id: `bench-${process.pid}-${n}`,
    pg_user_id: `user-${n % 100}`,
    pg_card_token_to: card,
    pg_description: 'Benchmark payout',
    pg_post_link: postLink,
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `s${n}`,
  };
  fields.pg_sig = sign('reg2reg', fields, 'sandbox-payout-secret');
  let body = '';
  for (const [name, value] of Object.entries(fields)) {
    body += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  return Buffer.from(`${body}--${BOUNDARY}--\r\n`);
}

async function load(url: string, connections: number, postLink: string): Promise<LoadResult> {
  let ok = 0;
  let answered = 0;
  const result = await autocannon({
    url: `${url}/api/reg2reg`,
    connections,
    duration: DURATION_S,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: payoutBody(postLink) }),
        onResponse: (_status, body) => {
          answered++;
          if (body.includes('<pg_status>ok</pg_status>')) ok++;
        },
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    okShare: answered === 0 ? 0 : ok / answered,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measure(name: string, server: Server, postLink: string): Promise<Row> {
  // Warm the JIT before measuring.
  await autocannon({
    url: `${server.url}/api/reg2reg`,
    connections: 10,
    duration: 2,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    requests: [{ setupRequest: (request) => ({ ...request, body: payoutBody(postLink) }) }],
  });
  const c10 = await load(server.url, 10, postLink);
  const c50 = await load(server.url, 50, postLink);
  return { name, startupMs: server.startupMs, c10, c50, peakRssMb: peakRssMb(server.child.pid) };
}

/** The merchant endpoint, in its own process: acknowledges postbacks, notes their arrival. */
async function receiver(): Promise<{
  url: string;
  arrivals(): Promise<Map<string, number>>;
  clear(): Promise<void>;
  close(): Promise<void>;
}> {
  const server = await start(['emulator/bench/receiver-server.mjs'], {}, '/arrivals');
  return {
    url: `${server.url}/notify`,
    arrivals: async () =>
      new Map(
        Object.entries(
          (await (await fetch(`${server.url}/arrivals`)).json()) as Record<string, number>,
        ),
      ),
    clear: async () => {
      await fetch(`${server.url}/arrivals`, { method: 'DELETE' });
    },
    close: () => stop(server),
  };
}

function sandboxEnv(dataFile: string): Record<string, string> {
  return {
    PORT: '0',
    SANDBOX_DB: dataFile,
    SANDBOX_SEED: '1',
    SANDBOX_OPENING_BALANCE: '99999999.00',
    // One log line per request at thousands a second goes to a pipe nobody reads here.
    SANDBOX_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
}

async function pendingPostbacks(
  postLink: string,
  arrivalsOf: () => Promise<Map<string, number>>,
): Promise<{ p50: number; p99: number; max: number; delivered: number }> {
  const file = join(work, 'pending.json');
  const from = Date.now() + 4_000;
  const spread = 10_000;
  const data = seedStore(file, {
    count: 0,
    pendingPostbacks: PENDING,
    pendingFrom: from,
    pendingSpreadMs: spread,
    postLink,
  });
  const server = await start(['dist/emulator/src/main.js'], sandboxEnv(file));
  const deadline = from + spread + 5_000;
  let arrivals = await arrivalsOf();
  while (arrivals.size < PENDING && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    arrivals = await arrivalsOf();
  }
  await stop(server);
  const lateness = Object.values(data.postbacks)
    .map((p) => (arrivals.get(String(p.paymentId)) ?? Infinity) - Date.parse(p.dueAt ?? ''))
    .sort((a, b) => a - b);
  const at = (q: number): number =>
    lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: lateness.at(-1) ?? 0, delivered: arrivals.size };
}

function table(rows: Row[]): string {
  const lines = [
    '| server | start-up to first answer | req/s (10 conn) | p50 / p99 ms (10) | req/s (50 conn) | p50 / p99 ms (50) | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${Math.round(row.startupMs)} ms | ${row.c10.rps} | ${row.c10.p50} / ${row.c10.p99} | ${row.c50.rps} | ${row.c50.p50} / ${row.c50.p99} | ${row.peakRssMb} MB |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const sink = await receiver();
  const rows: Row[] = [];

  const first = (): Buffer => payoutBody(sink.url);
  const baseline = await start(
    ['emulator/bench/baseline-server.mjs'],
    { PORT: '0' },
    undefined,
    first,
  );
  rows.push(await measure('bare Express + multer (fixed XML)', baseline, sink.url));
  await stop(baseline);

  const empty = await start(
    ['dist/emulator/src/main.js'],
    sandboxEnv(join(work, 'empty.json')),
    undefined,
    first,
  );
  rows.push(await measure('sandbox, empty store', empty, sink.url));
  await stop(empty);

  const seededFile = join(work, 'seeded.json');
  seedStore(seededFile, { count: STORED });
  const seeded = await start(
    ['dist/emulator/src/main.js'],
    sandboxEnv(seededFile),
    undefined,
    first,
  );
  rows.push(
    await measure(`sandbox, ${STORED.toLocaleString('en')} stored payouts`, seeded, sink.url),
  );
  await stop(seeded);

  await sink.clear();
  const pending = await pendingPostbacks(sink.url, () => sink.arrivals());
  await sink.close();

  const [floor, sandbox, full] = rows as [Row, Row, Row];
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const report = [
    `Run on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION_S} s per load, autocannon in the same machine.`,
    '',
    table(rows),
    '',
    '| target | measured | holds |',
    '|---|---|---|',
    `| throughput ≥ 0.8× bare Express + multer (10 conn) | ${ratio(sandbox.c10.rps, floor.c10.rps)}× | ${sandbox.c10.rps >= 0.8 * floor.c10.rps ? 'yes' : 'no'} |`,
    `| p99 ≤ 10 ms at 10 connections | ${sandbox.c10.p99} ms | ${sandbox.c10.p99 <= 10 ? 'yes' : 'no'} |`,
    `| start-up ≤ 300 ms | ${Math.round(sandbox.startupMs)} ms | ${sandbox.startupMs <= 300 ? 'yes' : 'no'} |`,
    `| ${STORED.toLocaleString('en')} stored: throughput within 20% of empty (10 conn) | ${ratio(full.c10.rps, sandbox.c10.rps)}× | ${full.c10.rps >= 0.8 * sandbox.c10.rps ? 'yes' : 'no'} |`,
    `| ${STORED.toLocaleString('en')} stored: RSS ≤ 200 MB | ${full.peakRssMb} MB | ${full.peakRssMb <= 200 ? 'yes' : 'no'} |`,
    `| ${PENDING.toLocaleString('en')} pending postbacks fire within 50 ms of due | p50 ${pending.p50} ms, p99 ${pending.p99} ms, max ${pending.max} ms (${pending.delivered} delivered) | ${pending.max <= 50 ? 'yes' : 'no'} |`,
    '',
    `Answers: ${rows.map((r) => `${r.name}: ${r.c10.errors + r.c50.errors} errors, ${r.c10.non2xx + r.c50.non2xx} non-2xx, ${Math.round(Math.min(r.c10.okShare, r.c50.okShare) * 1000) / 10}% paid (pg_status ok)`).join('; ')}.`,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  writeFileSync(
    join(ROOT, 'docs', 'benchmark.md'),
    `# Benchmark\n\n\`npm run bench\`\n\n${report}\n`,
  );
  rmSync(work, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
