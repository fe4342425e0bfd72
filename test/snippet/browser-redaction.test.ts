import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/index.js';
import { redactEvent, redactUrl } from '../../src/core/redact/redact.js';
import { createSnippet } from '../../src/snippet/render.js';
import { silentLogger } from '../helpers/logger.js';

/** Runs the boot script in a bare window and returns the options it gave posthog.init. */
function bootOptions(): { before_send: (event: Record<string, any>) => Record<string, any> } {
  const config = loadConfig(
    {},
    { apiKey: 'phc_x', host: 'https://eu.i.posthog.com', logger: silentLogger },
  );
  const { bootCode } = createSnippet(config, { src: 'array.full.js', delivery: 'boot' });
  const script = {
    getAttribute: () => '{"state":"anonymous"}',
    src: 'https://app.example/_posthog/boot.js',
  };
  const window: Record<string, any> = { location: { hostname: 'app.example' } };
  const document = {
    currentScript: script,
    createElement: () => ({}),
    getElementsByTagName: () => [{ parentNode: { insertBefore() {} } }],
  };
  runInNewContext(bootCode as string, { window, document, URL, JSON, console });
  return window.posthog._i[0][1];
}

const URLS = [
  'https://app.example/reset?token=t1&code=c2&page=2#access_token=a3&state=ok',
  'https://user:pass@app.example/?api_key=k&q=shoes',
  '/callback?id_token=x&session_state=y&utm_source=mail',
  'https://app.example/?sig=abc&signature=def&width=3',
];

describe('the browser snippet redacts URLs as the server does', () => {
  it('on event properties, $set, $set_once and replay snapshots', () => {
    const options = bootOptions();
    for (const url of URLS) {
      const event = options.before_send({
        event: '$pageview',
        properties: {
          $current_url: url,
          $referrer: url,
          $session_entry_url: url,
          $set_once: { $initial_current_url: url },
          $snapshot_data: [
            { type: 4, data: { href: url } },
            { type: 5, data: { payload: { href: url } } },
          ],
          title: url,
        },
        $set: { $current_url: url },
      });
      const want = redactUrl(url);
      expect(want).not.toBe(url);
      expect(event.properties.$current_url).toBe(want);
      expect(event.properties.$referrer).toBe(want);
      expect(event.properties.$session_entry_url).toBe(want);
      expect(event.properties.$set_once.$initial_current_url).toBe(want);
      expect(event.properties.$snapshot_data[0].data.href).toBe(want);
      expect(event.properties.$snapshot_data[1].data.payload.href).toBe(want);
      expect(event.$set.$current_url).toBe(want);
      // Every string of the event passes the gate, not only URL-named ones.
      expect(event.properties.title).toBe(want);
    }
  });

  it('agrees with the server on random URLs, as values and as keys', () => {
    const options = bootOptions();
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const sent = { event: 'e', properties: { $current_url: url, heat: { [url]: 1 } } };
        const event = options.before_send(structuredClone(sent));
        expect(JSON.stringify(event)).toBe(JSON.stringify(redactEvent(sent)));
      }),
      { numRuns: 300 },
    );
  });
});
