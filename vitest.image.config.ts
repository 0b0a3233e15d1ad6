import { defineConfig } from 'vitest/config';

/** `npm run test:image`: the Docker image's start command from a production install. */
export default defineConfig({
  test: {
    include: ['emulator/test/image/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
