/**
 * The client's address, as every part of the package reports it: the proxy's
 * `X-Forwarded-For` (PostHog derives GeoIP from it; docs/observability.md, "posthogProxy") and
 * `$ip` on server events in identify mode `full` (docs/observability.md, "Server events").
 */
import { isIP } from 'node:net';

/** The parts of a request the address is read from; an Express `req` fits, so does a bare `IncomingMessage`. */
export interface AddressedRequest {
  /** Express's `req.ip` (honours `trust proxy`). */
  readonly ip?: unknown;
  readonly socket?: { readonly remoteAddress?: string | undefined } | undefined;
}

/**
 * An IP address as it is reported: an IPv4-mapped IPv6 address (what a dual-stack socket
 * gives for an IPv4 peer) unmapped to its IPv4 form; anything that is not an IP address →
 * `undefined`.
 *
 * @example
 * ipAddress('::ffff:203.0.113.7'); // '203.0.113.7'
 * ipAddress('not an ip'); // undefined
 */
export function ipAddress(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value);
  const address = mapped?.[1] ?? value;
  return isIP(address) ? address : undefined;
}

/** Reads one value of the request; a getter that throws reads as nothing. */
function read(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/**
 * The client's IP address as the app's `trust proxy` setting resolves it: Express's
 * `req.ip` on an Express request (the socket peer with `trust proxy` off; the address the
 * trusted proxies reported with it on), else the socket's remote address, each through
 * {@link ipAddress} (`::ffff:` unmapped). A value that is not an IP address (a throwing
 * getter, a garbled header) falls back to the socket peer; `undefined` when there is none.
 *
 * @example
 * clientAddress(req); // '203.0.113.7'
 */
export function clientAddress(req: AddressedRequest): string | undefined {
  return ipAddress(read(() => req.ip)) ?? ipAddress(read(() => req.socket?.remoteAddress));
}
