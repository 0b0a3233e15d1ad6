import { spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run } from './scratch.js';

/**
 * `npm run build` (scripts/build.mjs), on a copy of the build's inputs with this repository's
 * node_modules: skipped when nothing changed, and never a package without a working dist/: a
 * failed or killed build leaves the old one, and a sandbox running from dist/ keeps answering
 * through a rebuild.
 */
const copy = mkdtempSync(join(tmpdir(), 'fp-build-'));
const dist = join(copy, 'dist');
const stamp = (): string => readFileSync(join(dist, '.build-stamp'), 'utf8');
const build = (...args: string[]) =>
  run(process.execPath, [join(copy, 'scripts', 'build.mjs'), ...args], copy);

/** Where builds are staged: beside node_modules when on the same file system, else in the copy. */
function stagingDirs(): string[] {
  return [
    join(ROOT, 'node_modules', '.cache', 'freedompay-sandbox'),
    join(copy, '.dist-staging'),
  ].filter((dir) => existsSync(dir));
}
const staged = (pid: number | undefined): string[] =>
  stagingDirs().flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith(`-${pid}`)));

beforeAll(async () => {
  for (const path of [
    'emulator/src',
    'dashboard',
    'scripts',
    'scenarios',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ]) {
    cpSync(join(ROOT, path), join(copy, path), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const first = await build();
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
}, 120_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run build', () => {
  it('does nothing when no source changed since dist/ was built', async () => {
    const before = statSync(join(dist, 'emulator', 'src', 'index.js')).mtimeMs;
    const again = await build();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/dist\/ is up to date/);
    expect(again.ms).toBeLessThan(3_000);
    expect(statSync(join(dist, 'emulator', 'src', 'index.js')).mtimeMs).toBe(before);
  });

  it('leaves the old dist/ when the build fails', async () => {
    const built = stamp();
    appendFileSync(
      join(copy, 'emulator', 'src', 'duration.ts'),
      "\nexport const broken: number = 'x';\n",
    );
    const failed = await build();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/tsc failed .*dist\/ is left as it was/);
    expect(stamp()).toBe(built);
    expect(existsSync(join(dist, 'emulator', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(dist, 'dashboard', 'index.html'))).toBe(true);
  });

  it('leaves the old dist/ when killed, cleans up after it, and swaps under a running sandbox', async () => {
    cpSync(
      join(ROOT, 'emulator', 'src', 'duration.ts'),
      join(copy, 'emulator', 'src', 'duration.ts'),
    );
    appendFileSync(
      join(copy, 'emulator', 'src', 'duration.ts'),
      '\n// a change, so the build runs\n',
    );
    const built = stamp();

    // A sandbox runs from dist/, as `npm start` does, through all that follows.
    const server = spawn(process.execPath, ['dist/emulator/src/main.js'], {
      cwd: copy,
      env: { ...process.env, PORT: '0', SANDBOX_DB: ':memory:' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        server.on('exit', (code) => reject(new Error(`the sandbox exited ${code}: ${output}`)));
      });

      // Killed (with its compilers) while tsc writes into the staging folder.
      const killed = spawn(process.execPath, [join(copy, 'scripts', 'build.mjs')], {
        cwd: copy,
        detached: true,
        stdio: 'ignore',
      });
      const deadline = Date.now() + 20_000;
      while (staged(killed.pid).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(staged(killed.pid)).not.toEqual([]);
      const exited = new Promise((resolve) => killed.on('exit', resolve));
      process.kill(-(killed.pid ?? 0), 'SIGKILL');
      await exited;
      expect(stamp()).toBe(built);
      expect(existsSync(join(dist, 'emulator', 'src', 'main.js'))).toBe(true);

      // The next build finishes, and removes what the killed one left.
      const next = await build();
      expect(next.code).toBe(0);
      expect(next.stdout).toMatch(/built dist\/ in/);
      expect(stamp()).not.toBe(built);
      expect(staged(killed.pid)).toEqual([]);

      // The running sandbox answers, its dashboard from the new dist/.
      expect((await fetch(`${url}/__sandbox/health`)).status).toBe(200);
      expect((await fetch(`${url}/__sandbox/ui/`)).status).toBe(200);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
