import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDockerfile, ROOT, runtimeStage } from './dockerfile-model.js';

/**
 * No Docker engine runs here, so the Dockerfile is checked as a file: the rules a reviewer (or
 * hadolint) would hold it to. The image's start command itself is run by `npm run test:image`.
 */
const dockerfile = readDockerfile();
const instructions = dockerfile.getInstructions();
const runtimeStart = dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0;
const runtime = instructions.filter((i) => i.getRange().start.line >= runtimeStart);
const args = (keyword: string): string[] =>
  runtime.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

describe('the Dockerfile', () => {
  it('has no syntax problems the parser reports', () => {
    expect(instructions.length).toBeGreaterThan(10);
    expect(dockerfile.getComments().length).toBeGreaterThan(0);
  });

  it('builds in one stage and runs in another, both on a pinned Node base', () => {
    const froms = dockerfile.getFROMs();
    expect(froms.map((f) => f.getBuildStage())).toEqual(['build', 'runtime']);
    for (const from of froms) {
      expect(from.getImageName()).toBe('node');
      // A full version, never latest or a moving major tag.
      expect(from.getImageTag()).toMatch(/^\d+\.\d+\.\d+-[a-z]+-slim$/);
    }
    expect(args('COPY').some((a) => a.includes('/app/dist'))).toBe(true);
    expect(
      dockerfile
        .getCOPYs()
        .filter((c) => c.getRange().start.line >= runtimeStart)
        .some((c) => c.getFromFlag()?.getValue() === 'build'),
    ).toBe(true);
  });

  it('builds the QA dashboard in the build stage, so the image serves /__sandbox/ui', () => {
    const build = instructions.filter((i) => i.getRange().start.line < runtimeStart);
    const copied = build
      .filter((i) => i.getKeyword() === 'COPY')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(copied).toContain('dashboard ./dashboard');
    const runs = build.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent());
    expect(runs.at(-1)).toBe('npm run build');
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
      files: string[];
    };
    // `npm run build` is scripts/build.mjs, which runs tsc and the dashboard's vite build.
    expect(copied).toContain('scripts ./scripts');
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    expect(readFileSync(`${ROOT}scripts/build.mjs`, 'utf8')).toContain(
      "'dashboard/vite.config.ts'",
    );
    expect(pkg.files).toContain('dist/dashboard');
  });

  it('installs production dependencies only, from the lockfile, without scripts', () => {
    expect(runtimeStage().installCommand).toMatch(/^npm ci --omit=dev --ignore-scripts/);
  });

  it('runs as a non-root user, exposes 4010, keeps data and scenarios in volumes', () => {
    expect(args('USER')).toEqual(['node']);
    expect(args('EXPOSE')).toEqual(['4010']);
    expect(JSON.parse(args('VOLUME')[0] ?? '[]')).toEqual(['/data', '/scenarios']);
    expect(runtimeStage().env).toMatchObject({
      HOST: '0.0.0.0',
      PORT: '4010',
      SANDBOX_DB: '/data/sandbox.json',
      SANDBOX_SCENARIOS: '/scenarios',
      NODE_ENV: 'production',
    });
  });

  it('checks its health on /__sandbox/health and starts the built CLI in exec form', () => {
    const stage = runtimeStage();
    expect(stage.healthcheck.join(' ')).toContain('/__sandbox/health');
    expect(stage.cmd).toEqual(['node', 'dist/emulator/src/main.js']);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(`./${stage.cmd[1] ?? ''}`.replace('./', '')).toBe(pkg.bin['freedompay-sandbox']);
  });

  it('copies only what exists, and .dockerignore keeps local state out of the context', () => {
    for (const copy of dockerfile.getCOPYs()) {
      if (copy.getFromFlag()) continue;
      const sources = copy
        .getArguments()
        .slice(0, -1)
        .map((a) => a.getValue());
      for (const source of sources) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
    }
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git']));
  });
});
