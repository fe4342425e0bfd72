/** Background-job failures (SPEC §10). */
export { captureJobFailure, type JobFailureProperties, withJobCapture } from './job-capture.js';
