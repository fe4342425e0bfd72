#!/usr/bin/env node
/**
 * The `express-posthog` operator command: `express-posthog check`.
 * ESM only (it finds the package version next to this file).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expressPosthogCommand } from '../cli/command.js';
import { runCli } from '../cli/run-cli.js';

/** The version of the installed express-posthog: the nearest package.json named so, upwards. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'express-posthog' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep going up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}

void runCli((context) => expressPosthogCommand(context, { version: packageVersion() }), {
  name: 'express-posthog',
});
