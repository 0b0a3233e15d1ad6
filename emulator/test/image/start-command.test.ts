import { execSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runtimeStage } from '../dockerfile-model.js';

/**
 * What the image does, without Docker: the runtime stage's install command on a copy of the
 * package files, the built files copied in, then the Dockerfile's exact CMD with its ENV (the
 * volume paths pointed at a temporary folder), and its HEALTHCHECK command. Slow (an npm
 * install), so `npm run test:image` runs it, in CI too.
 */
const stage = runtimeStage();
const app = mkdtempSync(join(tmpdir(), 'fp-image-'));
let url = '';
let child: ReturnType<typeof spawn> | undefined;

beforeAll(() => {
  execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  // The install as the Dockerfile runs it; the cache clean after it only slims the layer.
  const install = stage.installCommand.split('&&')[0]?.trim() ?? '';
  execSync(install, { cwd: app, stdio: 'ignore' });
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'scenarios'), join(app, 'volumes', 'scenarios'), { recursive: true });
  mkdirSync(join(app, 'volumes', 'data'));
}, 180_000);

afterAll(() => {
  child?.kill('SIGKILL');
});

function env(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...stage.env,
    PORT: '0',
    SANDBOX_DB: join(app, 'volumes', 'data', 'sandbox.json'),
    SANDBOX_SCENARIOS: join(app, 'volumes', 'scenarios'),
  };
}

describe("the image's start command, from a production install", () => {
  it('has no development dependencies installed', () => {
    expect(() => execSync('node -e "import(\'vitest\')"', { cwd: app, stdio: 'ignore' })).toThrow();
  });

  it('starts, answers its health check, takes a payout and stops cleanly', async () => {
    const [command = 'node', ...args] = stage.cmd;
    child = spawn(command, args, { cwd: app, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      child?.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child?.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });

    const [hcCommand = 'node', ...hcArgs] = stage.healthcheck;
    const port = new URL(url).port;
    execSync([hcCommand, ...hcArgs.map((a) => `'${a.replace(/'/g, "'\\''")}'`)].join(' '), {
      env: { ...env(), PORT: port },
    });

    const fields: Record<string, string> = {
      pg_merchant_id: '100001',
      pg_amount: '1',
      pg_order_id: 'image-1',
      pg_user_id: 'u',
      pg_card_token_to: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001',
      pg_description: 'image',
      pg_post_link: 'http://127.0.0.1:9/n',
      pg_order_time_limit: '2030-01-01 00:00:00',
      pg_salt: 'x',
    };
    const { sign } = await import('../../src/signature/signature.js');
    fields.pg_sig = sign('reg2reg', fields, 'sandbox-payout-secret');
    const res = await fetch(`${url}/api/reg2reg`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    expect(await res.text()).toContain('<pg_status>ok</pg_status>');

    const exited = new Promise<number | null>((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
