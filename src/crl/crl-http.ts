import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDate, isNotModified, sendProblem } from '../http/index.js';
import type { CrlPublisher, PublishedCrl } from './crl-publisher.js';

const CRL_PATH = /^\/crl\/([a-z0-9-]{1,64})\.crl$/;
const DELTA_SUFFIX = '-delta';

/**
 * Serves `GET /crl/<issuer>.crl` (the URL stamped into certificates' CRL distribution points), and
 * `GET /crl/<issuer>-delta.crl` (their Freshest CRL, RFC 5280 4.2.1.15) when delta CRLs are on, as
 * `application/pkix-crl` DER (RFC 5280 4.2.1.13), with ETag, Last-Modified (thisUpdate), Expires
 * (nextUpdate) and 304 for a matching If-None-Match or If-Modified-Since. Returns false for a path
 * it does not serve.
 */
export function createCrlHandler(
  publisher: CrlPublisher,
  options: {
    readonly maxAgeSeconds: number;
    readonly clock: () => Date;
    /** CRLs made elsewhere (the root's, signed offline), by issuer id, served the same way. */
    readonly published?: Readonly<Record<string, () => Promise<PublishedCrl | undefined>>>;
  },
) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const match = CRL_PATH.exec(path);
    if (match === null) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', 'CRLs are fetched with GET', { Allow: 'GET, HEAD' });
      return true;
    }
    const id = match[1]!;
    // An issuer's own id wins; otherwise `<issuer>-delta` names that issuer's delta CRL.
    const isDelta = id.endsWith(DELTA_SUFFIX) && !publisher.issuerIds.includes(id);
    const elsewhere = Object.hasOwn(options.published ?? {}, id) ? options.published![id] : undefined;
    const crl =
      elsewhere !== undefined
        ? await elsewhere()
        : isDelta
          ? await publisher.currentDelta(id.slice(0, -DELTA_SUFFIX.length))
          : await publisher.current(id);
    if (crl === undefined) {
      sendProblem(res, 404, 'CRL_ISSUER_UNKNOWN', `no CRL is published for ${match[1]}`);
      return true;
    }
    const secondsLeft = Math.floor((crl.nextUpdate.getTime() - options.clock().getTime()) / 1000);
    const headers = {
      ETag: crl.etag,
      'Last-Modified': httpDate(crl.thisUpdate),
      Expires: httpDate(crl.nextUpdate),
      'Cache-Control': `public, max-age=${Math.max(0, Math.min(options.maxAgeSeconds, secondsLeft))}, no-transform`,
    };
    if (isNotModified(req, crl.etag, crl.thisUpdate)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/pkix-crl', 'Content-Length': crl.der.length });
    res.end(req.method === 'HEAD' ? undefined : crl.der);
    return true;
  };
}
