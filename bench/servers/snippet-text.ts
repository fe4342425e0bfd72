import type { PosthogClient } from '../../src/core/client/index.js';
import {
  BOOT_IGNORED,
  DELIVERIES,
  type Delivery,
  deliveryUnavailable,
  type SnippetOptions,
} from '../lib/delivery.js';
import { inserted } from '../lib/inserted-page.js';
import { buildApp } from './build-app.js';

/**
 * The text posthogSnippet(`snippet`) splices into the bench's `/page` for an anonymous visitor
 * with this client, found by rendering the page with and without it in process: what the
 * `bytes` control renders into its page.
 */
export async function snippetAsInjected(
  client: PosthogClient,
  snippet: SnippetOptions = {},
): Promise<string> {
  const bare = buildApp({ variant: 'baseline', client });
  const injected = buildApp({ variant: 'snippet', client, snippet });
  return (await inserted(bare, injected, '/page', {})).text;
}

/**
 * The deliveries this build offers, tried for real: each must be accepted by posthogSnippet,
 * and `boot` must splice something other than `inline` does. `notes` says why one is skipped.
 * (With the CDN loader: the answer does not depend on it, and no bundle is read for it.)
 */
export async function availableDeliveries(
  client: PosthogClient,
): Promise<{ available: Delivery[]; notes: string[] }> {
  const available: Delivery[] = [];
  const notes: string[] = [];
  const texts: Partial<Record<Delivery, string>> = {};
  const bare = buildApp({ variant: 'baseline', client });
  for (const delivery of DELIVERIES) {
    const unavailable = deliveryUnavailable(client, delivery);
    if (unavailable) {
      notes.push(unavailable);
      continue;
    }
    const app = buildApp({ variant: delivery, client, snippet: { jsSrc: 'cdn' } });
    texts[delivery] = (await inserted(bare, app, '/page', {})).text;
    if (delivery === 'boot' && texts.boot === texts.inline) {
      notes.push(BOOT_IGNORED);
      continue;
    }
    available.push(delivery);
  }
  return { available, notes };
}
