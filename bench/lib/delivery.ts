// Which snippet deliveries this build of the package offers. `delivery: 'boot' | 'inline'` is
// an option of posthogSnippet; a build without it either throws a TypeError for it or ignores
// it (then 'boot' pages come out the same as 'inline' ones). Scenarios list their delivery
// variants as data and skip the ones not available, with a line saying so.
import type { PosthogClient } from '../../src/core/client/index.js';
import { type PosthogSnippetOptions, posthogSnippet } from '../../src/snippet/posthog-snippet.js';

/** The snippet's delivery forms, in report order. */
export const DELIVERIES = ['inline', 'boot'] as const;
export type Delivery = (typeof DELIVERIES)[number];

/** posthogSnippet's options plus `delivery`, which older builds do not declare. */
export type SnippetOptions = Partial<PosthogSnippetOptions> & { readonly delivery?: Delivery };

/** posthogSnippet with options it may not declare (delivery), typed for the bench. */
export function snippetMiddleware(client: PosthogClient, options: SnippetOptions = {}) {
  return posthogSnippet({ client, ...options } as PosthogSnippetOptions);
}

/**
 * Why `delivery` cannot be benchmarked with this build, or undefined when it can be tried.
 * Tried with the CDN loader, so that no bundle is read (or compressed) for the question.
 */
export function deliveryUnavailable(client: PosthogClient, delivery: Delivery): string | undefined {
  try {
    snippetMiddleware(client, { delivery, jsSrc: 'cdn' });
    return undefined;
  } catch (error) {
    if (error instanceof TypeError) {
      return `delivery '${delivery}' not available: posthogSnippet refused it (${error.message})`;
    }
    throw error;
  }
}

/**
 * The line to print when `boot` was accepted but its page is byte-for-byte the inline page:
 * the option is ignored by this build.
 */
export const BOOT_IGNORED =
  "delivery 'boot' not available: posthogSnippet accepted the option but its pages are the inline pages (this build ignores it)";
