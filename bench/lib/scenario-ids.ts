/**
 * The scenarios' names as they appear in the report; rows and targets (bench/targets.ts) name
 * a scenario by one of these, compared exactly.
 */
export const SCENARIO = {
  pageBr: '1. 30 KB page, br',
  pageIdentity: '1b. 30 KB page, identity',
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
