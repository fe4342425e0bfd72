import type { IncomingMessage } from 'node:http';
import {
  cspProblems,
  describeFix,
  policyShape,
  runsNoScript,
  type SnippetNeeds,
} from '../core/http/csp.js';
import { pathWithoutQuery } from '../core/http/url-path.js';
import type { Logger } from '../core/log/index.js';

/** Checks one page's `Content-Security-Policy` against what the snippet needs. */
export type CspCheck = (req: IncomingMessage, policy: unknown, nonce: string | undefined) => void;

/** Distinct policy shapes remembered: past this many, new ones go unchecked. */
const MAX_POLICIES = 64;

/**
 * A check that warns once per distinct policy (nonces blanked) that would block the snippet,
 * posthog-js or its requests, naming each fix (docs/observability.md, "Content-Security-Policy"). A
 * page that runs no script at all (Express's own error pages) is nothing to report.
 * @param needs - the sources the snippet, posthog-js and the ingestion need.
 * @param firstParty - first-party mode is on (else the warning also offers it).
 * @param logger - where the warning goes.
 * @example
 * const check = cspCheck(needs, false, logger);
 * check(req, res.getHeader('Content-Security-Policy'), res.locals.cspNonce);
 */
export function cspCheck(needs: SnippetNeeds, firstParty: boolean, logger: Logger): CspCheck {
  /** Policy shapes (nonces blanked) already checked: each page's policy is checked once. */
  const checkedPolicies = new Set<string>();
  const orFirstParty = firstParty
    ? ''
    : " Or set POSTHOG_FIRST_PARTY=true to serve the snippet, posthog-js and the ingestion from this origin, which a 'self' policy allows.";
  return function checkPolicy(req, policy, nonceValue) {
    if (typeof policy !== 'string' || policy === '' || runsNoScript(policy)) return;
    const shape = policyShape(policy);
    if (checkedPolicies.has(shape) || checkedPolicies.size >= MAX_POLICIES) return;
    checkedPolicies.add(shape);
    const problems = cspProblems(policy, needs, nonceValue);
    if (problems.length === 0) return;
    const fixes = problems.map(describeFix);
    logger.warn(
      `posthogSnippet: the Content-Security-Policy of ${req.method} ${pathWithoutQuery(req.url)} blocks PostHog: ${fixes.join('; ')}.${orFirstParty}`,
    );
  };
}
