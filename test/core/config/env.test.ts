import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../src/core/config/app.js';
import { ENV, ENV_VARIABLES, type EnvVariable, namesOf } from '../../../src/core/config/env.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { recordingLogger } from '../../helpers/logger.js';

/** A good value that differs from the row's default. */
function probe(variable: EnvVariable): string {
  switch (variable.parser) {
    case 'text':
      // The project key is warned about unless it is shaped like one.
      return variable.name === 'POSTHOG_API_KEY' ? 'phc_probe' : 'probe-value';
    case 'url':
      return 'https://probe.example.com';
    case 'boolean':
      return String(!variable.default);
    case 'choice':
      return variable.choices.find((choice) => choice !== variable.default) ?? '';
    case 'positive integer':
      return '7';
    case 'port':
      return '4321';
    case 'debug':
      return '1';
    case 'production':
      return 'production';
  }
}

/** Everything the library and the reference app resolve from `env`, and the warnings. */
function resolve(env: Record<string, string>) {
  const logger = recordingLogger();
  const loaded = loadConfig(env, { logger });
  const { logger: _, ...config } = loaded;
  const app = loadAppConfig(env, logger);
  // secretKey is not enumerable: read it by name.
  return { seen: { ...config, secretKey: loaded.secretKey, app }, warnings: logger.warnings() };
}

describe('the environment table', () => {
  it('names each variable once, by its key, aliases included', () => {
    for (const [key, variable] of Object.entries(ENV)) expect(variable.name).toBe(key);
    const names = namesOf(...ENV_VARIABLES);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has no row nobody reads: each variable and each alias, set alone, changes the config', () => {
    const unset = resolve({}).seen;
    for (const variable of ENV_VARIABLES) {
      for (const name of namesOf(variable)) {
        const { seen, warnings } = resolve({ [name]: probe(variable) });
        expect(warnings, name).toEqual([]);
        expect(seen, name).not.toEqual(unset);
      }
    }
  });

  it('lists, as its fallbacks, only settings of the table', () => {
    for (const variable of ENV_VARIABLES) {
      for (const target of variable.fallbackFor ?? []) expect(Object.keys(ENV)).toContain(target);
    }
  });
});

describe('docs/observability.md', () => {
  it('names in its "Variables" table every variable of the env table, aliases too, and no other', () => {
    const doc = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8');
    const section = /\n## Variables\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
    const firstCells = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|')[1] ?? '');
    const documented = firstCells.flatMap((cell) =>
      [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]),
    );
    expect([...documented].sort()).toEqual(namesOf(...ENV_VARIABLES).sort());
  });
});
