import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { noPostgres, startCluster } from './postgres.js';

/**
 * The throwaway PostgreSQL of `.ci/postgres.sh` as the tests use it: started, used, gone. Runs
 * even when `.ci/run` provides a cluster, so the script's own start and clean-up stay tested.
 */

async function describeServer(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      dir: string;
      fsync: string;
      pid: number;
      listen: string;
    }>(
      `SELECT current_setting('data_directory') AS dir, current_setting('fsync') AS fsync,
              pg_backend_pid() AS pid, current_setting('listen_addresses') AS listen`,
    );
    const row = rows[0];
    if (!row) throw new Error('no row');
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${row.pid}/status`, 'utf8'))?.[1];
    return { folder: dirname(row.dir), fsync: row.fsync, uid: Number(uid), listen: row.listen };
  } finally {
    await client.end();
  }
}

async function gone(folder: string, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!existsSync(folder)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !existsSync(folder);
}

describe.skipIf(noPostgres())('a throwaway PostgreSQL cluster for tests', () => {
  it('runs as an unprivileged user on 127.0.0.1 with fsync on, and is removed when stopped', async () => {
    const cluster = await startCluster();
    const server = await describeServer(cluster.url);

    expect(cluster.url).toMatch(/^postgres:\/\/sandbox:[0-9a-f]{32}@127\.0\.0\.1:\d+\/sandbox$/);
    expect(server.uid).not.toBe(0);
    expect(server.fsync).toBe('on');
    expect(server.listen).toBe('127.0.0.1');
    expect(existsSync(server.folder)).toBe(true);

    await cluster.stop();
    expect(existsSync(server.folder)).toBe(false);
  });

  it('is stopped and removed when the process that started it is killed', async () => {
    // A test worker that dies with -9: nothing of it runs again, the closed pipe is all there is.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startCluster } = await import(${JSON.stringify(new URL('./postgres.ts', import.meta.url).href)});
         const cluster = await startCluster();
         console.log(cluster.url);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before a URL`)));
    });
    const server = await describeServer(url);
    expect(existsSync(server.folder)).toBe(true);

    child.kill('SIGKILL');
    expect(await gone(server.folder, 15_000)).toBe(true);
  });
});
