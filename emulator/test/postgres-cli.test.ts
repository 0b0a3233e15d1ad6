import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { noPostgres, useTestDatabase } from './postgres.js';

/**
 * The command line on the PostgreSQL store (issue 16): `--data postgres://…` selects it, and the
 * password in the URL never reaches the start line, the log or a message.
 */

/** Starts the CLI; resolves with everything it printed once it listens (then stops it) or exits. */
function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/main.ts', ...args], {
    env: { ...process.env, PORT: '0', SANDBOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.includes('listening on')) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

/** A local port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the CLI given a PostgreSQL URL', () => {
  it('refuses a database it cannot reach by the URL without its password, and what to do', async () => {
    const port = await closedPort();
    const { code, out } = await run([
      '--data',
      `postgres://sandbox:n0t-shown@127.0.0.1:${port}/qa`,
    ]);
    expect(code).toBe(1);
    expect(out).not.toContain('n0t-shown');
    expect(out).toContain(`postgres://sandbox@127.0.0.1:${port}/qa`);
    expect(out).toContain('start PostgreSQL there, or correct the host and port in --data');
  });

  it('refuses a URL it cannot read before connecting, naming --data', async () => {
    const { code, out } = await run(['--data', 'postgresql://sandbox:n0t-shown@db:port/qa']);
    expect(code).toBe(1);
    expect(out).toContain(
      '--data has the port "port" after the host, not a number from 1 to 65535',
    );
    expect(out).not.toContain('n0t-shown');
  });
});

describe.skipIf(noPostgres())('the CLI on a PostgreSQL database', () => {
  const database = useTestDatabase();

  it('starts on it and says which database, without the password, in its start line and log', async () => {
    const url = new URL(database.url);
    const password = decodeURIComponent(url.password);
    expect(password).not.toBe('');
    const { out } = await run([], { SANDBOX_DB: database.url });
    const line = out.split('\n').find((l) => l.includes('listening on'));
    expect(line, out).toBeDefined();
    url.password = '';
    const shown = `postgres://${url.username}@${url.host}${url.pathname}`;
    expect((JSON.parse(line ?? '{}') as { database?: string }).database).toBe(shown);
    expect(out).not.toContain(password);
  });

  it('says a URL without a password needs one, instead of the driver SASL error', async () => {
    // In a process of its own: pg leaves the server waiting for the password it never sends
    // (and every DROP DATABASE of the cluster with it) until the process ends.
    const url = new URL(database.url);
    url.password = '';
    const env = { ...process.env };
    delete env.PGPASSWORD;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/src/main.ts', '--data', url.toString()],
      { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toBe(
      `cannot use PostgreSQL database ${url.toString()}: the server asks for a password and the URL has none: put it in the URL (postgres://user:password@…) or set PGPASSWORD\n`,
    );
  });
});
