// `npm start`: builds the package if needed, then serves the reference app (SPEC §11)
// on PORT (3000) and stops gracefully on SIGTERM/SIGINT. Without POSTHOG_API_KEY (and
// outside production) both SDKs send to the local inspector mounted in the app (SPEC §12).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (
  !existsSync(new URL('../dist/app.js', import.meta.url)) ||
  !existsSync(new URL('../dist/inspector.js', import.meta.url))
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
