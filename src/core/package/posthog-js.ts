import { createRequire } from 'node:module';

/**
 * Resolves a file of the optional peer dependency `posthog-js` (needed only
 * for first-party delivery and the local inspector), or throws an `Error`
 * saying what needs it and what to install.
 *
 * @param file - the file inside the package, e.g. `dist/array.full.js`.
 * @param neededFor - what asked for it, for the message, e.g. `POSTHOG_JS_SRC=self`.
 * @param fix - the other way out, e.g. `or set POSTHOG_JS_SRC=cdn`.
 * @returns the absolute path of the file.
 * @example
 * const path = resolvePosthogJs('dist/array.full.js', 'POSTHOG_JS_SRC=self', 'or set POSTHOG_JS_SRC=cdn');
 */
export function resolvePosthogJs(file: string, neededFor: string, fix?: string): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`posthog-js/${file}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `express-posthog: ${neededFor} needs the optional peer dependency posthog-js, which is not installed (${reason}). Install it with \`npm install posthog-js\`${fix ? `, ${fix}` : ''}.`,
    );
  }
}
