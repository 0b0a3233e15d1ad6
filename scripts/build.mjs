#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, which `npm ci`, `npm pack`, `npx freedompay-sandbox` in a clone
 * and installs from a git URL run): dist/ is built aside and swapped in, and not built at all when
 * nothing it is made from changed.
 *
 * - Skip: the inputs (emulator/src without its tests, dashboard/, the tsconfigs, package.json,
 *   package-lock.json and scripts/) are hashed; dist/.build-stamp holds the hash dist/ was built
 *   from. The same hash and a complete dist/: nothing to do. `--force` builds anyway.
 * - Aside: tsc and vite write into a staging folder (node_modules/.cache/freedompay-sandbox/, which
 *   git, eslint and prettier ignore). Only a build that finished is renamed into place: the old
 *   dist/ is renamed away, the new one renamed in, the old one removed. Interrupted (Ctrl-C, a
 *   failed compile, a kill), the old dist/ stays as it was; the next build removes the leftovers.
 * - A running `npm start` keeps the modules it loaded; the files it reads later (the dashboard)
 *   come from the new dist/ after the swap, as after any rename.
 *
 * Plain Node and no dependencies beyond the two compilers, so it runs before anything is built.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const STAMP = '.build-stamp';
/** What a complete dist/ has: the library, the CLI, the CommonJS entries, the dashboard. */
const REQUIRED = [
  'emulator/src/index.js',
  'emulator/src/index.d.ts',
  'emulator/src/index.cjs',
  'emulator/src/jest-environment.cjs',
  'emulator/src/main.js',
  'dashboard/index.html',
];
/** The CommonJS entries (package.json "exports"), copied beside the ES module build. */
const CJS_ENTRIES = join(ROOT, 'scripts', 'cjs');

const force = process.argv.includes('--force');
const started = Date.now();

const hash = inputsHash();
if (!force && upToDate(hash)) {
  process.stdout.write(
    'dist/ is up to date (its sources are unchanged); `npm run build -- --force` rebuilds it\n',
  );
  process.exit(0);
}

const staging = stagingDir();
removeLeftovers(staging);
const next = join(staging, `build-${process.pid}`);
const old = join(staging, `old-${process.pid}`);
// Ctrl-C reaches tsc and vite too; what they left is removed, dist/ is untouched.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    rmSync(next, { recursive: true, force: true });
    process.exit(130);
  });
}

run('tsc', 'typescript', 'tsc', ['-p', 'tsconfig.build.json', '--outDir', next]);
run('vite', 'vite', 'vite', [
  'build',
  '--config',
  'dashboard/vite.config.ts',
  '--outDir',
  join(next, 'dashboard'),
  '--emptyOutDir',
  '--logLevel',
  'warn',
]);
for (const entry of readdirSync(CJS_ENTRIES)) {
  copyFileSync(join(CJS_ENTRIES, entry), join(next, 'emulator', 'src', entry));
}
const missing = REQUIRED.filter((file) => !existsSync(join(next, file)));
if (missing.length > 0) {
  fail(`the build finished without ${missing.join(', ')}; dist/ is left as it was`);
}
writeFileSync(join(next, STAMP), `${hash}\n`);
swap();
process.stdout.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

/** The hash of everything dist/ is made from: file names and contents. */
function inputsHash() {
  const files = [
    ...walk(join(ROOT, 'emulator', 'src')).filter((file) => !file.endsWith('.test.ts')),
    ...walk(join(ROOT, 'dashboard')),
    ...walk(join(ROOT, 'scripts')),
    ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) =>
      join(ROOT, f),
    ),
  ];
  const sha = createHash('sha256');
  for (const file of files.sort()) {
    sha.update(relative(ROOT, file).split(sep).join('/'));
    sha.update('\0');
    sha.update(existsSync(file) ? readFileSync(file) : '(none)');
    sha.update('\0');
  }
  return sha.digest('hex');
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** @param {string} expected */
function upToDate(expected) {
  try {
    const stamp = readFileSync(join(DIST, STAMP), 'utf8').trim();
    return stamp === expected && REQUIRED.every((file) => existsSync(join(DIST, file)));
  } catch {
    return false;
  }
}

/**
 * Beside node_modules when it is on the same file system as the project (renames need that);
 * else a folder beside dist/.
 */
function stagingDir() {
  const cache = join(ROOT, 'node_modules', '.cache', 'freedompay-sandbox');
  mkdirSync(cache, { recursive: true });
  if (statSync(cache).dev === statSync(ROOT).dev) return cache;
  const beside = join(ROOT, '.dist-staging');
  mkdirSync(beside, { recursive: true });
  return beside;
}

/**
 * Builds and old dist/ folders of runs that did not finish (their process is gone).
 * @param {string} dir
 */
function removeLeftovers(dir) {
  for (const name of readdirSync(dir)) {
    const pid = Number(/^(?:build|old)-(\d+)$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && !alive(pid)) {
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Runs a package's own bin with this Node: no shell, no npx, the same on every platform.
 * @param {string} label
 * @param {string} pkg
 * @param {string} bin
 * @param {string[]} args
 */
function run(label, pkg, bin, args) {
  /** @type {unknown} */
  const parsed = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
  const manifest = /** @type {{ bin: string | Record<string, string> }} */ (parsed);
  const script = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin[bin] ?? bin);
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', pkg, script), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    fail(`${label} failed (${result.signal ?? `exit ${result.status}`}); dist/ is left as it was`);
  }
}

/**
 * The old dist/ out, the new one in: two renames. A failed rename puts the old dist/ back; one
 * that lost a race with a concurrent build is tried again.
 */
function swap() {
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (existsSync(DIST)) renameSync(DIST, old);
      renameSync(next, DIST);
      break;
    } catch (caught) {
      const error = /** @type {NodeJS.ErrnoException} */ (caught);
      if (!existsSync(DIST) && existsSync(old)) renameSync(old, DIST);
      if (attempt >= 3 || !['ENOENT', 'ENOTEMPTY', 'EEXIST', 'EPERM'].includes(error.code ?? '')) {
        fail(`could not put the new build in place (${error.message}); dist/ is left as it was`);
      }
    }
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}
