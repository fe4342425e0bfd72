/** Background-job failures (docs/observability.md, "Background jobs"). */
export {
  type CaptureJobFailureOptions,
  captureJobFailure,
  type JobFailureProperties,
  type WithJobCaptureOptions,
  withJobCapture,
} from './job-capture.js';
