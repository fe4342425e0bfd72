export { type GetUser, type PosthogUserOptions, posthogUser } from './posthog-user.js';
