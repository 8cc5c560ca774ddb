import type { IncomingMessage } from 'node:http';

/** An HTTP-date (RFC 9110 5.6.7) of `date`, to the second. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}

let dateSecond = 0;
let dateValue = '';
/** The Date field of a response sent now, computed once a second. */
export function httpDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(second * 1000).toUTCString();
  }
  return dateValue;
}

/**
 * Does a GET or HEAD carry validators that still match (RFC 9110 13.1)? If-None-Match wins over
 * If-Modified-Since, as 13.2.2 orders them. `lastModified` is compared to the second.
 */
export function isNotModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    // Weak comparison (13.1.2): W/ prefixes are ignored.
    return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isFinite(since)) return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
