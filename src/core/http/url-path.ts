/**
 * The path of a request URL without its query or fragment, which may hold secrets: what log
 * lines and the `path` property name. Pure.
 * @example
 * pathWithoutQuery('/reset?token=s3cret'); // '/reset'
 * pathWithoutQuery(undefined); // ''
 */
export function pathWithoutQuery(url: string | undefined): string {
  if (url === undefined) return '';
  // Two scans rather than a RegExp: this runs for every request the snippet middleware sees.
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const end = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
  return end < 0 ? url : url.slice(0, end);
}
