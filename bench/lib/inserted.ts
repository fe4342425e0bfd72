import { MARKER } from './requests.js';

/**
 * The text `injected` has that `bare` has not, for two renders of the same page whose only
 * other difference is of equal length (a timestamp): from the tag carrying the package's
 * marker (else the first differing character), as many characters as the page grew.
 */
export function insertedText(bare: string, injected: string): string {
  const grown = injected.length - bare.length;
  const marker = injected.indexOf(MARKER);
  if (marker >= 0) {
    const start = injected.lastIndexOf('<', marker);
    return injected.slice(start, start + grown);
  }
  let at = 0;
  while (at < bare.length && bare.charCodeAt(at) === injected.charCodeAt(at)) at += 1;
  return injected.slice(at, at + grown);
}
