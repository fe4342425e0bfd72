/**
 * The client address the proxy reports to PostHog in `X-Forwarded-For` (PostHog derives
 * GeoIP from it; docs/observability.md, "posthogProxy").
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** `::ffff:203.0.113.7` → `203.0.113.7`; anything that is not an IP address → `undefined`. */
function normalisedIp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value);
  const address = mapped?.[1] ?? value;
  return isIP(address) ? address : undefined;
}

/**
 * The client's IP address as the app's `trust proxy` setting resolves it: Express's
 * `req.ip` on an Express request (the socket peer with `trust proxy` off; the address the
 * trusted proxies reported with it on), else the socket's remote address. A value that
 * is not an IP address (a throwing getter, a garbled header) falls back to the socket
 * peer; `undefined` when there is none.
 *
 * @example
 * clientAddress(req); // '203.0.113.7'
 */
export function clientAddress(req: IncomingMessage): string | undefined {
  let resolved: unknown;
  try {
    resolved = (req as IncomingMessage & { ip?: unknown }).ip;
  } catch {
    resolved = undefined;
  }
  return normalisedIp(resolved) ?? normalisedIp(req.socket?.remoteAddress);
}
