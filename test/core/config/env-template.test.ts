import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_TEMPLATE_PATH, renderEnvTemplate } from '../../../scripts/env-template.js';
import { describeDefault, ENV_VARIABLES } from '../../../src/core/config/env.js';

const template = renderEnvTemplate();

/** The `NAME=value` lines of a template, in order. */
function assignments(text: string): [name: string, value: string][] {
  return text.split('\n').flatMap((line) => {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    return match ? [[match[1] ?? '', match[2] ?? ''] as [string, string]] : [];
  });
}

describe('.env.template', () => {
  it('is the committed file: run `npm run env-template` after editing src/core/config/env.ts', () => {
    expect(readFileSync(ENV_TEMPLATE_PATH, 'utf8')).toBe(template);
  });

  it('sets every variable of the table once, to its default, and no other', () => {
    const expected = ENV_VARIABLES.map((variable) => [
      variable.name,
      variable.defaultText === undefined ? String(variable.default) : '',
    ]);
    expect(assignments(template)).toEqual(expected);
  });

  it("states each variable's meaning, default and aliases in the comment above it", () => {
    const blocks = template.split('\n\n');
    for (const variable of ENV_VARIABLES) {
      const block = blocks.find((text) =>
        text.split('\n').some((line) => line.startsWith(`${variable.name}=`)),
      );
      expect(block, variable.name).toBeDefined();
      const prose = (block ?? '')
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) => line.slice(2))
        .join(' ');
      expect(prose).toContain(variable.meaning);
      expect(prose).toContain(`Default: ${describeDefault(variable)}`);
      for (const alias of variable.aliases) expect(prose).toContain(alias);
    }
  });

  it('keeps every line within 100 characters', () => {
    const long = template.split('\n').filter((line) => line.length > 100);
    expect(long).toEqual([]);
  });
});
