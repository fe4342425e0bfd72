import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { type CliContext, runCli as cliRunCli } from '../../src/entries/cli.js';
import { withJobCapture as jobsWithJobCapture } from '../../src/entries/jobs.js';
import { traceGeneration as llmTraceGeneration } from '../../src/entries/llm.js';
import {
  debugRouter,
  getPosthog,
  loadConfig,
  type PosthogClient,
  type PosthogConfig,
  type PosthogErrorHandlerOptions,
  type PosthogSnippetMiddleware,
  type PosthogUser,
  type PosthogUserOptions,
  posthogErrorHandler,
  posthogSnippet,
  posthogUser,
  resetPosthog,
  type ShouldCapture,
  traceGeneration,
  withJobCapture,
} from '../../src/index.js';

describe('the public API, as a TypeScript user sees it', () => {
  it('types the client and its singleton', () => {
    expectTypeOf(getPosthog).returns.toEqualTypeOf<PosthogClient>();
    expectTypeOf(resetPosthog).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(loadConfig).returns.toEqualTypeOf<PosthogConfig>();
    expectTypeOf<PosthogClient['captureException']>()
      .parameter(1)
      .toEqualTypeOf<import('../../src/index.js').CaptureExceptionOptions | undefined>();
  });

  it('takes a sync or an async getUser', () => {
    expectTypeOf(posthogUser).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf<PosthogUserOptions>().toHaveProperty('getUser');
    posthogUser({ getUser: (req) => (req as { user?: unknown }).user });
    posthogUser({ getUser: async (_req: Request, _res: Response) => ({ id: 'u-1' }) });
    // @ts-expect-error getUser is a function, not a string
    posthogUser({ getUser: 'user' });
    // @ts-expect-error client is a PosthogClient
    posthogUser({ client: {} });
  });

  it('names the snippet middleware, which Express takes', () => {
    expectTypeOf(posthogSnippet).returns.toEqualTypeOf<PosthogSnippetMiddleware>();
    expectTypeOf(posthogSnippet()).toExtend<RequestHandler>();
    // @ts-expect-error maxBufferBytes is a number of bytes
    posthogSnippet({ maxBufferBytes: '4mb' });
  });

  it('types the error handler options: respond, shouldCapture, render', () => {
    expectTypeOf(posthogErrorHandler).returns.toEqualTypeOf<ErrorRequestHandler>();
    expectTypeOf<PosthogErrorHandlerOptions['respond']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ShouldCapture>().parameters.toEqualTypeOf<[unknown, Request, Response]>();
    expectTypeOf<ShouldCapture>().returns.toEqualTypeOf<boolean>();
    posthogErrorHandler({
      respond: false,
      shouldCapture: (_error, _req, res) => res.statusCode >= 500,
    });
    // @ts-expect-error respond is a boolean
    posthogErrorHandler({ respond: 'no' });
    expectTypeOf(debugRouter).returns.toEqualTypeOf<Router>();
  });

  it('types the normalised user', () => {
    expectTypeOf<PosthogUser>().toEqualTypeOf<{
      readonly id: string;
      readonly email?: string;
      readonly name?: string;
    }>();
  });

  it('exports the same functions from the subpaths', () => {
    expectTypeOf(llmTraceGeneration).toEqualTypeOf(traceGeneration);
    expectTypeOf(jobsWithJobCapture).toEqualTypeOf(withJobCapture);
    expectTypeOf(withJobCapture('job', () => 42)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(
      traceGeneration({ provider: 'openai', model: 'm' }, async () => 'x'),
    ).toEqualTypeOf<Promise<string>>();
    expectTypeOf(cliRunCli).parameter(0).parameter(0).toEqualTypeOf<CliContext>();
  });
});
