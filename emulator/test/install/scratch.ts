import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Scratch projects for `npm run test:install`: a folder in the system's temp dir with a
 * package.json of its own, where the package is installed as a user installs it, and commands
 * run there as a user runs them.
 */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The repository's own TypeScript compiler, for the consumer typecheck. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export function scratchProject(name: string, manifest: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `fp-${name}-`));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `scratch-${name}`, version: '1.0.0', private: true, ...manifest }, null, 2)}\n`,
  );
  return dir;
}

/**
 * The environment without what `npm run` adds (`npm_config_*`, `npm_package_*`, `INIT_CWD`):
 * npm in a scratch project must see that project, never this repository.
 */
export function userEnv(): NodeJS.ProcessEnv {
  // Plain output, for assertions on what the tools print.
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !['INIT_CWD', 'FORCE_COLOR'].includes(key)) env[key] = value;
  }
  return env;
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end; never throws for its exit code (the test asserts on it). */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = userEnv(),
): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Runs a command that must succeed: rejects with its whole output otherwise. */
export async function mustRun(
  command: string,
  args: readonly string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<Ran> {
  const ran = await run(command, args, cwd, env);
  if (ran.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`,
    );
  }
  return ran;
}

/**
 * `npm install` as a user runs it, from npm's cache when it has the version (CI's `npm ci` has
 * just filled it), else from the registry.
 */
export function npmInstall(cwd: string, specs: readonly string[]): Promise<Ran> {
  return mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], cwd);
}

const FIELDS = `{
  pg_merchant_id: sandbox.merchantId,
  pg_amount: '10.00',
  pg_order_id: 'scratch-1',
  pg_user_id: 'user-1',
  pg_card_token_to: sandbox.cards[0].token,
  pg_description: 'Prize',
  pg_post_link: 'http://127.0.0.1:9/payout/notify',
  pg_order_time_limit: '2030-01-01 00:00:00',
  pg_salt: 'scratch-salt',
}`;

const PAYOUT = `
  const sandbox = await startSandbox({ port: 0, clockSpeed: 0 });
  const fields = ${FIELDS};
  fields.pg_sig = sandbox.sign('reg2reg', fields);
  const res = await fetch(sandbox.url + '/api/reg2reg', { method: 'POST', body: new URLSearchParams(fields) });
  const answer = /<pg_status>(\\w+)<\\/pg_status>/.exec(await res.text())?.[1];
  const { payouts } = await sandbox.payouts({ order_id: 'scratch-1' });
  await sandbox.close();
  console.log(JSON.stringify({ answer, stored: payouts[0]?.status }));
`;

/**
 * A script that loads the package by its name (`import` or `require`), starts a sandbox, makes
 * one payout and prints `{"answer": <pg_status>, "stored": <the payout's status>}`.
 */
export const PAYOUT_SCRIPTS = {
  'payout.mjs': `import { startSandbox } from 'freedompay-sandbox';\n${PAYOUT}`,
  'payout.cjs': `const { startSandbox } = require('freedompay-sandbox');\n(async () => {${PAYOUT}})().catch((error) => { console.error(error); process.exit(1); });\n`,
} as const;

export function writePayoutScripts(dir: string): void {
  for (const [file, text] of Object.entries(PAYOUT_SCRIPTS)) writeFileSync(join(dir, file), text);
}
