/**
 * The path of a request URL without its query or fragment, which may hold secrets: what log
 * lines and the `path` property name. Pure.
 * @example
 * pathWithoutQuery('/reset?token=s3cret'); // '/reset'
 * pathWithoutQuery(undefined); // ''
 */
export function pathWithoutQuery(url: string | undefined): string {
  if (url === undefined) return '';
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}
