import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests import the package by name, as its users do, but from source: never a stale build.
    alias: {
      'freedompay-sandbox': fileURLToPath(new URL('./emulator/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['emulator/**/*.test.ts', 'client-tests/**/*.test.ts'],
    // Slow (npm installs): `npm run test:image` and `npm run test:install`, which .ci/run runs too.
    exclude: ['emulator/test/image/**', 'emulator/test/install/**', '**/node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
