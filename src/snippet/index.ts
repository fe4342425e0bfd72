export { type PosthogSnippetOptions, posthogSnippet } from './posthog-snippet.js';
