import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { benchMerchants, writeMerchantsFile, type BenchMerchant } from './merchants.js';
import { progress, type Server } from './processes.js';
import type { Row } from './report.js';
import { OPENING_BALANCE, startSandbox } from './sandbox.js';
import { seedPostgres } from './seed-postgres.js';
import { ROOT, type BenchSettings } from './settings.js';

/**
 * The PostgreSQL store's rows (issue 16): one replica, two replicas on one database (the load's
 * connections spread over both, as a balancer would), the same two with the payouts spread over
 * BENCH_MERCHANTS merchants (each merchant's balance lock apart), and one replica on a database
 * holding BENCH_HUGE payouts. The database runs in a throwaway cluster of `.ci/postgres.sh serve` (fsync
 * on, in a temporary folder), on this machine, sharing its cores with the sandboxes.
 */

/** What `row` needs to run a server or a pair of replicas: bench.ts's `run`. */
export type RunServers = (
  name: string,
  starting: () => Promise<{ server: Server | readonly Server[]; note?: string }>,
  options?: { postbacks?: boolean; merchants?: readonly BenchMerchant[] },
) => Promise<Row>;

export interface PostgresRows {
  readonly one: Row;
  readonly two: Row;
  /** One and two replicas, the payouts spread over BENCH_MERCHANTS merchants. */
  readonly oneSpread?: Row;
  readonly twoSpread?: Row;
  readonly huge?: Row;
}

export async function postgresRows(
  settings: BenchSettings,
  postLink: string,
  run: RunServers,
): Promise<PostgresRows> {
  let cluster: Cluster;
  try {
    cluster = await startCluster();
  } catch (error) {
    const problem = `no PostgreSQL cluster: ${(error as Error).message} (install it with .ci/postgres.sh install, or BENCH_POSTGRES=0)`;
    return {
      one: { name: 'sandbox on PostgreSQL, one replica', problem },
      two: { name: 'sandbox on PostgreSQL, two replicas', problem },
    };
  }
  const work = mkdtempSync(join(tmpdir(), 'fp-bench-merchants-'));
  const replica = (name: string, url: string, merchantsFile?: string) =>
    startSandbox({
      name,
      dataFile: url,
      postLink,
      logLevel: settings.logLevel,
      ...(merchantsFile === undefined ? {} : { merchantsFile }),
    });
  /** Two replicas on one database, started together as a Compose file starts them. */
  const replicaPair = async (name: string, url: string, merchantsFile?: string) => {
    // One migrates, the other waits.
    const started = await Promise.allSettled([
      replica(`${name} (A)`, url, merchantsFile),
      replica(`${name} (B)`, url, merchantsFile),
    ]);
    const servers = started.flatMap((one) => (one.status === 'fulfilled' ? [one.value] : []));
    const failed = started.find((one) => one.status === 'rejected');
    if (failed) {
      for (const server of servers) server.child.kill('SIGKILL');
      throw failed.reason;
    }
    return {
      server: servers,
      note: 'start-up is the slower replica’s, peak RSS the sum of both',
    };
  };
  try {
    const oneName = 'sandbox on PostgreSQL, one replica';
    const oneUrl = await cluster.database('bench_one');
    const one = await run(oneName, async () => ({ server: await replica(oneName, oneUrl) }), {
      postbacks: true,
    });

    const twoName = 'sandbox on PostgreSQL, two replicas';
    const twoUrl = await cluster.database('bench_two');
    const two = await run(twoName, () => replicaPair(twoName, twoUrl), { postbacks: true });

    let oneSpread: Row | undefined;
    let twoSpread: Row | undefined;
    if (settings.merchants >= 2) {
      const merchants = benchMerchants(settings.merchants);
      const merchantsFile = writeMerchantsFile(work, merchants, OPENING_BALANCE);
      const spread = { postbacks: true, merchants };
      const oneSpreadName = `${oneName}, ${merchants.length} merchants`;
      const oneSpreadUrl = await cluster.database('bench_one_merchants');
      oneSpread = await run(
        oneSpreadName,
        async () => ({ server: await replica(oneSpreadName, oneSpreadUrl, merchantsFile) }),
        spread,
      );
      const twoSpreadName = `${twoName}, ${merchants.length} merchants`;
      const twoSpreadUrl = await cluster.database('bench_two_merchants');
      twoSpread = await run(
        twoSpreadName,
        () => replicaPair(twoSpreadName, twoSpreadUrl, merchantsFile),
        spread,
      );
    }

    let huge: Row | undefined;
    if (settings.huge > 0) {
      const hugeName = `sandbox on PostgreSQL, ${settings.huge.toLocaleString('en')} stored payouts`;
      const hugeUrl = await cluster.database('bench_huge');
      const seeding = performance.now();
      progress(`inserting ${settings.huge.toLocaleString('en')} payouts into PostgreSQL`);
      try {
        await seedPostgres(hugeUrl, { count: settings.huge });
        const seconds = Math.round((performance.now() - seeding) / 1000);
        progress(`inserted in ${seconds} s`);
        huge = await run(
          hugeName,
          async () => ({
            server: await startSandbox({
              name: hugeName,
              dataFile: hugeUrl,
              postLink,
              logLevel: settings.logLevel,
              timeoutMs: 10 * 60_000,
            }),
            note: `the database was filled with batched INSERTs in ${seconds} s before the start`,
          }),
          { postbacks: true },
        );
      } catch (error) {
        huge = {
          name: hugeName,
          problem: `its database could not be filled: ${(error as Error).message}`,
        };
      }
    }
    return {
      one,
      two,
      ...(oneSpread ? { oneSpread } : {}),
      ...(twoSpread ? { twoSpread } : {}),
      ...(huge ? { huge } : {}),
    };
  } finally {
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

interface Cluster {
  /** A new database on the cluster; its URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** `.ci/postgres.sh serve`: the URL on its first line; the cluster goes when its stdin closes. */
async function startCluster(): Promise<Cluster> {
  progress('starting a PostgreSQL cluster (.ci/postgres.sh serve)');
  const child = spawn('bash', ['.ci/postgres.sh', 'serve'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const base = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const [first, ...rest] = stdout.split('\n');
      if (rest.length > 0 && first) resolve(first);
    });
    child.once('exit', (code) =>
      reject(new Error(`.ci/postgres.sh serve stopped (exit ${code}): ${stderr.trim()}`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async database(name) {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(base);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      child.stdin?.end();
      await exited;
    },
  };
}
