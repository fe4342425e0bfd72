import { pipeline, Readable } from 'node:stream';
import express, { type Router } from 'express';
import { getRequestUser } from '../../core/attribution/request-user.js';
import type { PosthogClient } from '../../core/client/index.js';
import { traceGeneration } from '../../llm/index.js';

/** Flags the demo pages read; create them in PostHog (or the inspector) to see them flip. */
export const DEMO_FLAGS = Object.freeze({
  server: 'demo-server-flag',
  browser: 'demo-browser-flag',
});

/** Rows of the streamed page; 64 bytes or so each. */
const DEFAULT_STREAM_ROWS = 20_000;
const MAX_STREAM_ROWS = 1_000_000;

/** Rows of the streamed page sent in one chunk. */
const ROWS_PER_CHUNK = 500;

/** The streamed page, in chunks of {@link ROWS_PER_CHUNK} rows. */
function* streamedRows(rows: number): Generator<string> {
  yield '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Streamed page</title></head><body>\n' +
    `<h1>A streamed page of ${rows} rows</h1><p><a href="/">Back home</a></p><ol>\n`;
  for (let from = 1; from <= rows; from += ROWS_PER_CHUNK) {
    let chunk = '';
    for (let row = from; row < from + ROWS_PER_CHUNK && row <= rows; row += 1) {
      chunk += `<li>row ${row} of the streamed page</li>\n`;
    }
    yield chunk;
  }
  yield '</ol></body></html>\n';
}

/**
 * The reference app's pages (docs/observability.md, "The reference app"): a page that extends a layout, a
 * standalone page, a large streamed page, the flags page and the errors page,
 * plus `/api/health`.
 */
export function demoRoutes(client: PosthogClient): Router {
  const router = express.Router();

  router.get('/', function homePage(_req, res) {
    res.render('app/home.njk');
  });

  router.get('/standalone', function standalonePage(_req, res) {
    res.render('app/standalone.njk');
  });

  router.get('/errors', function errorsPage(_req, res) {
    res.render('app/errors.njk');
  });

  router.get('/flags', async function flagsPage(req, res, next) {
    try {
      const user = getRequestUser(req);
      // Anonymous visitors have no server-side distinct id worth evaluating for.
      const serverFlagOn = user
        ? await client.isFeatureEnabled(DEMO_FLAGS.server, user.id, false)
        : false;
      res.locals.posthogFlags = { [DEMO_FLAGS.server]: serverFlagOn };
      res.render('app/flags.njk', {
        serverFlag: DEMO_FLAGS.server,
        browserFlag: DEMO_FLAGS.browser,
        serverFlagOn,
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/stream', function streamedPage(req, res, next) {
    const asked = Number(req.query.rows);
    const rows =
      Number.isSafeInteger(asked) && asked > 0
        ? Math.min(asked, MAX_STREAM_ROWS)
        : DEFAULT_STREAM_ROWS;
    res.type('html');
    // pipeline waits for `drain` with one listener of its own: a hand-written
    // `res.once('drain')` per full buffer piles up listeners under compression, which
    // forwards them to its gzip stream and never removes them.
    pipeline(Readable.from(streamedRows(rows)), res, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });

  router.get('/llm', function llmPage(_req, res) {
    res.render('app/llm.njk');
  });

  router.post(
    '/llm',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async function llmGenerate(req, res, next) {
      try {
        const prompt = typeof req.body?.prompt === 'string' ? req.body.prompt.slice(0, 500) : '';
        // A stand-in model, so the demo needs no provider account: it reverses the prompt.
        const answer = await traceGeneration(
          { provider: 'demo', model: 'echo-1', client },
          async function echoModel(gen) {
            gen.setInput([{ role: 'user', content: prompt }]);
            const text = [...prompt].reverse().join('');
            gen.setOutput(text);
            gen.setTokens({
              input: Math.ceil(prompt.length / 4),
              output: Math.ceil(text.length / 4),
            });
            return text;
          },
        );
        res.render('app/llm.njk', { prompt, answer });
      } catch (error) {
        next(error);
      }
    },
  );

  router.get('/api/health', function health(_req, res) {
    res.json({ status: 'ok', posthog: client.enabled ? 'on' : 'off' });
  });

  return router;
}
