/** Background-job failures (docs/observability.md, "Jobs"). */
export {
  type CaptureJobFailureOptions,
  captureJobFailure,
  type JobFailureProperties,
  type WithJobCaptureOptions,
  withJobCapture,
} from './job-capture.js';
