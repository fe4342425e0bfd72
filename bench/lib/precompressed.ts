// A copy of the posthog-js bundle with precompressed .br and .gz beside it, for the
// `express.static` side of the bundle scenario: what a static-file setup with build-time
// compression serves. Made once and kept in bench/.static (git-ignored).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** The folder, relative to the project. */
const DIR = 'bench/.static';
/** The file's name in it (the .br and .gz copies add their extension). */
export const STATIC_BUNDLE = 'array.full.js';

/** The installed posthog-js bundle the package serves with `jsSrc: 'self'`. */
function bundleSource(): Buffer {
  const require = createRequire(join(process.cwd(), 'package.json'));
  return readFileSync(require.resolve('posthog-js/dist/array.full.js'));
}

function writeAtomically(path: string, bytes: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

/**
 * Makes sure bench/.static holds the current bundle and its brotli (quality 11) and gzip
 * (level 9) copies; returns the folder's absolute path. Cheap when they are up to date.
 */
export function ensurePrecompressed(): string {
  const dir = resolve(DIR);
  const source = bundleSource();
  const hash = createHash('sha256').update(source).digest('hex');
  const stamp = join(dir, 'source.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return dir;
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, STATIC_BUNDLE), source);
  writeAtomically(
    join(dir, `${STATIC_BUNDLE}.br`),
    brotliCompressSync(source, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
      },
    }),
  );
  writeAtomically(join(dir, `${STATIC_BUNDLE}.gz`), gzipSync(source, { level: 9 }));
  writeAtomically(stamp, Buffer.from(hash));
  return dir;
}
