import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compareSuite, type Suite } from '../../scripts/third-party-suites.js';

// Each suite runs three times in child processes (alone, snippet before, snippet after): the
// copies vendored in test/fixtures/third-party/ (README.md there), against the packages
// installed here. One retry absorbs a timing test of theirs slowed by a loaded machine; a
// difference the snippet makes shows on every run.
const RUN = { timeout: 120_000, retry: 1 };
const require = createRequire(import.meta.url);

describe('the test suites of express-session and serve-static, with the snippet inserted', () => {
  const cases: { suite: Suite; pkg: string; vendored: string; tests: number }[] = [
    { suite: 'session', pkg: 'express-session', vendored: '1.19.0', tests: 142 },
    { suite: 'serve-static', pkg: 'serve-static', vendored: '2.2.1', tests: 91 },
  ];
  for (const { suite, pkg, vendored, tests } of cases) {
    it(`${suite}: the vendored suite is the installed version's`, () => {
      const { version } = require(`${pkg}/package.json`) as { version: string };
      // On a bump, copy the matching tag's test/ again (test/fixtures/third-party/README.md).
      expect(version, `${pkg} installed; its suite vendored at ${vendored}`).toBe(vendored);
    });

    it(
      `${suite}: every test passes before and after the snippet, every response as alone`,
      RUN,
      () => {
        const { alone, differences } = compareSuite(suite);
        // The vendored suite really ran, whole and (but for a timing test of theirs on a
        // loaded machine) green, with responses to compare; a test failing alone is left out.
        expect(alone.total).toBe(tests);
        expect(alone.failures.length, JSON.stringify(alone.failures)).toBeLessThanOrEqual(3);
        expect(alone.wire.length).toBeGreaterThan(50);
        // A test failing only with the snippet, or a response differing beyond the edits
        // docs/observability.md names, is listed here.
        expect(differences.before).toEqual([]);
        expect(differences.after).toEqual([]);
      },
    );
  }
});
