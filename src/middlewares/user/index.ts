export { type PosthogUserOptions, posthogUser } from './posthog-user.js';
export { type GetUser, resolveUser, warnFor } from './resolve-user.js';
