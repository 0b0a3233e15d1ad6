import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandboxProcess } from '../../client-tests/support/sandbox-process.js';

/** The command line as users run it. */
function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/main.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('freedompay-sandbox (the CLI)', () => {
  it('prints --help and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--admin-token');
    expect(out).toContain('env SANDBOX_CLOCK_SPEED');
  });

  it('refuses bad settings at start with every problem listed, exit 1', async () => {
    const { code, out } = await run(['--port', 'x'], { SANDBOX_SIGNATURE_ERROR: '7' });
    expect(code).toBe(1);
    expect(out).toContain('2 problem(s)');
    expect(out).toContain('--port="x"');
    expect(out).toContain('SANDBOX_SIGNATURE_ERROR="7"');
  });

  it('says so when the port is taken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const first = await startSandboxProcess({ SANDBOX_DB: join(dir, 'a.json') });
    const port = new URL(first.url).port;
    const { code, out } = await run(['--port', port, '--data-file', join(dir, 'b.json')]);
    await first.stop();
    expect(code).toBe(1);
    expect(out).toContain('EADDRINUSE');
    expect(out).toContain('--port');
  });

  it('refuses a data file another running sandbox holds, naming its pid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const file = join(dir, 'shared.json');
    const first = await startSandboxProcess({ SANDBOX_DB: file });
    try {
      const { code, out } = await run(['--port', '0', '--data-file', file]);
      expect(code).toBe(1);
      expect(out).toContain(`in use by another sandbox (pid ${first.child.pid})`);
    } finally {
      await first.stop();
    }
  });

  it('says the data file cannot be used, not the port, when its folder cannot be made', async () => {
    const { code, out } = await run(['--port', '0', '--data-file', '/etc/hostname/sandbox.json']);
    expect(code).toBe(1);
    expect(out).toContain('The data file /etc/hostname/sandbox.json cannot be used');
    expect(out).not.toContain('listen');
  });

  it('stops on SIGTERM even when a request waits on a stopped clock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const sandbox = await startSandboxProcess({
      SANDBOX_DB: join(dir, 'db.json'),
      SANDBOX_CLOCK_SPEED: '0',
    });
    await fetch(`${sandbox.url}/__sandbox/scenarios`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ latency: '3s' }),
    });
    const held = fetch(`${sandbox.url}/api/reg2reg`, { method: 'POST' }).catch(() => 'cut');
    // The held request reaches the sandbox before it is told to stop.
    await fetch(`${sandbox.url}/__sandbox/health`);
    expect(await sandbox.stop()).toBe(0);
    await held;
  }, 20_000);

  it('protects the admin API with a token, health excepted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const config = join(dir, 'sandbox.yaml');
    await writeFile(config, `dataFile: db.json\nadminToken: let-me-in-please\n`);
    const sandbox = await startSandboxProcess({ SANDBOX_CONFIG: config });
    try {
      expect((await fetch(`${sandbox.url}/__sandbox/health`)).status).toBe(200);
      const refused = await fetch(`${sandbox.url}/__sandbox/payouts`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: string }).error).toContain('Bearer');
      const allowed = await fetch(`${sandbox.url}/__sandbox/payouts`, {
        headers: { Authorization: 'Bearer let-me-in-please' },
      });
      expect(allowed.status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });
});
