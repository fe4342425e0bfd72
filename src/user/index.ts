export type { GetUser } from '../core/attribution/resolve-user.js';
export { type PosthogUserOptions, posthogUser } from './posthog-user.js';
