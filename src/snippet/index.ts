export {
  type PosthogSnippetMiddleware,
  type PosthogSnippetOptions,
  posthogSnippet,
} from './posthog-snippet.js';
