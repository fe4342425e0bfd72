import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests of the public API (`*.test-d.ts`): checked by tsc, run with every `vitest run`.
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Browser suites launch Chromium; two cores do not run many of those at once.
    maxWorkers: 2,
  },
});
