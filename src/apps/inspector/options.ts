/**
 * The inspector's options, checked once by the package's one options check
 * (docs/observability.md, "`posthogInspector(options?)`"): an unknown key, a count
 * that is not a positive integer, flags or hosts of the wrong shape throw a
 * `TypeError` naming the option, the value and what to write.
 */
import { loadConfig } from '../../core/config/index.js';
import type { PosthogConfig } from '../../core/config/types.js';
import {
  checkBooleanOption,
  checkOptionsObject,
  checkPositiveInteger,
  failOption,
  optionKeys,
} from '../../core/options/options.js';
import { DEFAULT_INSPECTOR_PATH } from './constants.js';
import { inspectorRefusal } from './guard.js';
import type { InspectorFlags } from './remote-config.js';

const FACTORY = 'posthogInspector';

/** Options of {@link posthogInspector}. */
export interface PosthogInspectorOptions {
  /**
   * The configuration read from the environment, checked before anything is mounted: with
   * `NODE_ENV=production` or a real `POSTHOG_API_KEY` the inspector is not mounted (a
   * pass-through) and says so in one info line.
   * @default loadConfig()
   */
  readonly config?: PosthogConfig;
  /**
   * Where it answers when registered without a path, `app.use(posthogInspector())`; the app's
   * client and snippet then send there. @default '/_inspector'
   */
  readonly path?: string;
  /**
   * Answer requests that arrived on a network interface other than loopback (another machine,
   * or a browser outside the app's container). Off, they get 403 whatever their `Host` says:
   * the inspector shows every event to whoever can reach it. @default false
   */
  readonly allowRemote?: boolean;
  /** How many events it keeps, newest first. @default 1000 */
  readonly maxEvents?: number;
  /**
   * How many bytes its events may hold together: their properties as JSON (the form they
   * are kept in) plus 256 bytes each. @default 67108864 (64 MiB)
   */
  readonly maxStoredBytes?: number;
  /** Largest request body accepted, as sent (413 past it). @default 8388608 (8 MiB) */
  readonly maxBodyBytes?: number;
  /** Largest body once gunzipped and base64-decoded (413 past it). @default 16777216 (16 MiB) */
  readonly maxDecodedBytes?: number;
  /** Objects and arrays in one body at most (400 past it, before parsing). @default 200000 */
  readonly maxObjects?: number;
  /** Nesting of one body at most (400 past it, before parsing). @default 200 */
  readonly maxDepth?: number;
  /**
   * Host names besides the loopback ones (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`)
   * the inspector answers; `.example.test` allows a domain and its subdomains. Any other
   * `Host` gets 403, so a DNS-rebinding page cannot read the events. @default []
   */
  readonly allowedHosts?: readonly string[];
  /** Inspector pages open at once (each holds a live stream). @default 8 */
  readonly maxLiveClients?: number;
  /** The flags `/flags` answers (posthog-js and posthog-node both ask); the page changes them. @default {} */
  readonly flags?: InspectorFlags;
  /** Whether the remote config turns session recording on. @default config.replay */
  readonly replay?: boolean;
}

/** The checked options, with the defaults applied. */
export interface InspectorSettings {
  readonly config: PosthogConfig;
  /** Why it is not mounted (the info line it logged), or `undefined` when it runs. */
  readonly refusal: string | undefined;
  readonly path: string;
  readonly allowRemote: boolean;
  readonly maxEvents: number;
  readonly maxStoredBytes: number;
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  readonly maxObjects: number;
  readonly maxDepth: number;
  readonly maxLiveClients: number;
  readonly allowedHosts: readonly string[];
  readonly flags: InspectorFlags;
  readonly replay: boolean;
}

const KEYS = optionKeys<PosthogInspectorOptions>({
  config: true,
  path: true,
  allowRemote: true,
  maxEvents: true,
  maxStoredBytes: true,
  maxBodyBytes: true,
  maxDecodedBytes: true,
  maxObjects: true,
  maxDepth: true,
  allowedHosts: true,
  maxLiveClients: true,
  flags: true,
  replay: true,
});

const DEFAULTS = Object.freeze({
  maxEvents: 1_000,
  maxStoredBytes: 64 * 1024 * 1024,
  maxBodyBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
  maxObjects: 200_000,
  maxDepth: 200,
  maxLiveClients: 8,
});
/**
 * Checks the options (an unknown key is refused, naming the nearest valid one), says why the
 * inspector does not run where it may not (`NODE_ENV=production`, a real `POSTHOG_API_KEY`),
 * and applies the defaults.
 *
 * @param options - what the caller passed to `posthogInspector`.
 * @returns the settings the inspector runs with.
 * @example
 * const settings = inspectorSettings({ maxEvents: 100 });
 */
export function inspectorSettings(options: unknown): InspectorSettings {
  const checked = checkOptionsObject<PosthogInspectorOptions>(
    FACTORY,
    'app.use(posthogInspector())',
    options,
    KEYS,
  );
  for (const name of [
    'maxEvents',
    'maxStoredBytes',
    'maxBodyBytes',
    'maxDecodedBytes',
    'maxObjects',
    'maxDepth',
    'maxLiveClients',
  ] as const) {
    checkPositiveInteger(FACTORY, name, checked[name]);
  }
  checkFlags(checked.flags);
  checkHosts(checked.allowedHosts);
  checkBooleanOption(FACTORY, 'replay', checked.replay);
  checkBooleanOption(FACTORY, 'allowRemote', checked.allowRemote);
  checkPath(checked.path);
  const config = checked.config ?? loadConfig();
  return {
    config,
    refusal: inspectorRefusal(config),
    path: (checked.path ?? DEFAULT_INSPECTOR_PATH).replace(/\/+$/, ''),
    allowRemote: checked.allowRemote ?? false,
    maxEvents: checked.maxEvents ?? DEFAULTS.maxEvents,
    maxStoredBytes: checked.maxStoredBytes ?? DEFAULTS.maxStoredBytes,
    maxBodyBytes: checked.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxDecodedBytes: checked.maxDecodedBytes ?? DEFAULTS.maxDecodedBytes,
    maxObjects: checked.maxObjects ?? DEFAULTS.maxObjects,
    maxDepth: checked.maxDepth ?? DEFAULTS.maxDepth,
    maxLiveClients: checked.maxLiveClients ?? DEFAULTS.maxLiveClients,
    allowedHosts: [...(checked.allowedHosts ?? [])],
    flags: { ...checked.flags },
    replay: checked.replay ?? config.replay,
  };
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
      FACTORY,
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
    failOption(
      FACTORY,
      'allowedHosts',
      hosts,
      "must list host names without ports, e.g. ['dev.box']",
    );
  }
}

/**
 * Throws unless `path` is `undefined` or an absolute path of plain segments, such as `/_inspector`.
 *
 * @example
 * checkPath('/dev/events'); // fine
 */
export function checkPath(path: unknown): void {
  if (path === undefined) return;
  if (
    typeof path !== 'string' ||
    !/^(\/[A-Za-z0-9_.~-]+)+\/?$/.test(path) ||
    /\/\.\.?(\/|$)/.test(path)
  ) {
    failOption(FACTORY, 'path', path, "must be an absolute path such as '/_inspector'");
  }
}
