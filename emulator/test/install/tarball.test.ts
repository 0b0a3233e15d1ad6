import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mustRun, npmInstall, ROOT, scratchProject, writePayoutScripts } from './scratch.js';

/**
 * A release tarball (`npm pack`) installed into a new project, as the README tells users to:
 * the CLI, `import` and `require`, and the README's jest and vitest examples run there against
 * the installed package, with jest and vitest installed as that project's own.
 */
const tarball = inject('tarball');
const project = scratchProject('tarball');
const devVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    }
  ).devDependencies[name] ?? 'latest';
let installOutput = '';

beforeAll(async () => {
  const installed = await npmInstall(project, [tarball]);
  installOutput = installed.stdout + installed.stderr;
  await npmInstall(project, [
    '--save-dev',
    `jest@${devVersion('jest')}`,
    `vitest@${devVersion('vitest')}`,
  ]);
  writePayoutScripts(project);
  // The examples as a user copies them (without this repository's tsconfig for them).
  cpSync(join(ROOT, 'examples', 'jest'), join(project, 'examples', 'jest'), { recursive: true });
  cpSync(join(ROOT, 'examples', 'vitest'), join(project, 'examples', 'vitest'), {
    recursive: true,
  });
}, 300_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the package installed from its npm pack tarball', () => {
  it('holds the built files, the scenarios, README and LICENSE; no sources, no source maps', () => {
    const files = inject('tarballFiles');
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/emulator/src/index.js',
        'dist/emulator/src/index.d.ts',
        'dist/emulator/src/index.cjs',
        'dist/emulator/src/jest-environment.cjs',
        'dist/emulator/src/main.js',
        'dist/dashboard/index.html',
      ]),
    );
    expect(files.some((file) => file.startsWith('scenarios/'))).toBe(true);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('brings no install scripts of its dependencies to approve', () => {
    // npm 11.16+ names the package's own `prepare` (which never runs for a tarball) for
    // `npm approve-scripts`; esbuild's postinstall is a development dependency's.
    const flagged = installOutput
      .split('\n')
      .filter((line) => /install-scripts\s+\S+@\d/.test(line))
      .map((line) => line.replace(/^npm warn install-scripts\s+/, ''));
    expect(flagged.filter((line) => !line.startsWith('freedompay-sandbox@'))).toEqual([]);
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

  it("passes the README's jest example, with jest", async () => {
    const ran = await mustRun(
      'npx',
      ['--no', '--', 'jest', '--config', 'examples/jest/jest.config.cjs'],
      project,
    );
    expect(ran.stderr).toMatch(/Tests:\s+2 passed, 2 total/);
  });

  it("passes the README's vitest example, with vitest", async () => {
    const ran = await mustRun('npx', ['--no', '--', 'vitest', 'run', 'examples/vitest'], project);
    expect(ran.stdout).toMatch(/Tests\s+1 passed/);
  });
});
