import { defineConfig } from 'vitest/config';

/**
 * `npm run test:install`: the package as users get it. `npm pack`'s tarball and a git URL are
 * installed into new projects in the temp dir, where the CLI, `import`, `require`, the README's
 * jest and vitest examples and a TypeScript consumer under each common tsconfig run. Slow (npm
 * installs, from npm's cache where it can); .ci/run runs it after the build.
 */
export default defineConfig({
  test: {
    include: ['emulator/test/install/**/*.test.ts'],
    globalSetup: ['emulator/test/install/pack.ts'],
    testTimeout: 120_000,
    hookTimeout: 400_000,
  },
});
