/**
 * `express-posthog/jobs`: background-job failures as `$exception`
 * (docs/observability.md, "LLM generations, job failures and command-line programs"), without loading Express, Nunjucks
 * or the middlewares — for a queue worker with no web server.
 *
 * @example
 * import { withJobCapture, getPosthog } from 'express-posthog/jobs';
 * await withJobCapture('send-invoice', () => sendInvoice(id), { invoice_id: id });
 * await getPosthog().shutdown();
 * @packageDocumentation
 */

export { getPosthog, PosthogClient, resetPosthog } from '../core/client/index.js';
export { loadConfig } from '../core/config/index.js';
export { captureJobFailure, type JobFailureProperties, withJobCapture } from '../jobs/index.js';
