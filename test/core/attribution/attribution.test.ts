import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestAttribution } from '../../../src/core/attribution/attribution.js';
import type { RequestLike } from '../../../src/core/attribution/request-info.js';
import { getRequestUser } from '../../../src/core/attribution/request-user.js';
import { normalizeUser, type PosthogUser } from '../../../src/core/attribution/user.js';
import type { ConsentMode, IdentifyMode } from '../../../src/core/config/types.js';

const MODES: readonly IdentifyMode[] = ['none', 'id', 'email', 'full'];

/** The `user_*` properties each identify mode allows, and nothing else. */
const ALLOWED_USER_PROPERTIES: Record<IdentifyMode, readonly string[]> = {
  none: [],
  id: ['user_id'],
  email: ['user_id', 'user_email'],
  full: ['user_id', 'user_email', 'user_name'],
};

const REQUEST: RequestLike = {
  method: 'POST',
  originalUrl: '/orders?token=abc&page=2',
  path: '/orders',
  protocol: 'https',
  ip: '::ffff:203.0.113.7',
  headers: { host: 'shop.example.com', 'user-agent': 'Mozilla/5.0 test' },
};

const STANDARD = {
  // Redacted by the client's gate when it is sent (test/core/client/redaction-gate.test.ts).
  $current_url: 'https://shop.example.com/orders?token=abc&page=2',
  $request_method: 'POST',
  $request_path: '/orders',
  $user_agent: 'Mozilla/5.0 test',
};

const ADA = normalizeUser({ id: 'u-42', email: 'ada@example.com', name: 'Ada' });
const BROWSER = { distinctId: 'browser-1', sessionId: 'sess-1' };

describe('requestAttribution', () => {
  it.each([
    ['none', 'browser-1', {}],
    ['id', 'u-42', { user_id: 'u-42' }],
    ['email', 'u-42', { user_id: 'u-42', user_email: 'ada@example.com' }],
    [
      'full',
      'u-42',
      { user_id: 'u-42', user_email: 'ada@example.com', user_name: 'Ada', $ip: '203.0.113.7' },
    ],
  ] as const)('in identify mode %s, sends distinct id %j and %j', (mode, distinctId, extra) => {
    const attribution = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: ADA,
      mode,
      browser: BROWSER,
    });
    expect(attribution.distinctId).toBe(distinctId);
    expect(attribution.sessionId).toBe('sess-1');
    expect(attribution.user).toEqual(mode === 'none' ? undefined : ADA);
    expect(attribution.properties).toEqual({ ...STANDARD, ...extra, $session_id: 'sess-1' });
  });

  it('withholds a user whose only id is their email in identify mode id', () => {
    const emailOnly = normalizeUser({ email: 'ada@example.com' });
    const id = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: emailOnly,
      mode: 'id',
      browser: {},
    });
    expect(id.distinctId).toBeUndefined();
    expect(id.user).toBeUndefined();
    expect(JSON.stringify(id)).not.toContain('ada@example.com');
    const email = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: emailOnly,
      mode: 'email',
      browser: {},
    });
    expect(email.distinctId).toBe('ada@example.com');
  });

  it("leaves an anonymous request to the browser's id, else to the SDK's personless default", () => {
    const withBrowser = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: undefined,
      mode: 'full',
      browser: BROWSER,
    });
    expect(withBrowser.distinctId).toBe('browser-1');
    expect(Object.keys(withBrowser.properties).filter((key) => key.startsWith('user_'))).toEqual(
      [],
    );
    const bare = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: undefined,
      mode: 'full',
      browser: {},
    });
    expect(bare.distinctId).toBeUndefined();
    expect(bare.properties).not.toHaveProperty('$session_id');
  });

  it('reads a plain user object an app stored itself as normalizeUser would', () => {
    const stored = {
      id: 7,
      email: '  ada@example.com ',
      extra: 'not sent',
    } as unknown as PosthogUser;
    const attribution = requestAttribution({
      consent: 'granted',
      apiKey: undefined,
      request: REQUEST,
      user: stored,
      mode: 'email',
      browser: {},
    });
    expect(attribution.distinctId).toBe('7');
    expect(attribution.properties).toMatchObject({ user_id: '7', user_email: 'ada@example.com' });
    expect(attribution.properties).not.toHaveProperty('extra');
  });
});

/** An object whose `key` throws when read. */
function throwingGetter(key: string): object {
  return Object.defineProperty({ id: 'u-1', email: 'e@x.io' }, key, {
    enumerable: true,
    get() {
      throw new Error(`${key} cannot be read`);
    },
  });
}

function revokedProxy(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

const USER_KEYS = ['id', 'user_id', 'email', 'name', 'full_name', 'displayName'] as const;

/** Field values as auth libraries and hostile apps give them. */
const fieldValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '   ', 'ada@example.com', 'u-42'),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.anything(),
);

const userFields = fc.record(
  Object.fromEntries(USER_KEYS.map((key) => [key, fieldValue])) as Record<
    (typeof USER_KEYS)[number],
    typeof fieldValue
  >,
  { requiredKeys: [] },
);

/**
 * How to build a user-like value: plain, arbitrary, or hostile (a throwing getter, a Proxy
 * whose traps throw, a revoked Proxy). The hostile object is built inside the property,
 * so that fast-check's own inspection of generated values does not trip over it, and a
 * counterexample prints as this recipe.
 */
type UserRecipe =
  | { readonly kind: 'plain'; readonly value: unknown }
  | { readonly kind: 'throwing getter'; readonly key: string }
  | { readonly kind: 'trap proxy'; readonly fields: object }
  | { readonly kind: 'one-key trap proxy'; readonly fields: object; readonly key: string }
  | { readonly kind: 'revoked proxy'; readonly fields: object };

const userRecipe: fc.Arbitrary<UserRecipe> = fc.oneof(
  userFields.map((value) => ({ kind: 'plain' as const, value })),
  fc.anything().map((value) => ({ kind: 'plain' as const, value })),
  fc.constantFrom(...USER_KEYS).map((key) => ({ kind: 'throwing getter' as const, key })),
  userFields.map((fields) => ({ kind: 'trap proxy' as const, fields })),
  fc
    .tuple(userFields, fc.constantFrom(...USER_KEYS))
    .map(([fields, key]) => ({ kind: 'one-key trap proxy' as const, fields, key })),
  userFields.map((fields) => ({ kind: 'revoked proxy' as const, fields })),
);

/** The user-like value a recipe describes. */
function userLike(recipe: UserRecipe): unknown {
  switch (recipe.kind) {
    case 'plain':
      return recipe.value;
    case 'throwing getter':
      return throwingGetter(recipe.key);
    case 'trap proxy':
      return new Proxy(recipe.fields, {
        get() {
          throw new Error('trap says no');
        },
      });
    case 'one-key trap proxy':
      return new Proxy(recipe.fields, {
        get(target, property, receiver) {
          if (property === recipe.key) throw new Error(`trap on ${recipe.key}`);
          return Reflect.get(target, property, receiver);
        },
        has() {
          throw new Error('has trap');
        },
        ownKeys() {
          throw new Error('ownKeys trap');
        },
      });
    case 'revoked proxy':
      return revokedProxy(recipe.fields);
  }
}

const requestArbitrary: fc.Arbitrary<RequestLike> = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  originalUrl: fc.constantFrom('/', '/a?token=t', '/b#x'),
  headers: fc.record(
    { host: fc.constantFrom('localhost:3000', 'evil/x'), 'user-agent': fc.string() },
    { requiredKeys: [] },
  ),
  ip: fc.constantFrom('::ffff:127.0.0.1', '2001:db8::1', 'garbage'),
  socket: fc.constant({ remoteAddress: '::ffff:192.0.2.1' }),
});

const browserArbitrary = fc.record(
  { distinctId: fc.constantFrom('browser-1', 'b-2'), sessionId: fc.constant('sess-1') },
  { requiredKeys: [] },
);

/** What every attribution must satisfy, whatever the user object. */
function checkAttribution(
  attribution: ReturnType<typeof requestAttribution>,
  mode: IdentifyMode,
  browser: { distinctId?: string },
): void {
  const { properties, distinctId } = attribution;
  const userKeys = Object.keys(properties).filter((key) => key.startsWith('user_'));
  for (const key of userKeys) expect(ALLOWED_USER_PROPERTIES[mode]).toContain(key);
  for (const key of userKeys) {
    expect(typeof (properties as Record<string, unknown>)[key]).toBe('string');
  }
  if (mode === 'full') {
    expect(properties.$ip).toMatch(/^(127\.0\.0\.1|2001:db8::1|192\.0\.2\.1)$/);
  } else {
    expect(properties).not.toHaveProperty('$ip');
  }
  expect(distinctId === undefined || typeof distinctId === 'string').toBe(true);
  if (mode === 'none') expect(distinctId).toBe(browser.distinctId);
  if (attribution.user === undefined) {
    expect(userKeys).toEqual([]);
    expect(distinctId).toBe(browser.distinctId);
  } else {
    expect(properties.user_id).toBe(attribution.user.id);
    expect(distinctId).toBe(attribution.user.id);
  }
}

describe('requestAttribution, for arbitrary user-like objects', () => {
  it('sends no user_* property beyond what the mode allows, $ip only in full, and never throws', () => {
    fc.assert(
      fc.property(
        userRecipe,
        fc.constantFrom(...MODES),
        requestArbitrary,
        browserArbitrary,
        (recipe, mode, request, browser) => {
          const attribution = requestAttribution({
            consent: 'granted',
            apiKey: undefined,
            request,
            user: userLike(recipe) as PosthogUser,
            mode,
            browser,
          });
          checkAttribution(attribution, mode, browser);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds the same through the request: req.user and res.locals.user as apps leave them', () => {
    fc.assert(
      fc.property(
        userRecipe,
        userRecipe,
        fc.constantFrom(...MODES),
        requestArbitrary,
        browserArbitrary,
        (recipe, localsRecipe, mode, request, browser) => {
          const req = {
            ...request,
            user: userLike(recipe),
            res: { locals: { user: userLike(localsRecipe) } },
          };
          const attribution = requestAttribution({
            consent: 'granted',
            apiKey: undefined,
            request: req,
            user: getRequestUser(req),
            mode,
            browser,
          });
          checkAttribution(attribution, mode, browser);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('requestAttribution and the consent mode', () => {
  const KEY = 'phc_consent';
  const withCookie = (cookie?: string): RequestLike => ({
    ...REQUEST,
    headers: { ...REQUEST.headers, ...(cookie !== undefined ? { cookie } : {}) },
  });
  /** Ada's request in `full` mode, under a consent mode and a cookie. */
  const attributeWith = (consent: ConsentMode, cookie: string | undefined) =>
    requestAttribution({
      request: withCookie(cookie),
      user: ADA,
      mode: 'full',
      browser: BROWSER,
      consent,
      apiKey: KEY,
    });

  it.each([
    ['ask', undefined],
    ['ask', `__ph_opt_in_out_${KEY}=0`],
    ['ask', `__ph_opt_in_out_${KEY}=maybe`],
    ['ask', '__ph_opt_in_out_phc_other=1'],
    ['cookieless', `__ph_opt_in_out_${KEY}=1`],
  ] as const)(
    'in mode %s with cookie %j, makes the events personless: no user, no $ip, no browser session',
    (consent, cookie) => {
      const attribution = attributeWith(consent, cookie);
      expect(attribution.consented).toBe(false);
      expect(attribution.distinctId).toBeUndefined();
      expect(attribution.sessionId).toBeUndefined();
      expect(attribution.user).toBeUndefined();
      expect(attribution.properties).toEqual(STANDARD);
    },
  );

  it.each([
    ['ask', `__ph_opt_in_out_${KEY}=1`],
    ['ask', `other=1; __ph_opt_in_out_${KEY}=true`],
    ['granted', undefined],
    ['granted', `__ph_opt_in_out_${KEY}=1`],
  ] as const)(
    'in mode %s with cookie %j, attributes as the identify mode allows',
    (consent, cookie) => {
      const attribution = attributeWith(consent, cookie);
      expect(attribution.consented).toBe(true);
      expect(attribution.distinctId).toBe('u-42');
      expect(attribution.properties).toMatchObject({
        user_email: 'ada@example.com',
        $ip: '203.0.113.7',
        $session_id: 'sess-1',
      });
    },
  );

  it('reads the first of two consent cookies, as a browser does', () => {
    const attribution = requestAttribution({
      request: withCookie(`__ph_opt_in_out_${KEY}=0; __ph_opt_in_out_${KEY}=1`),
      user: ADA,
      mode: 'email',
      browser: BROWSER,
      consent: 'ask',
      apiKey: KEY,
    });
    expect(attribution.consented).toBe(false);
  });

  it('without consent, carries nothing of the visitor whatever the user, request, browser or cookie (property)', () => {
    fc.assert(
      fc.property(
        userRecipe,
        fc.constantFrom(...MODES),
        requestArbitrary,
        browserArbitrary,
        fc.constantFrom<'ask' | 'cookieless'>('ask', 'cookieless'),
        fc.oneof(
          fc.constant(undefined),
          fc.string(),
          fc
            .constantFrom('0', 'false', 'no', '', '2', 'yes ', 'undefined')
            .map((v) => `__ph_opt_in_out_${KEY}=${v}`),
        ),
        (recipe, mode, request, browser, consent, cookie) => {
          const withConsentCookie = {
            ...request,
            headers: { ...request.headers, ...(cookie !== undefined ? { cookie } : {}) },
          };
          const granted =
            consent === 'ask' &&
            /^__ph_opt_in_out_phc_consent=(?:1|true|yes)$/.test(String(cookie).trim());
          fc.pre(!granted);
          const attribution = requestAttribution({
            request: withConsentCookie,
            user: userLike(recipe) as PosthogUser,
            mode,
            browser,
            consent,
            apiKey: KEY,
          });
          expect(attribution.distinctId).toBeUndefined();
          expect(attribution.sessionId).toBeUndefined();
          expect(attribution.user).toBeUndefined();
          const keys = Object.keys(attribution.properties);
          expect(
            keys.filter((k) => k.startsWith('user_') || k === '$ip' || k === '$session_id'),
          ).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
