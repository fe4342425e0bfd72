// `npm run env-template`: writes .env.template from the environment table
// (src/core/config/env.ts), so the template lists every variable the package reads, with its
// default and meaning, and nothing else. test/core/config/env-template.test.ts fails when the
// committed file differs from what this renders.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeDefault, ENV_VARIABLES, type EnvVariable } from '../src/core/config/env.js';

/** Where the template lives: the repository's root. */
export const ENV_TEMPLATE_PATH = fileURLToPath(new URL('../.env.template', import.meta.url));

const WIDTH = 100;

const HEADER = [
  '# express-posthog configuration. Copy to .env (never commit it) or set in your process manager.',
  '# Every variable is optional; a bad value logs one warning and uses the default.',
  '# The full reference is docs/observability.md ("Variables").',
  '# Generated from src/core/config/env.ts by `npm run env-template`: edit the table, not this file.',
];

/** `text` as `# ` comment lines of at most {@link WIDTH} characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > WIDTH && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** One variable: its meaning, its default (its choices, its aliases), and `NAME=default`. */
function entry(variable: EnvVariable): string[] {
  let facts = `Default: ${describeDefault(variable)}`;
  if (variable.parser === 'choice') facts += ` (one of ${variable.choices.join(', ')})`;
  if (variable.aliases.length > 0) facts += `; alias ${variable.aliases.join(', ')}`;
  const value = variable.defaultText === undefined ? String(variable.default) : '';
  return [...comment(variable.meaning), ...comment(facts), `${variable.name}=${value}`];
}

/**
 * The text of .env.template: the header, the library's variables, then those only the
 * reference app reads.
 */
export function renderEnvTemplate(): string {
  const library = ENV_VARIABLES.filter((variable) => variable.readBy.includes('library'));
  const appOnly = ENV_VARIABLES.filter((variable) => !variable.readBy.includes('library'));
  const sections = [
    HEADER,
    ...library.map(entry),
    ['# Reference app (npm start) only.'],
    ...appOnly.map(entry),
  ];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ENV_TEMPLATE_PATH, renderEnvTemplate());
  console.log(`wrote ${ENV_TEMPLATE_PATH}`);
}
