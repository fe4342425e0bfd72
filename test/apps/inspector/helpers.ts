import express from 'express';
import {
  type PosthogInspector,
  type PosthogInspectorOptions,
  posthogInspector,
} from '../../../src/apps/inspector/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { recordingLogger } from '../../helpers/logger.js';
import { serve } from '../../helpers/serve.js';

/** A config as `loadConfig` reads it from a development environment with no key. */
export function devConfig(env: Record<string, string> = {}) {
  return loadConfig(env, { logger: recordingLogger() });
}

/** An Express app with the inspector at `/_inspector` and a page outside it, served on loopback. */
export async function serveInspector(options: PosthogInspectorOptions = {}): Promise<{
  url: string;
  inspector: PosthogInspector;
  close(): Promise<void>;
}> {
  const inspector = posthogInspector({ config: devConfig(), ...options });
  const app = express();
  app.use('/_inspector', inspector);
  app.get('/elsewhere', (_req, res) => {
    res.type('text').send('the app still answers');
  });
  const site = await serve(app);
  return { ...site, inspector };
}

/** POSTs raw bytes to the inspector and returns the status and JSON answer. */
export async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', body: body as BodyInit, headers });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Opens the inspector's live stream and returns its first message, parsed; then closes it. */
export async function firstLiveMessage(url: string): Promise<{ type: string; data: any }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a message: ${text}`);
      text += decoder.decode(value, { stream: true });
      const match = /event: (\w+)\ndata: (.*)\n\n/.exec(text);
      if (match) return { type: match[1]!, data: JSON.parse(match[2]!) };
    }
  } finally {
    controller.abort();
  }
}
