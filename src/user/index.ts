export { type GetUser, resolveUser } from '../core/attribution/resolve-user.js';
export { type PosthogUserOptions, posthogUser } from './posthog-user.js';
