import { failOption } from './guard.js';

/**
 * Throws unless `value` is `undefined` or a positive safe integer.
 *
 * @example
 * checkPositiveInt('maxEvents', 0); // throws: `maxEvents` must be a positive integer, got 0.
 */
export function checkPositiveInt(option: string, value: unknown): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    failOption(option, value, 'must be a positive integer');
  }
}

/**
 * Throws unless `flags` is `undefined` or maps keys to booleans or variant names.
 *
 * @example
 * checkFlags({ 'new-ui': true, checkout: 'blue' }); // fine
 */
export function checkFlags(flags: unknown): void {
  if (flags === undefined) return;
  const ok =
    typeof flags === 'object' &&
    flags !== null &&
    !Array.isArray(flags) &&
    Object.values(flags).every((v) => typeof v === 'boolean' || typeof v === 'string');
  if (!ok)
    failOption(
      'flags',
      flags,
      "must map flag keys to true, false or a variant, e.g. { 'new-ui': true }",
    );
}

/**
 * Throws unless `hosts` is `undefined` or a list of host names.
 *
 * @example
 * checkHosts(['dev.box', '.internal.test']); // fine
 */
export function checkHosts(hosts: unknown): void {
  if (hosts === undefined) return;
  const ok =
    Array.isArray(hosts) &&
    hosts.every(
      (h) => typeof h === 'string' && /^\.?[A-Za-z0-9_.-]+$|^\[[0-9a-fA-F:.]+\]$/.test(h),
    );
  if (!ok) {
    failOption('allowedHosts', hosts, "must list host names without ports, e.g. ['dev.box']");
  }
}
