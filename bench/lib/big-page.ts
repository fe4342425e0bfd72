import type { ServerResponse } from 'node:http';

/** One 64 KB row of the streamed page. */
const ROW = Buffer.from(`<p>${'streamed row '.repeat(4900)}</p>\n`);

/**
 * Streams an HTML page of about `mebibytes` MiB: a head, then 64 KB rows written with
 * back-pressure (`write()`'s return value and `drain`). Shared by the bench's `/big` route and
 * the streaming test's server, so both measure the same page.
 */
export function streamBigPage(res: ServerResponse, mebibytes: number): void {
  const total = mebibytes * 1024 * 1024;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.write('<!DOCTYPE html><html><head><title>big</title></head><body>');
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += ROW.length;
      if (!res.write(ROW)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end('</body></html>');
  };
  pump();
}
