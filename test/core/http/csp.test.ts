import { describe, expect, it } from 'vitest';
import {
  cspProblems,
  policyShape,
  type SnippetNeeds,
  sourceFor,
} from '../../../src/core/http/csp.js';

/** helmet()'s default policy (helmet 8). */
const HELMET_DEFAULT =
  "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests";

const CDN: SnippetNeeds = {
  scripts: [
    sourceFor('/_posthog/boot.0123456789abcdef.js'),
    sourceFor('https://eu-assets.i.posthog.com/static/array.js'),
    sourceFor('https://eu-assets.i.posthog.com'),
  ],
  inline: false,
  connect: [sourceFor('https://eu.i.posthog.com')],
};
const FIRST_PARTY: SnippetNeeds = {
  scripts: [sourceFor('/_ph/boot.x.js'), sourceFor('/_ph/array.full.x.js'), sourceFor('/_ph')],
  inline: false,
  connect: [sourceFor('/_ph')],
};

describe('cspProblems', () => {
  it('names the directives and the exact sources helmet() defaults block in cdn mode', () => {
    expect(cspProblems(HELMET_DEFAULT, CDN)).toEqual([
      {
        directive: 'script-src',
        source: 'https://eu-assets.i.posthog.com',
        blocks: 'the snippet’s scripts',
      },
      {
        directive: 'connect-src',
        fallsBackTo: 'default-src',
        source: 'https://eu.i.posthog.com',
        blocks: 'posthog-js’s requests',
      },
    ]);
  });

  it('finds nothing to fix under helmet() defaults when everything is first-party', () => {
    expect(cspProblems(HELMET_DEFAULT, FIRST_PARTY)).toEqual([]);
  });

  it('accepts the sources once added, as host, wildcard or scheme sources', () => {
    for (const [script, connect] of [
      ['https://eu-assets.i.posthog.com', 'https://eu.i.posthog.com'],
      ['https://*.posthog.com', 'https://*.i.posthog.com'],
      ['https:', 'https:'],
      ['eu-assets.i.posthog.com', 'eu.i.posthog.com'],
    ]) {
      const policy = `default-src 'self'; script-src 'self' ${script}; connect-src 'self' ${connect}`;
      expect(cspProblems(policy, CDN), policy).toEqual([]);
    }
  });

  it('does not take a different host, scheme or port for the one needed', () => {
    const policy = "script-src 'self' https://eu-assets.i.posthog.com.evil.example http://x:8080";
    expect(cspProblems(policy, CDN).map((p) => p.source)).toEqual([
      'https://eu-assets.i.posthog.com',
    ]);
    expect(cspProblems('connect-src https://eu.i.posthog.com:8443', CDN)).toHaveLength(1);
  });

  it('needs the nonce for the inline snippet, and ignores unsafe-inline beside a nonce', () => {
    const inline: SnippetNeeds = { ...FIRST_PARTY, inline: true };
    expect(cspProblems("script-src 'self' 'nonce-abc'", inline, 'abc')).toEqual([]);
    expect(cspProblems("script-src 'self' 'nonce-abc'", inline)).toHaveLength(1);
    expect(cspProblems("script-src 'self' 'unsafe-inline'", inline)).toEqual([]);
    expect(cspProblems("script-src 'self' 'unsafe-inline' 'nonce-abc'", inline)).toHaveLength(1);
  });

  it("under 'strict-dynamic', trusts what the nonced tag loads, and asks for the nonce without one", () => {
    const policy = "script-src 'nonce-abc' 'strict-dynamic'";
    expect(cspProblems(policy, CDN, 'abc').filter((p) => p.directive === 'script-src')).toEqual([]);
    expect(cspProblems(policy, CDN)[0]?.source).toMatch(/^'nonce-/);
  });

  it('lets script-src-elem decide over script-src, and says nothing when nothing restricts', () => {
    const policy = "script-src 'self'; script-src-elem 'self' https://eu-assets.i.posthog.com";
    expect(cspProblems(policy, CDN)).toEqual([]);
    expect(cspProblems('upgrade-insecure-requests', CDN)).toEqual([]);
  });

  it('blanks nonces in a policy shape, so a policy is checked once, not per request', () => {
    expect(policyShape("script-src 'nonce-a1' 'self'")).toBe(
      policyShape("script-src 'nonce-zz' 'self'"),
    );
  });
});
