// `npm start`. The reference app (SPEC §11) is not built yet; until it lands this
// prints the configuration the package would run with, so the command is honest.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  execSync('npm run build', { stdio: 'inherit' });
}
const { loadConfig } = await import('../dist/index.js');
const config = loadConfig();
console.log('express-posthog: the reference app is not built yet (see the README).');
console.log(`PostHog is ${config.enabled ? `on, sending to ${config.host}` : 'off (POSTHOG_API_KEY is unset)'}.`);
console.log(`environment=${config.environment} release=${config.release ?? '(none)'} identify=${config.identifyPii}`);
