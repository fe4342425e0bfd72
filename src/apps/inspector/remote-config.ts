import { jsonForScript } from '../../core/escape/escape.js';

/** A flag's value: on/off, or a variant name. */
export type FlagValue = boolean | string;

/** The flags the inspector answers, by key. */
export type InspectorFlags = Readonly<Record<string, FlagValue>>;

/**
 * posthog-js's remote config (`/array/<key>/config`), as PostHog serves it, with
 * what the inspector needs: gzip accepted, and — when `replay` is on — session
 * recording enabled at `/s/` (posthog-js records nothing until the remote config
 * says so). Autocapture, heatmaps, surveys and dead clicks stay off.
 *
 * @example
 * remoteConfig('phc_local_inspector', true).sessionRecording; // { endpoint: '/s/', … }
 */
export function remoteConfig(token: string, replay: boolean): Record<string, unknown> {
  return {
    token,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: true,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: true,
    autocaptureExceptions: true,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    heatmaps: false,
    surveys: false,
    productTours: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
    sessionRecording: replay
      ? {
          endpoint: '/s/',
          consoleLogRecordingEnabled: false,
          recorderVersion: 'v2',
          sampleRate: null,
          minimumDurationMilliseconds: null,
          linkedFlag: null,
          networkPayloadCapture: null,
          masking: null,
          urlTriggers: [],
          urlBlocklist: [],
          eventTriggers: [],
          triggerMatchType: null,
          scriptConfig: null,
        }
      : false,
  };
}

/**
 * The same config as the script posthog-js loads from `/array/<key>/config.js`: it
 * sets `window._POSTHOG_REMOTE_CONFIG[key]`. JSON inside a script is escaped so a
 * value cannot close it.
 *
 * @example
 * remoteConfigScript('phc_local_inspector', true); // "(function(){…})();"
 */
export function remoteConfigScript(token: string, replay: boolean): string {
  const json = jsonForScript({ config: remoteConfig(token, replay), siteApps: [] });
  const key = jsonForScript(token);
  return `(function(){var w=window;w._POSTHOG_REMOTE_CONFIG=w._POSTHOG_REMOTE_CONFIG||{};w._POSTHOG_REMOTE_CONFIG[${key}]=${json};})();`;
}

/**
 * The `/flags/?v=2` answer both SDKs understand: the v2 `flags` details (which
 * posthog-js and posthog-node read first) and the v1 `featureFlags` map. With
 * `keys` (posthog-node's `flag_keys_to_evaluate`) only those flags are answered.
 *
 * @example
 * flagsResponse({ 'new-ui': true }, true).featureFlags; // { 'new-ui': true }
 */
export function flagsResponse(
  flags: InspectorFlags,
  replay: boolean,
  keys?: readonly string[],
): Record<string, unknown> {
  const wanted = Object.entries(flags).filter(([key]) => !keys || keys.includes(key));
  return {
    flags: Object.fromEntries(
      wanted.map(([key, value]) => [
        key,
        {
          key,
          enabled: value !== false,
          variant: typeof value === 'string' ? value : undefined,
          reason: { code: 'inspector', description: 'set in the local inspector' },
          metadata: { id: 0, version: 1, payload: undefined },
        },
      ]),
    ),
    featureFlags: Object.fromEntries(wanted),
    featureFlagPayloads: {},
    errorsWhileComputingFlags: false,
    requestId: 'inspector',
    sessionRecording: replay ? { endpoint: '/s/' } : false,
    supportedCompression: ['gzip', 'gzip-js'],
  };
}
