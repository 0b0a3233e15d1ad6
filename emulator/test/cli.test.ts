import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
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

  it('refuses --scenarios naming a folder that does not exist, instead of starting without magic values', async () => {
    const { code, out } = await run([
      '--port',
      '0',
      '--data-file',
      ':memory:',
      '--scenarios',
      '/nonexistent',
    ]);
    expect(code).toBe(1);
    expect(out).toContain(
      '--scenarios="/nonexistent" does not exist; give a folder of .yaml or .json scenario files, or leave the setting out for ./scenarios (the bundled examples when there is none)',
    );
    expect(out).not.toContain('listening');
  });

  it('refuses SANDBOX_SCENARIOS and the config file key naming a missing folder, each by its name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const fromEnv = await run(['--port', '0', '--data-file', ':memory:'], {
      SANDBOX_SCENARIOS: '/nonexistent',
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.out).toContain('SANDBOX_SCENARIOS="/nonexistent" does not exist');
    const config = join(dir, 'sandbox.yaml');
    await writeFile(config, 'dataFile: ":memory:"\nscenarios: gone\n');
    const fromFile = await run(['--port', '0', '--config', config]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.out).toContain(
      `scenarios (in ${config})=${JSON.stringify(join(dir, 'gone'))} does not exist`,
    );
  });

  it('refuses a mistyped postgres:// URL at start, never showing its password or making a file of it', async () => {
    const secret = 'Typo-s3cret';
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    for (const typo of [
      `postgress://sandbox:${secret}@127.0.0.1:39125/sandbox`,
      `postgres//sandbox:${secret}@127.0.0.1:39125/sandbox`,
      `postgres:/sandbox:${secret}@127.0.0.1:39125/sandbox`,
    ]) {
      const { code, out } = await run(['--port', '0', '--data', typo]);
      expect(code).toBe(1);
      expect(out).toContain('--data="postgres');
      expect(out).toContain('did you mean postgres://sandbox:***@127.0.0.1:39125/sandbox?');
      expect(out).not.toContain(secret);
      expect(out).not.toContain('listening');
      // Read as a path, it would have been made relative to the working folder.
      expect(existsSync(typo.split('/')[0]!)).toBe(false);
    }
    const config = join(dir, 'sandbox.yaml');
    await writeFile(config, `dataFile: "postgress://sandbox:${secret}@127.0.0.1:39125/sandbox"\n`);
    const fromFile = await run(['--port', '0', '--config', config]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.out).toContain(`dataFile (in ${config})="postgress://sandbox:***@`);
    expect(fromFile.out).not.toContain(secret);
    expect(await readdir(dir)).toEqual(['sandbox.yaml']);
  });

  it("says what an sslmode URL's failure means without the PostgreSQL driver's SECURITY WARNING before it", async () => {
    // Port 1: nothing listens there; the driver warns when it reads the URL, before connecting.
    const { code, out } = await run([
      '--port',
      '0',
      '--data',
      'postgres://sandbox:pw@127.0.0.1:1/sandbox?sslmode=require',
    ]);
    expect(code).toBe(1);
    expect(out).not.toContain('SECURITY WARNING');
    expect(out).not.toContain('uselibpqcompat');
    expect(out).toBe(
      'cannot use PostgreSQL database postgres://sandbox@127.0.0.1:1/sandbox: nothing accepts connections at 127.0.0.1:1: start PostgreSQL there, or correct the host and port in --data\n',
    );
  });

  it('suggests --port for --prot, on one line', async () => {
    const { code, out } = await run(['--prot', '4020']);
    expect(code).toBe(1);
    expect(out).toBe(
      'freedompay-sandbox: unknown option --prot; did you mean --port? (freedompay-sandbox --help lists the options)\n',
    );
  });

  it('names a stray word and says what to do with it', async () => {
    const { code, out } = await run(['foo']);
    expect(code).toBe(1);
    expect(out).toBe(
      'freedompay-sandbox: unexpected word "foo": freedompay-sandbox takes no commands or file names, only options with their values (such as --port 4010); remove it, or put the option it belongs to before it (a value with spaces needs quotes); freedompay-sandbox --help lists the options\n',
    );
  });

  it('lists each default once in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    const help = out.replace(/\s+/g, ' ');
    expect(help).toContain(
      'scenario files folder (default: ./scenarios, else the bundled examples)',
    );
    expect(help).not.toContain('(default) or plain form fields');
    expect(help.match(/\(default: pg_xml\)/g)).toHaveLength(1);
  });

  it('refuses an empty --postback-allow or SANDBOX_POSTBACK_ALLOW instead of allowing every host', async () => {
    const flag = await run(['--port', '0', '--data-file', ':memory:', '--postback-allow', '']);
    expect(flag.code).toBe(1);
    expect(flag.out).toContain(
      '--postback-allow="" names no host; write * to let postbacks go anywhere, or the hosts they may go to, e.g. localhost:8080,*.example.test',
    );
    const variable = await run(['--port', '0', '--data-file', ':memory:'], {
      SANDBOX_POSTBACK_ALLOW: '',
    });
    expect(variable.code).toBe(1);
    expect(variable.out).toContain('SANDBOX_POSTBACK_ALLOW="" names no host');
  });

  it('says so when the port is taken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const first = await startSandboxProcess({ SANDBOX_DB: join(dir, 'a.json') });
    const port = new URL(first.url).port;
    const { code, out } = await run(['--port', port, '--data-file', join(dir, 'b.json')]);
    await first.stop();
    expect(code).toBe(1);
    expect(out).toContain('EADDRINUSE');
    expect(out).toContain('give this one another with --port (0 picks a free one)');
  });

  it('refuses a data file another running sandbox holds, naming its pid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const file = join(dir, 'shared.json');
    const first = await startSandboxProcess({ SANDBOX_DB: file });
    try {
      const { code, out } = await run(['--port', '0', '--data-file', file]);
      expect(code).toBe(1);
      expect(out).toContain(`in use by another sandbox (pid ${first.child.pid})`);
      // Named as the user named it: the flag, not the variable.
      expect(out).toContain('Stop it, or give this one another data file with --data-file');
    } finally {
      await first.stop();
    }
  });

  it('says the data file cannot be used, not the port, when its folder cannot be made', async () => {
    const { code, out } = await run(['--port', '0', '--data-file', '/etc/hostname/sandbox.json']);
    expect(code).toBe(1);
    expect(out).toContain('The data file /etc/hostname/sandbox.json cannot be used');
    expect(out).toContain('Point --data-file at a file in a folder this user can write');
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

  it('refuses a retention setting without its unit, saying how to write it', async () => {
    const { code, out } = await run(['--retain-for', '30', '--retain-per-merchant', '0']);
    expect(code).toBe(1);
    expect(out).toContain('--retain-for="30" must be a duration with its unit, such as 30d');
    expect(out).toContain('--retain-per-merchant="0" must be a whole number of payouts, 1 or more');
  });

  it('says in its start line which payouts retention forgets', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/src/main.ts', '--retain-for', '30d'],
      {
        env: {
          ...process.env,
          PORT: '0',
          SANDBOX_DB: ':memory:',
          SANDBOX_RETAIN_PER_MERCHANT: '500',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('listening on')) resolve();
      });
      void exited.then(() => reject(new Error(out)));
    });
    child.kill('SIGTERM');
    await exited;
    const line = JSON.parse(out.split('\n').find((l) => l.includes('listening on')) ?? '{}') as {
      retention?: string;
    };
    expect(line.retention).toBe('settled payouts forgotten after 30d, and beyond 500 per merchant');
  });
});
