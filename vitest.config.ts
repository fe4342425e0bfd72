import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Browser suites launch Chromium; two cores do not run many of those at once.
    maxWorkers: 2,
  },
});
