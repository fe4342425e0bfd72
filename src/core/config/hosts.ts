/** PostHog Cloud ingestion hosts and the app host each belongs to. */
const CLOUD = /^https:\/\/(eu|us)\.i\.posthog\.com$/i;

/**
 * The PostHog app host for links: `https://eu.i.posthog.com` → `https://eu.posthog.com`;
 * any other host (self-hosted, or a proxy without `POSTHOG_UI_HOST`) is its own app host.
 */
export function deriveUiHost(host: string): string {
  const cloud = CLOUD.exec(host);
  return cloud ? `https://${cloud[1]?.toLowerCase()}.posthog.com` : host;
}

/**
 * The host that serves `/static/array.js`: `https://eu.i.posthog.com` →
 * `https://eu-assets.i.posthog.com`; any other host serves its own assets.
 */
export function deriveAssetsHost(host: string): string {
  const cloud = CLOUD.exec(host);
  return cloud ? `https://${cloud[1]?.toLowerCase()}-assets.i.posthog.com` : host;
}
