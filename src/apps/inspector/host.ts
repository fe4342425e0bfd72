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
