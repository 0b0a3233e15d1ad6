import { cpus, loadavg, totalmem } from 'node:os';
import type { LoadResult, Measured } from './load.js';
import type { Punctuality } from './pending.js';
import type { BenchSettings } from './settings.js';

/** One server of the table: what it measured, or why it was not measured. */
export interface Row {
  readonly name: string;
  readonly measured?: Measured;
  /** Why there are no numbers (it could not be installed, started, or it failed). */
  readonly problem?: string;
  /** Postbacks the merchant received during the run (sandbox rows). */
  readonly postbacksReceived?: number;
  /** Said under the table (the heap a sandbox was given). */
  readonly note?: string;
}

export interface Rows {
  readonly bare: Row;
  readonly signed: Row;
  readonly prism: Row;
  readonly empty: Row;
  readonly stored: Row;
  readonly huge?: Row;
  /** The PostgreSQL store (issue 16): one replica, two on one database, BENCH_HUGE stored. */
  readonly postgresOne?: Row;
  readonly postgresTwo?: Row;
  /** The one- and two-replica loads again, the payouts spread over BENCH_MERCHANTS merchants. */
  readonly postgresOneSpread?: Row;
  readonly postgresTwoSpread?: Row;
  readonly postgresHuge?: Row;
}

export interface BenchResults {
  readonly settings: BenchSettings;
  readonly rows: Rows;
  readonly pending?: Punctuality;
  /** Which sources the sandbox was built from (a commit, and whether emulator/src had changes). */
  readonly source: string;
  /** The machine's 1-minute load average when the run began (os.loadavg). */
  readonly loadAtStart: number;
}

/** What the numbers are, for docs/benchmark.md (the terminal shows the report alone). */
export const HOW_TO_READ = `Every server gets the same requests: validly signed reg2reg payouts (default merchant but in the
"N merchants" rows, the always-ok test card, a new order id each), as multipart/form-data and as
application/x-www-form-urlencoded bodies, with a pg_post_link to a merchant process of the bench,
so the sandbox's postbacks are really delivered. Start-up is timed from the process's spawn to
its first answered payout; peak RSS is the process's VmHWM after the loads.

- bare Express + multer: answers a fixed XML (baseline-server.mjs).
- Express 5 + multer + urlencoded, signed XML: reads the body as the sandbox does and answers a
  signed XML built with xmlbuilder2, deciding and storing nothing (signed-floor-server.mjs).
- Prism: \`prism mock\` of emulator/bench/peers/reg2reg.openapi.yaml at log level warn; it checks
  each body against the schema and answers the document's example (no signing, no storage).
- sandbox rows: dist/ at log level warn; each load adds payouts, so the "empty store" row ends
  with as many payouts as it answered. Stored payouts are written in the sandbox's own file
  layout, each final with its delivered postback.

- sandbox on PostgreSQL rows: the same dist/ with SANDBOX_DB a database of a throwaway cluster
  (.ci/postgres.sh serve: fsync on, on this machine); two replicas share each load's
  connections, as a balancer would; the stored payouts are the file rows' records, inserted in
  batches into the store's schema. A payout holds its merchant's balance lock for its read and
  write, so one merchant's payouts take turns; the "N merchants" rows run the one- and
  two-replica loads again with each payout the next of N merchants' in turn (the default one and
  N - 1 from a merchants file the bench writes, each signed with its own payout key), on fresh
  databases like theirs.

Sizes: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_STORED, BENCH_HUGE (0: no row), BENCH_PENDING
(0: no row), BENCH_HUGE_HEAP_MB, BENCH_PRISM=0, BENCH_POSTGRES=0, BENCH_MERCHANTS (8; below 2:
no "N merchants" rows), BENCH_LOG_LEVEL (emulator/bench/settings.ts).`;

/** The report: machine line, servers table, targets table, answers line, notes. */
export function renderReport(results: BenchResults): string {
  const { settings, rows } = results;
  const all = Object.values(rows).filter((row): row is Row => row !== undefined);
  const notes = all.flatMap((row) => (row.note ? [`- ${row.name}: ${row.note}`] : []));
  const problems = all.flatMap((row) =>
    row.problem ? [`- ${row.name}: not measured: ${row.problem}`] : [],
  );
  return [
    `Run on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${settings.seconds} s per load after ${settings.warmupSeconds} s of warm-up per body type, autocannon in the same machine.`,
    `Sandbox: dist/ built from ${results.source}.`,
    `Load average (1 min): ${results.loadAtStart.toFixed(1)} when the run began, ${(loadavg()[0] ?? 0).toFixed(1)} when it ended (the bench's own processes count in the second). On ${cpus().length} cores, a load above ${cpus().length} means other work shared the CPUs: the numbers are then lower and slower than on an idle machine.`,
    '',
    serversTable(all),
    '',
    targetsTable(results),
    '',
    `Answers: ${all.flatMap((row) => (row.measured ? [answers(row, row.measured)] : [])).join('; ')}.`,
    ...(notes.length + problems.length > 0 ? ['', ...problems, ...notes] : []),
  ].join('\n');
}

function serversTable(rows: readonly Row[]): string {
  const lines = [
    '| server | start-up to first answered payout | req/s multipart (10 conn) | p50 / p99 ms (10) | req/s multipart (50 conn) | p50 / p99 ms (50) | req/s urlencoded (10 conn) | peak RSS |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const m = row.measured;
    lines.push(
      m
        ? `| ${row.name} | ${ms(m.startupMs)} | ${m.multipart10.rps} | ${m.multipart10.p50} / ${m.multipart10.p99} | ${m.multipart50.rps} | ${m.multipart50.p50} / ${m.multipart50.p99} | ${m.urlencoded10.rps} | ${m.peakRssMb} MB |`
        : `| ${row.name} | not measured (below) | – | – | – | – | – | – |`,
    );
  }
  return lines.join('\n');
}

type Verdict = readonly [target: string, measured: string, holds: string];

function targetsTable(results: BenchResults): string {
  const { rows, settings, pending } = results;
  const stored = settings.stored.toLocaleString('en');
  const verdicts: Verdict[] = [
    ...(['multipart10', 'urlencoded10'] as const).map((load) =>
      relative(
        `throughput ≥ 0.8× the signed floor, ${kindOf(load)} (10 conn)`,
        rows.empty,
        rows.signed,
        load,
        0.8,
      ),
    ),
    ...(['multipart10', 'urlencoded10'] as const).map((load) =>
      relative(`throughput above Prism's, ${kindOf(load)} (10 conn)`, rows.empty, rows.prism, load),
    ),
    check(rows.empty, 'p99 ≤ 10 ms at 10 connections (empty store)', (m) => [
      `multipart ${m.multipart10.p99} ms, urlencoded ${m.urlencoded10.p99} ms`,
      Math.max(m.multipart10.p99, m.urlencoded10.p99) <= 10,
    ]),
    check(rows.empty, 'p99 ≤ 50 ms at 50 connections (empty store)', (m) => [
      `${m.multipart50.p99} ms`,
      m.multipart50.p99 <= 50,
    ]),
    check(rows.stored, `${stored} stored: peak RSS ≤ 250 MB`, (m) => [
      `${m.peakRssMb} MB (${m.startupRssMb} MB when start-up ended)`,
      m.peakRssMb <= 250,
    ]),
    check(rows.stored, `${stored} stored: start-up ≤ 1 s`, (m) => [
      ms(m.startupMs),
      m.startupMs <= 1000,
    ]),
    within(`${stored} stored: throughput within 10% of the empty store (≥ 0.9×, 10 conn)`, rows),
    ...(rows.huge
      ? [
          check(
            rows.huge,
            `${settings.huge.toLocaleString('en')} stored: starts and answers (start-up and RSS reported, no target)`,
            (m) => [
              `start-up ${ms(m.startupMs)}, peak RSS ${m.peakRssMb} MB (${m.startupRssMb} MB when start-up ended), ${percent(paidShare(m))} paid${rows.huge?.note ? ' (notes below)' : ''}`,
              paidShare(m) > 0,
            ],
          ),
        ]
      : []),
    ...(pending
      ? [
          [
            `${pending.count.toLocaleString('en')} pending postbacks fire within 50 ms of due`,
            `p50 ${pending.p50} ms, p99 ${pending.p99} ms, max ${pending.max} ms (${pending.delivered} delivered)`,
            pending.max <= 50 ? 'yes' : 'no',
          ] as const,
        ]
      : []),
    ...postgresVerdicts(rows, settings),
    check(rows.empty, 'start-up ≤ 300 ms, empty store (earlier target, README)', (m) => [
      ms(m.startupMs),
      m.startupMs <= 300,
    ]),
  ];
  return [
    '| target | measured | holds |',
    '|---|---|---|',
    ...verdicts.map(([target, measured, holds]) => `| ${target} | ${measured} | ${holds} |`),
  ].join('\n');
}

/**
 * The PostgreSQL store has no targets of its own (issue 16 asks for its numbers): each line
 * reports one and holds when it was measured.
 */
function postgresVerdicts(rows: Rows, settings: BenchSettings): Verdict[] {
  const { postgresOne: one, postgresTwo: two, postgresHuge: huge } = rows;
  const { postgresOneSpread: oneSpread, postgresTwoSpread: twoSpread } = rows;
  if (!one || !two) return [];
  const against = (row: Row, other: Row | undefined, what: string): string =>
    other?.measured && row.measured
      ? `, ${ratio(row.measured.multipart10.rps, other.measured.multipart10.rps)} ${what}`
      : '';
  const against50 = (row: Row, other: Row): string =>
    other.measured && row.measured
      ? ` (${ratio(row.measured.multipart50.rps, other.measured.multipart50.rps)} at 50 conn)`
      : '';
  return [
    check(one, 'PostgreSQL, one replica: throughput and p99 (reported, no target)', (m) => [
      `${m.multipart10.rps} req/s, p99 ${m.multipart10.p99} ms (10 conn), ${m.multipart50.p99} ms (50)${against(one, rows.empty, 'the file store')}`,
      true,
    ]),
    check(two, 'PostgreSQL, two replicas on one database (reported, no target)', (m) => [
      `${m.multipart10.rps} req/s, p99 ${m.multipart10.p99} ms (10 conn), ${m.multipart50.p99} ms (50)${against(two, one, 'one replica')}`,
      true,
    ]),
    ...(oneSpread
      ? [
          check(oneSpread, `${oneSpread.name} (reported, no target)`, (m) => [
            `${m.multipart10.rps} req/s, p99 ${m.multipart10.p99} ms (10 conn), ${m.multipart50.rps} req/s, p99 ${m.multipart50.p99} ms (50)${against(oneSpread, one, 'one merchant')}${against50(oneSpread, one)}`,
            true,
          ]),
        ]
      : []),
    ...(twoSpread
      ? [
          check(twoSpread, `${twoSpread.name} (reported, no target)`, (m) => [
            `${m.multipart10.rps} req/s, p99 ${m.multipart10.p99} ms (10 conn), ${m.multipart50.rps} req/s, p99 ${m.multipart50.p99} ms (50)${against(twoSpread, two, 'one merchant')}${against50(twoSpread, two)}${against(twoSpread, oneSpread, 'one replica of as many merchants')}`,
            true,
          ]),
        ]
      : []),
    ...(huge
      ? [
          check(
            huge,
            `PostgreSQL, ${settings.huge.toLocaleString('en')} stored: starts and answers (start-up and RSS reported, no target)`,
            (m) => [
              `start-up ${ms(m.startupMs)}, peak RSS ${m.peakRssMb} MB (${m.startupRssMb} MB when start-up ended), ${percent(paidShare(m))} paid`,
              paidShare(m) > 0,
            ],
          ),
        ]
      : []),
  ];
}

type Load = 'multipart10' | 'urlencoded10';

function kindOf(load: Load): string {
  return load === 'multipart10' ? 'multipart' : 'urlencoded';
}

/** A target on one row; a row that was not measured does not hold it. */
function check(
  row: Row,
  target: string,
  judge: (m: Measured) => readonly [string, boolean],
): Verdict {
  if (!row.measured) return [target, `${row.name} not measured (see below)`, 'no'];
  const [measured, holds] = judge(row.measured);
  return [target, measured, holds ? 'yes' : 'no'];
}

/** The sandbox against another server on one load: ≥ `factor`×, or above it when unset. */
function relative(target: string, sandbox: Row, other: Row, load: Load, factor?: number): Verdict {
  if (!other.measured) {
    return [target, `${other.name} not measured (see below)`, 'unknown'];
  }
  const theirs = other.measured[load].rps;
  return check(sandbox, target, (m) => [
    `${ratio(m[load].rps, theirs)} (${m[load].rps} / ${theirs} req/s)`,
    factor === undefined ? m[load].rps > theirs : m[load].rps >= factor * theirs,
  ]);
}

function within(target: string, rows: Rows): Verdict {
  const empty = rows.empty.measured;
  if (!empty) return [target, `${rows.empty.name} not measured`, 'no'];
  return check(rows.stored, target, (m) => [
    `${ratio(m.multipart10.rps, empty.multipart10.rps)} multipart, ${ratio(m.urlencoded10.rps, empty.urlencoded10.rps)} urlencoded`,
    m.multipart10.rps >= 0.9 * empty.multipart10.rps &&
      m.urlencoded10.rps >= 0.9 * empty.urlencoded10.rps,
  ]);
}

function answers(row: Row, m: Measured): string {
  const loads: LoadResult[] = [m.multipart10, m.multipart50, m.urlencoded10];
  const errors = loads.reduce((sum, l) => sum + l.errors, 0);
  const non2xx = loads.reduce((sum, l) => sum + l.non2xx, 0);
  const postbacks =
    row.postbacksReceived === undefined
      ? ''
      : `, ${m.paidTotal} paid answers counted and postbacks received for ${row.postbacksReceived} payouts (answers still in flight when a load stops are not counted)${missing(m.paidTotal, row.postbacksReceived)}`;
  return `${row.name}: ${errors} errors, ${non2xx} non-2xx, ${percent(paidShare(m))} pg_status ok${postbacks}`;
}

/** Postbacks that had not arrived when they stopped arriving (2 s without one) at a row's end. */
function missing(paid: number, received: number): string {
  return received < paid
    ? `: at least ${paid - received} paid payouts had no postback at the merchant by the row's end`
    : '';
}

function paidShare(m: Measured): number {
  const loads = [m.multipart10, m.multipart50, m.urlencoded10];
  const answered = loads.reduce((sum, l) => sum + l.answered, 0);
  return answered === 0 ? 0 : loads.reduce((sum, l) => sum + l.paid, 0) / answered;
}

function percent(share: number): string {
  return `${Math.floor(share * 1000) / 10}%`;
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
