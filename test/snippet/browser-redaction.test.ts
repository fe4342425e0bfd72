import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/index.js';
import { REDACTED, redactEvent, redactUrl } from '../../src/core/redact/redact.js';
import { createSnippet } from '../../src/snippet/render.js';
import { silentLogger } from '../helpers/logger.js';

/** Runs the boot script in a bare window and returns the options it gave posthog.init. */
function bootOptions(): {
  before_send: (event: Record<string, any>) => Record<string, any>;
  session_recording?: {
    maskAttributeFn?: (name: string, value: string, element?: Element) => string;
  };
} {
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

  it("keeps a host label that a token format matches by chance, and ends a header-like value in a URL at its pair, as the server's gate does", () => {
    const options = bootOptions();
    for (const [url, want] of [
      [
        'https://www.sk-gaming.com/team?page=2&token=t1',
        'https://www.sk-gaming.com/team?page=2&token=[redacted]',
      ],
      ['https://hvs.example.com/x', 'https://hvs.example.com/x'],
      ['https://sk-abcdef123456/x', 'https://[redacted]/x'],
      ['https://app.example/r?q="key:~#top', 'https://app.example/r?q="key:[redacted]#top'],
    ] as const) {
      const event = options.before_send({ event: '$pageview', properties: { $current_url: url } });
      expect(event.properties.$current_url).toBe(want);
      expect(redactEvent({ u: url }).u).toBe(want);
    }
  });

  it('in replay: URLs at any depth of meta, custom and plugin events; the recorded DOM as posthog-js compressed it', () => {
    const options = bootOptions();
    const url = URLS[0] as string;
    const compressed = '\u001f\u008b\b\u0000password=x token=y';
    const event = options.before_send({
      event: '$snapshot',
      properties: {
        $session_id: 's1',
        $snapshot_data: [
          { type: 2, cv: '2024-10', data: compressed },
          { type: 3, cv: '2024-10', data: { source: 0, adds: compressed } },
          { type: 3, data: { source: 5, text: '*****' } },
          { type: 6, data: { plugin: 'rrweb/network@1', payload: { requests: [{ name: url }] } } },
          { type: 5, data: { tag: '$pageview', payload: { nested: { href: url } } } },
        ],
      },
    });
    const [full, mutation, input, network, custom] = event.properties.$snapshot_data;
    expect(full.data).toBe(compressed);
    expect(mutation.data.adds).toBe(compressed);
    expect(input.data.text).toBe('*****');
    expect(network.data.payload.requests[0].name).toBe(redactUrl(url));
    expect(custom.data.payload.nested.href).toBe(redactUrl(url));
    expect(event.properties.$session_id).toBe('s1');
  });

  it("gives replay's recorder an attribute rule: URL attributes redacted as recorded, others and data: URLs as they are", () => {
    const mask = bootOptions().session_recording?.maskAttributeFn;
    expect(typeof mask).toBe('function');
    const url = URLS[0] as string;
    for (const name of [
      'href',
      'src',
      'srcset',
      'action',
      'formaction',
      'poster',
      'rr_src',
      'data-url',
      'style',
    ]) {
      expect(mask?.(name, url), name).toBe(redactUrl(url));
    }
    expect(mask?.('style', "background: url('/bg.png?token=t1')")).toBe(
      "background: url('/bg.png?token=[redacted]')",
    );
    expect(mask?.('title', url)).toBe(url);
    expect(mask?.('class', 'token=abc')).toBe('token=abc');
    const image = 'data:image/png;base64,AKIAABCDEFGHIJKLMNOP';
    expect(mask?.('src', image)).toBe(image);
    expect(mask?.('href', '/docs?page=2&sort=asc')).toBe('/docs?page=2&sort=asc');
  });

  it("redacts the content of a <meta> named like a secret (a page's CSRF token), and no other meta's", () => {
    const mask = bootOptions().session_recording?.maskAttributeFn;
    const meta = (name: string | undefined) => ({ tagName: 'META', name }) as unknown as Element;
    expect(mask?.('content', 'c2VjcmV0', meta('csrf-token'))).toBe(REDACTED);
    expect(mask?.('content', 'c2VjcmV0', meta('api_key'))).toBe(REDACTED);
    expect(mask?.('content', 'Orders and invoices', meta('description'))).toBe(
      'Orders and invoices',
    );
    expect(mask?.('content', 'width=device-width', meta('viewport'))).toBe('width=device-width');
    // No name (a charset or http-equiv meta), or no element given: as it is.
    expect(mask?.('content', 'text/html', meta(undefined))).toBe('text/html');
    expect(mask?.('content', 'abc')).toBe('abc');
    // A form's `name` may be its control named "name" (an element, not a string): kept, no throw.
    const form = { tagName: 'FORM', name: { tagName: 'INPUT' } } as unknown as Element;
    expect(mask?.('content', 'abc', form)).toBe('abc');
  });

  it('redacts an attribute named like a secret (data-token, data-api-key), and keeps the rest', () => {
    const mask = bootOptions().session_recording?.maskAttributeFn;
    for (const name of ['data-token', 'data-csrf-token', 'data-api-key', 'data-secret']) {
      expect(mask?.(name, 'c2VjcmV0'), name).toBe(REDACTED);
    }
    for (const name of ['data-id', 'data-testid', 'aria-label', 'name', 'type', 'autocomplete']) {
      expect(mask?.(name, 'password'), name).toBe('password');
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
