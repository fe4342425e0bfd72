/**
 * The scenarios' names as they appear in the report; rows and targets (bench/targets.ts) name
 * a scenario by one of these, compared exactly.
 */
export const SCENARIO = {
  pageBr: '1. 30 KB page, br',
  pageIdentity: '1b. 30 KB page, identity',
  pageGzip: '1c. 30 KB page, gzip',
  json: '2. 1 KB JSON, application/json',
  jsonAny: '2b. 1 KB JSON, */*',
  stream: '3. streamed page',
  capture: '4. captureException',
  realistic: '5. realistic page (EJS, 200 rows), br',
  bundleBr: '6. posthog-js bundle, br',
  bundleGzip: '6b. posthog-js bundle, gzip',
  bundleIdentity: '6c. posthog-js bundle, identity',
  firstVisit: '7. first visit, Chromium, cold cache',
  repeatVisit: '7b. repeat visit, same context',
  bytes: '8. bytes added per page',
} as const;

/** The metric of every in-process figure (bench/cost.ts). */
export const IN_PROCESS = 'CPU per response, in process';

/** The metric of the bytes allocated per response, in process (bench/cost.ts). */
export const ALLOCATED = 'bytes allocated per response, in process';

/**
 * The derived metric of an injected page's allocation: its bytes allocated over the bare
 * page's in the same round, less the snippet's own bytes.
 */
export const ALLOCATED_BEYOND_SNIPPET = "allocated over the bare page, beyond the snippet's bytes";
