#!/usr/bin/env node
/**
 * The `express-posthog` operator command: `express-posthog check`.
 * ESM only (it finds the package version next to this file).
 */
import { fileURLToPath } from 'node:url';
import { expressPosthogCommand } from '../cli/command.js';
import { runCli } from '../cli/run-cli.js';
import { packageVersion } from '../core/package/peer.js';

void runCli(
  (context) =>
    expressPosthogCommand(context, {
      version: packageVersion('express-posthog', fileURLToPath(import.meta.url)),
    }),
  {
    name: 'express-posthog',
  },
);
