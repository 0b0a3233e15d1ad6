import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { npmInstall, run, scratchProject, TSC } from './scratch.js';

/**
 * The package's types as a TypeScript user meets them: the tarball installed into a new project
 * (its dependencies as users get them, no @types of anything), and a consumer typechecked under
 * the common tsconfig settings, all with `skipLibCheck: false`, so the package's .d.ts files are
 * checked too.
 */
const project = scratchProject('types');
const installed = join(project, 'node_modules', 'freedompay-sandbox');

const CONSUMER = `import {
  SandboxAdminError,
  sign,
  startSandbox,
  verifySignature,
  type Payout,
  type RuleInput,
  type RunningSandbox,
  type ScenarioFile,
} from 'freedompay-sandbox';

const declined: RuleInput = { name: 'declined', match: { pg_amount: { min: 1000 } }, outcome: 'error 10000' };
const scenario: ScenarioFile = { name: 'big-payouts', rules: [declined, { latency: '2s', outcome: 'process -> ok after 5s' }] };

export async function check(): Promise<string> {
  const sandbox: RunningSandbox = await startSandbox({ port: 0, clockSpeed: 0, scenarios: [scenario] });
  const signature: string = sign('reg2reg', { pg_amount: '10.00' }, sandbox.secretKey);
  const checked: boolean = verifySignature('reg2reg', { pg_amount: '10.00', pg_sig: signature }, sandbox.secretKey).valid;
  const first: Payout | undefined = (await sandbox.payouts({ status: 'ok' })).payouts[0];
  try {
    await sandbox.finish('1', 'error 10001');
  } catch (error) {
    if (error instanceof SandboxAdminError) return error.code;
  }
  await sandbox.close();
  return \`\${checked} \${first?.status ?? 'none'}\`;
}
`;

const COMMON = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: 'es2022',
  lib: ['es2022'],
  types: [],
};

const SETTINGS: Record<string, { type: 'module' | 'commonjs'; options: Record<string, string> }> = {
  'nodenext, an ES module': {
    type: 'module',
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
  },
  'nodenext, CommonJS (require)': {
    type: 'commonjs',
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
  },
  'bundler with esnext': {
    type: 'module',
    options: { module: 'esnext', moduleResolution: 'bundler' },
  },
  'node10 with commonjs': {
    type: 'commonjs',
    options: { module: 'commonjs', moduleResolution: 'node10' },
  },
};

beforeAll(async () => {
  await npmInstall(project, [inject('tarball')]);
}, 300_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("the package's types", () => {
  it('import nothing from outside the package: no third-party types reach a user', () => {
    const outside = new Map<string, string[]>();
    const seen = new Set<string>();
    const queue = [join(installed, 'dist', 'emulator', 'src', 'index.d.ts')];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, specifier = ''] of text.matchAll(/(?:from\s+|import\(\s*)['"]([^'"]+)['"]/g)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts'));
          if (existsSync(target)) queue.push(target);
          continue;
        }
        outside.set(specifier, [...(outside.get(specifier) ?? []), relative(installed, file)]);
      }
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(Object.fromEntries(outside)).toEqual({});
  });

  it.each(Object.entries(SETTINGS))(
    'typecheck a consumer under %s, without skipLibCheck',
    async (name, setting) => {
      const dir = join(project, name.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ private: true, type: setting.type }),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { ...COMMON, ...setting.options },
          files: ['consumer.ts'],
        }),
      );
      writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
      const ran = await run(process.execPath, [TSC, '-p', dir], dir);
      expect(ran.stdout + ran.stderr).toBe('');
      expect(ran.code).toBe(0);
    },
  );
});
