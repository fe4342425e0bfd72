import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeEach } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { type CaptureServer, startCaptureServer } from './capture-server.js';
import { enabledClient } from './client.js';

/** A capture server per test, and enabled clients posting to it, shut down after each test. */
export interface CaptureSuite {
  /** This test's capture server. */
  readonly server: CaptureServer;
  /** A real, enabled client posting to {@link server}, with the suite's defaults under `options`. */
  client(options?: PosthogConfigOptions): PosthogClient;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that start a fresh capture server and
 * shut down every client the test built (which drains their queues) before closing it.
 */
export function useCaptureServer(defaults: PosthogConfigOptions = {}): CaptureSuite {
  let server: CaptureServer | undefined;
  const clients: PosthogClient[] = [];
  beforeEach(async () => {
    server = await startCaptureServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.shutdown()));
    await server?.close();
    server = undefined;
  });
  return {
    get server() {
      if (!server) throw new Error('useCaptureServer: the server exists only inside a test');
      return server;
    },
    client(options = {}) {
      const built = enabledClient(this.server.url, { ...defaults, ...options }).client;
      clients.push(built);
      return built;
    },
  };
}

/** Test auth: logs in `users[x-test-user]`, as an app's auth would set `req.user`. */
export function headerAuth(users: Readonly<Record<string, unknown>>) {
  return function testAuth(req: Request, _res: Response, next: NextFunction): void {
    const id = req.get('x-test-user');
    if (id !== undefined) (req as { user?: unknown }).user = users[id];
    next();
  };
}
