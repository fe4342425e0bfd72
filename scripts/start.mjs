// `npm start`: builds the package if needed, then serves the reference app (SPEC §11)
// on PORT (3000) and stops gracefully on SIGTERM/SIGINT.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/app.js', import.meta.url))) {
  execSync('npm run build', { stdio: 'inherit' });
}
const { getPosthog } = await import('../dist/index.js');
const { createApp, loadAppConfig, serveApp } = await import('../dist/app.js');

const settings = loadAppConfig();
const client = getPosthog();
const app = createApp({
  client,
  ...(settings.demoAuthSecret ? { demoAuthSecret: settings.demoAuthSecret } : {}),
});
const { url } = await serveApp({ app, client, port: settings.port, host: settings.host });
console.log(`express-posthog demo on ${url}`);
console.log(
  client.enabled
    ? `PostHog is on: events go to ${client.config.host} (environment ${client.config.environment}).`
    : 'PostHog is off: set POSTHOG_API_KEY to send events (see .env.template).',
);
