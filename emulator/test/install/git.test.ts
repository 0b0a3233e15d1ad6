import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, npmInstall, ROOT, scratchProject, writePayoutScripts } from './scratch.js';

/**
 * `npm install git+file://...`, as users install from a git URL: npm clones the commit, installs
 * its dependencies, runs `prepare` (the build), packs the result and installs that. The
 * repository is this working tree's files (tracked, and new ones git does not ignore) committed
 * into a scratch repository: in CI's clean clone that is the commit under test; at a developer's
 * desk, what they are about to commit.
 */
let project = '';
let installOutput = '';
let repository = '';

function snapshotRepository(): string {
  const repo = mkdtempSync(join(tmpdir(), 'fp-repo-'));
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  for (const file of listed.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    cpSync(join(ROOT, file), join(repo, file));
  }
  const git = (...args: string[]): void => {
    execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  };
  git('init', '-q');
  git('add', '-A');
  git(
    '-c',
    'user.name=test',
    '-c',
    'user.email=test@example.invalid',
    'commit',
    '-q',
    '-m',
    'snapshot',
  );
  return repo;
}

beforeAll(async () => {
  repository = snapshotRepository();
  const url = `git+file://${repository}`;
  // npm 11.16+ lists a git dependency's `prepare` (its build) until the project approves it by
  // its URL; npm 12 skips it unapproved. Users add the same line (README).
  project = scratchProject('git', { allowScripts: { [url]: true } });
  const installed = await npmInstall(project, [url]);
  installOutput = installed.stdout + installed.stderr;
  writePayoutScripts(project);
}, 400_000);
afterAll(() => {
  for (const dir of [project, repository]) rmSync(dir, { recursive: true, force: true });
});

describe('the package installed from a git URL', () => {
  it('was built by its prepare script', () => {
    const installed = join(project, 'node_modules', 'freedompay-sandbox');
    expect(existsSync(join(installed, 'dist', 'emulator', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'dashboard', 'index.html'))).toBe(true);
    // Approved by its URL, nothing is left to approve: its dependencies bring no install
    // scripts (esbuild's is a development dependency's, and never reaches a user).
    expect(installOutput).not.toMatch(/install-scripts|esbuild/);
  });

  it('runs as npx freedompay-sandbox', async () => {
    const help = await mustRun('npx', ['freedompay-sandbox', '--help'], project);
    expect(help.stdout).toMatch(/^Usage: freedompay-sandbox/);
  });

  it('makes a payout through import', async () => {
    const ran = await mustRun(process.execPath, ['payout.mjs'], project);
    expect(JSON.parse(ran.stdout)).toEqual({ answer: 'ok', stored: 'ok' });
  });

  it('makes a payout through require', async () => {
    const ran = await mustRun(process.execPath, ['payout.cjs'], project);
    expect(JSON.parse(ran.stdout)).toEqual({ answer: 'ok', stored: 'ok' });
  });
});
