import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLowdbStore } from '../src/store/lowdb-store.js';
import { StoreOpenError } from '../src/store/store.js';

/** One sandbox per data file, whatever happened to the one before (issue 10, point 6). */
const program = fileURLToPath(new URL('./programs/hold-store.ts', import.meta.url));
const children: ChildProcess[] = [];

interface Holder {
  readonly child: ChildProcess;
  /** `locked <pid>` or `refused <message>`. */
  readonly said: Promise<string>;
}

function holder(file: string, options: { waitMs?: number; viaShell?: boolean } = {}): Holder {
  const node = [process.execPath, '--import', 'tsx', program, file];
  // Through a shell that then becomes `sleep`: nobody reaps the holder when it dies, so it
  // stays a zombie, whose pid still answers kill(pid, 0).
  const child = options.viaShell
    ? spawn('sh', ['-c', `"$@" & exec sleep 60`, 'sh', ...node], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, LOCK_WAIT_MS: String(options.waitMs ?? 3000) },
      })
    : spawn(node[0] ?? '', node.slice(1), {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, LOCK_WAIT_MS: String(options.waitMs ?? 3000) },
      });
  children.push(child);
  const said = new Promise<string>((resolve) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', () => resolve(out.trim()));
  });
  return { child, said };
}

function processState(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then(
    (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3),
    () => 'gone',
  );
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-lock-'));
  file = join(dir, 'sandbox.json');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('the data file lock', () => {
  it('refuses a second sandbox while the first lives, naming its pid', async () => {
    const first = holder(file);
    const said = await first.said;
    expect(said).toMatch(/^locked \d+$/);
    const error = await openLowdbStore({ file, lockWaitMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toContain(`in use by another sandbox (pid ${said.slice(7)})`);
    // Told nothing about settings, the store names the variable.
    expect((error as Error).message).toContain('give this one another data file with SANDBOX_DB');
  });

  it('names the data file the way the caller says the user set it', async () => {
    const first = holder(file);
    await first.said;
    const error = await openLowdbStore({
      file,
      lockWaitMs: 100,
      dataFileSetting: 'dataFile (in sandbox.yaml)',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /Stop it, or give this one another data file with dataFile \(in sandbox\.yaml\) \(:memory: keeps nothing\)\.$/,
    );
  });

  it('is free at once after kill -9, without waiting for the lock to go stale', async () => {
    const first = holder(file);
    await first.said;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    const store = await openLowdbStore({ file, lockWaitMs: 0 });
    await store.close();
  });

  it.skipIf(process.platform !== 'linux')(
    'is free while the killed holder is still a zombie',
    async () => {
      const first = holder(file, { viaShell: true });
      const pid = Number((await first.said).slice('locked '.length));
      process.kill(pid, 'SIGKILL');
      // Wait (on /proc, not on a timer) until it is a zombie: dead, not yet reaped.
      while ((await processState(pid)) !== 'Z') await new Promise((r) => setImmediate(r));
      expect(() => process.kill(pid, 0)).not.toThrow();
      // Its threads may take a moment more to close its files; the default wait covers that.
      const store = await openLowdbStore({ file });
      // Still a zombie, whose pid answers kill(pid, 0): a pid check would have refused.
      expect(await processState(pid)).toBe('Z');
      await store.close();
    },
  );

  it('is not fooled by a lock file naming a live process that is not a sandbox', async () => {
    // A pid reused after a crash: it answers kill(pid, 0), but holds no lock.
    const bystander = spawn('sleep', ['60']);
    children.push(bystander);
    await writeFile(`${file}.lock`, String(bystander.pid));
    const store = await openLowdbStore({ file, lockWaitMs: 0 });
    await store.close();
  });

  it('lets exactly one of eight sandboxes starting together on a stale lock have it', async () => {
    await writeFile(`${file}.lock`, '999999');
    const starters = Array.from({ length: 8 }, () => holder(file, { waitMs: 1500 }));
    const said = await Promise.all(starters.map((s) => s.said));
    expect(said.filter((line) => line.startsWith('locked'))).toHaveLength(1);
    expect(said.filter((line) => line.startsWith('refused'))).toHaveLength(7);
    for (const line of said.filter((l) => l.startsWith('refused'))) {
      expect(line).toMatch(/in use by another sandbox \(pid \d+\)/);
    }
  });
});
