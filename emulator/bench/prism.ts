import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answersPayout, freePort, progress, start, type Server } from './processes.js';
import { PEERS_DIR } from './settings.js';

/**
 * Prism (`@stoplight/prism-cli`), the peer: it mocks peers/reg2reg.openapi.yaml, checking each
 * body against the schema and answering the document's example. It lives in peers/ with its own
 * package.json and lockfile, installed there on first use, so the project's own `npm install`
 * never fetches it. 5.14.2 is the newest release that runs on Node 20 (5.15 and later ask for
 * Node 24); the lockfile's overrides keep its own packages on the matching releases.
 */
const PRISM_CLI = join(PEERS_DIR, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const DOCUMENT = join(PEERS_DIR, 'reg2reg.openapi.yaml');

/** Installs peers/ when its node_modules lacks Prism; resolves to what went wrong, if anything. */
export async function installPrism(): Promise<string | undefined> {
  if (existsSync(PRISM_CLI)) return undefined;
  progress(`installing Prism into ${PEERS_DIR}node_modules (first run only)`);
  const started = performance.now();
  const problem = await run('npm', ['ci', '--no-audit', '--no-fund'], PEERS_DIR, 10 * 60_000);
  if (problem !== undefined) return `npm ci in emulator/bench/peers failed (${problem})`;
  if (!existsSync(PRISM_CLI)) return `npm ci in emulator/bench/peers did not install ${PRISM_CLI}`;
  progress(`Prism installed in ${Math.round((performance.now() - started) / 1000)} s`);
  return undefined;
}

/** The installed Prism's version. */
export function prismVersion(): string {
  const file = join(PEERS_DIR, 'node_modules', '@stoplight', 'prism-cli', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Starts Prism's mock server on a free port; start-up ends with its first answered payout. */
export async function startPrism(postLink: string): Promise<Server> {
  const port = await freePort();
  return start({
    name: 'Prism',
    args: [PRISM_CLI, 'mock', DOCUMENT, '-p', String(port), '-h', '127.0.0.1', '-v', 'warn'],
    cwd: PEERS_DIR,
    url: `http://127.0.0.1:${port}`,
    ready: answersPayout(postLink),
  });
}

/** Runs a command; resolves to undefined when it succeeded, else to what went wrong. */
function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-16 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // npm's first error lines say what failed; its last ones point at a log file.
      const lines = output.trim().split('\n');
      const errors = lines.filter((line) => line.startsWith('npm error')).slice(0, 3);
      const last = (errors.length > 0 ? errors : lines.slice(-2)).join(' / ');
      resolve(code === 0 ? undefined : `${signal ?? `exit code ${code}`}: ${last}`);
    });
  });
}
