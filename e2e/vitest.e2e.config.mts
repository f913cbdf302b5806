import { defineConfig } from 'vitest/config';

// End-to-end specs drive the built app (out/) in a real browser; `npm run test:e2e` builds first.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each spec starts its own host and browser; running them one at a time keeps timings readable on small CI boxes.
    fileParallelism: false,
  },
});
