import type { IncomingHttpHeaders } from 'node:http';
import { ipAddress } from '../../core/http/client-address.js';

/**
 * The host name of a `Host` header, lower-cased, without its port or a trailing dot:
 * `LOCALHOST.:3000` → `localhost`, `[::1]:3000` → `[::1]`. `undefined` when absent or
 * not a plausible host.
 *
 * @example
 * hostName('127.0.0.1:3000'); // '127.0.0.1'
 */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim().toLowerCase();
  const name = value.startsWith('[')
    ? value.slice(0, value.indexOf(']') + 1)
    : value.replace(/:\d*$/, '');
  const bare = name.replace(/\.$/, '');
  return /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/.test(bare) ? bare : undefined;
}

/** Loopback names: what a browser on this machine sends for the app's own origin. */
function isLoopback(name: string): boolean {
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

/**
 * Whether a request's `Host` is the app's own: a loopback name (`localhost`,
 * `*.localhost`, `127.x.x.x`, `[::1]`) or one of `allowed` (exact names, or `.example.test`
 * for a domain and its subdomains). A page on another site that rebinds its DNS name to
 * 127.0.0.1 still sends its own name as `Host`, so it is refused and cannot read events.
 *
 * @example
 * isAllowedHost('localhost:3000', []); // true
 * isAllowedHost('attacker.example:3000', []); // false
 * isAllowedHost('dev.box:3000', ['dev.box']); // true
 */
export function isAllowedHost(header: string | undefined, allowed: readonly string[]): boolean {
  const name = hostName(header);
  if (name === undefined) return false;
  if (isLoopback(name)) return true;
  return allowed.some((entry) => {
    const wanted = entry.trim().toLowerCase().replace(/\.$/, '');
    return wanted.startsWith('.')
      ? name === wanted.slice(1) || name.endsWith(wanted)
      : name === wanted;
  });
}

/** Whether an IP address (IPv4-mapped or not) is a loopback one: `127.0.0.0/8` or `::1`. */
function isLoopbackAddress(address: string): boolean {
  const bare = ipAddress(address);
  return bare !== undefined && (bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare));
}

/**
 * Whether a request arrived on a loopback interface, by its socket's local address — not by
 * the `Host` header, which the client writes. A request to the machine's network address
 * (from another machine, or from a browser outside the app's container) did not.
 *
 * @example
 * arrivedOnLoopback({ localAddress: '127.0.0.1' }); // true
 * arrivedOnLoopback({ localAddress: '192.168.1.20' }); // false
 */
export function arrivedOnLoopback(socket: { readonly localAddress?: string | undefined }): boolean {
  const local = socket.localAddress;
  return local !== undefined && isLoopbackAddress(local);
}

/**
 * Whether a browser sent this request from another site or origin: `Sec-Fetch-Site` other
 * than `same-origin` (or `none`, a request the user typed), else an `Origin` whose host is not
 * the request's `Host`. A request without either (curl, posthog-node) is not a browser's
 * cross-site request. posthog-js on the app's pages posts to the inspector same-origin, so a
 * cross-site write is a form or a `fetch` of another page: it stores nothing.
 *
 * @example
 * isCrossSite({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }); // true
 * isCrossSite({ origin: 'http://localhost:3000', host: 'localhost:3000' }); // false
 */
export function isCrossSite(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== String(headers.host ?? '').toLowerCase();
  } catch {
    return true; // `Origin: null` (a sandboxed frame, a file) and anything unreadable
  }
}
