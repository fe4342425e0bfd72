import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The package's `views/` folder, found by walking up from this module: it is
 * three levels up from `src/core/package/` when run from source, one from `dist/`.
 */
export function viewsDir(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'views');
    if (existsSync(join(candidate, '_posthog.njk'))) {
      found = candidate;
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error('express-posthog: views/_posthog.njk is missing from the installed package');
}
