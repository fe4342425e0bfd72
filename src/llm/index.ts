/** LLM generation tracing (docs/observability.md). */
export { clip, clipPayload, payloadText, truncationMarker } from './clip.js';
export { describeGenerationError, errorClassName, httpStatusOf } from './error-summary.js';
export {
  createStreamAccumulator,
  extractResponse,
  type GenerationFacts,
  type StreamAccumulator,
} from './extract.js';
export {
  type GenerationRecorder,
  type GenerationTokens,
  type TraceGenerationOptions,
  traceGeneration,
} from './trace-generation.js';
