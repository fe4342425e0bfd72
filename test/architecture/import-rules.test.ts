// The import rules of docs/architecture.md, as `npm run lint:imports` checks them: the tree as it
// is passes, and each kind of back-import, planted into a copy of src/, fails the check by name.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Check {
  readonly code: number;
  readonly output: string;
}

function depcruise(cwd: string): Promise<Check> {
  return new Promise((resolve) => {
    execFile(
      DEPCRUISE,
      ['src', '--config', CONFIG, '--output-type', 'err'],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'import-rules-'));
  cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
  cpSync(join(ROOT, 'tsconfig.json'), join(copy, 'tsconfig.json'));
  // node_modules for the resolution of package imports (express, posthog-node, …).
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
});

afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
});

/** Plants `file` with `source` in the copy, runs the check, and takes the file out again. */
async function withPlanted(file: string, source: string): Promise<Check> {
  const path = join(copy, file);
  writeFileSync(path, source);
  try {
    return await depcruise(copy);
  } finally {
    rmSync(path);
  }
}

describe('the import rules', () => {
  it('pass on the tree as it is', async () => {
    const result = await depcruise(ROOT);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  const plants: ReadonlyArray<readonly [string, string, string, string]> = [
    [
      'a floor importing a room',
      'src/core/log/planted.ts',
      "import { posthogSnippet } from '../../snippet/index.js';\nexport const planted = posthogSnippet;\n",
      'floors-import-no-room',
    ],
    [
      'a floor importing a floor above it',
      'src/core/redact/planted.ts',
      "import { getPosthog } from '../client/index.js';\nexport const planted = getPosthog;\n",
      'floor-redact-only-downward',
    ],
    [
      'a room importing another room past its entry',
      'src/llm/planted.ts',
      "import { posthogProxy } from '../proxy/posthog-proxy.js';\nexport const planted = posthogProxy;\n",
      'rooms-apart',
    ],
    [
      'a room importing another room by its entry',
      'src/jobs/planted.ts',
      "import { traceGeneration } from '../llm/index.js';\nexport const planted = traceGeneration;\n",
      'room-entries-only-where-published',
    ],
    [
      'the library importing an app',
      'src/user/planted.ts',
      "import { posthogInspector } from '../apps/inspector/index.js';\nexport const planted = posthogInspector;\n",
      'library-never-loads-the-apps',
    ],
    [
      'the inspector importing the reference app',
      'src/apps/inspector/planted.ts',
      "import { createApp } from '../reference/index.js';\nexport const planted = createApp;\n",
      'inspector-apart-from-the-reference-app',
    ],
    [
      'a cycle',
      'src/core/log/planted.ts',
      "import { planted as other } from './planted-too.js';\nexport const planted = () => other;\n",
      'no-circular',
    ],
  ];

  it.each(plants)('fail on %s, naming the rule', async (_what, file, source, rule) => {
    const extra = rule === 'no-circular' ? join(copy, 'src/core/log/planted-too.ts') : undefined;
    if (extra)
      writeFileSync(
        extra,
        "import { planted as other } from './planted.js';\nexport const planted = () => other;\n",
      );
    try {
      const result = await withPlanted(file, source);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain(`error ${rule}:`);
    } finally {
      if (extra) rmSync(extra);
    }
  });
});
