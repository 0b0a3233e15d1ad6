import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, userEnv } from './scratch.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The `npm pack` tarball of this repository, as a release would attach it. */
    tarball: string;
    /** The paths in it. */
    tarballFiles: string[];
  }
}

/** Once for `npm run test:install`: the build (skipped when dist/ is current), then `npm pack`. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'fp-pack-'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
  // The build just ran; `prepare` would only find it current.
  const json = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
    { cwd: ROOT, env: userEnv(), encoding: 'utf8' },
  );
  const [packed] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${json}`);
  project.provide('tarball', join(dir, packed.filename));
  project.provide(
    'tarballFiles',
    packed.files.map((file) => file.path),
  );
  return () => rmSync(dir, { recursive: true, force: true });
}
