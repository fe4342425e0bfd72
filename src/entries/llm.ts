/**
 * `express-posthog/llm`: LLM generation tracing as `$ai_generation`
 * (docs/observability.md, "LLM generations: `traceGeneration`"), without loading Express, Nunjucks or
 * the middlewares — for a worker or a script that calls a model.
 *
 * @example
 * import { traceGeneration } from 'express-posthog/llm';
 * const reply = await traceGeneration({ provider: 'openai', model: 'gpt-4o-mini' }, () => openai.chat.completions.create(request));
 * @packageDocumentation
 */

export { getPosthog, PosthogClient, resetPosthog } from '../core/client/index.js';
export { loadConfig } from '../core/config/index.js';
export {
  type GenerationRecorder,
  type GenerationTokens,
  type TraceGenerationOptions,
  traceGeneration,
} from '../llm/index.js';
