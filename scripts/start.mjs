// `npm start`: serves the reference app (docs/observability.md, "The reference app and
// `npm start`") on PORT (3000) and stops gracefully on SIGTERM/SIGINT. Without
// POSTHOG_API_KEY (and outside production) both SDKs send to the local inspector mounted
// in the app. It runs the TypeScript sources through tsx (a dev dependency, there on a
// fresh clone after `npm install`): no build, no type declarations to wait for.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  console.error(
    'express-posthog demo did not start: npm start runs the sources with tsx, a dev dependency that is not installed. Run npm install (without --omit=dev), then npm start.',
  );
  process.exit(1);
}
register();
const { startReferenceApp } = await import('../src/apps/reference/index.ts');

let started;
try {
  started = await startReferenceApp();
} catch (error) {
  // A busy port, a bad HOST or a bad setting: the message says what to do; no stack.
  console.error(
    `express-posthog demo did not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
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
