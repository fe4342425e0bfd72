// `npm start`: builds the package if needed, then serves the reference app (SPEC §11)
// on PORT (3000) and stops gracefully on SIGTERM/SIGINT. Without POSTHOG_API_KEY (and
// outside production) both SDKs send to the local inspector mounted in the app (SPEC §12).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Newest modification time of the files under a folder (0 when it is missing). */
function newest(dir) {
  const url = new URL(dir, import.meta.url);
  if (!existsSync(url)) return 0;
  return readdirSync(url, { recursive: true })
    .map((file) => statSync(new URL(`${dir}/${file}`, import.meta.url)).mtimeMs)
    .reduce((a, b) => Math.max(a, b), 0);
}

// Build when dist/ is missing or older than the sources (a pull, an edit).
const built = ['../dist/app.js', '../dist/inspector.js'].map(
  (file) => new URL(file, import.meta.url),
);
if (
  !built.every((url) => existsSync(url)) ||
  Math.min(...built.map((url) => statSync(url).mtimeMs)) < newest('../src')
) {
  execSync('npm run build', { stdio: 'inherit' });
}
const { startReferenceApp } = await import('../dist/app.js');

const started = await startReferenceApp();
const { config } = started.client;
console.log(`express-posthog demo on ${started.url}`);
if (started.mode === 'posthog') {
  console.log(`PostHog is on: events go to ${config.host} (environment ${config.environment}).`);
} else if (started.mode === 'inspector') {
  console.log(`No POSTHOG_API_KEY: events go to the local inspector at ${started.inspectorUrl}`);
  console.log(
    `posthog-js is served first-party; the debug route is ${config.debug ? 'on (log in first)' : 'off (DEBUG is set to off)'}. Set POSTHOG_API_KEY to send to PostHog instead (see .env.template).`,
  );
} else {
  console.log(
    'PostHog is off (NODE_ENV=production and no POSTHOG_API_KEY); the inspector is never mounted in production.',
  );
}
