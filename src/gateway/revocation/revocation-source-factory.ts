import { SymbolonError } from '../../errors.js';
import type { RevocationFeed } from '../../events/index.js';
import { toPem } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';
import type { GatewayConfig } from '../gateway-config.js';
import { createCrlRevocationSource } from './crl-revocation-source.js';
import { createFeedRevocationSource } from './feed-revocation-source.js';
import { createInProcessFeedSource } from './in-process-feed-source.js';
import { createNoneRevocationSource } from './none-revocation-source.js';
import { createOcspRevocationSource } from './ocsp-revocation-source.js';
import type { RevocationSource } from './revocation-source.js';

/** The revocation part of one trust bundle's configuration. */
export type TrustBundleRevocation = Pick<GatewayConfig['trustBundles'][number], 'revocation' | 'staleCrl'> &
  Partial<Pick<GatewayConfig['trustBundles'][number], 'profile'>>;

/** What the gateway knows when it makes a trust bundle's revocation source. */
export interface RevocationSourceContext {
  /** The bundle's CA certificates (its caFile): CRL signers, and the feed server's anchors by default. */
  readonly caCertificates: readonly Certificate[];
  /** Reads a file the configuration names (certFile, keyFile, caFile, a CRL file). */
  readonly readFile: (path: string) => Promise<Buffer>;
  /** PEM chain and key the gateway presents to the feed when the configuration names none: its listener's. */
  readonly feedClient?: { readonly cert: string; readonly key: string } | undefined;
  /** Inside `symbolon up`: the feed in process, and the key identifier (lowercase hex) of each issuer id. */
  readonly inProcessFeed?: { readonly feed: RevocationFeed; readonly issuerKeyId: (issuerId: string) => string | undefined } | undefined;
  readonly onError: (error: unknown) => void;
  readonly clock: () => Date;
}

/**
 * The revocation source a trust bundle's configuration describes, not started yet. A feed with
 * a url is read over mTLS; one without, from `context.inProcessFeed`. Throws
 * `GATEWAY_REVOCATION_NO_FEED` (no url and no in-process feed),
 * `GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE`, and what `context.readFile` throws.
 */
export async function createRevocationSource(bundle: TrustBundleRevocation, context: RevocationSourceContext): Promise<RevocationSource> {
  const config = bundle.revocation;
  switch (config.kind) {
    case 'none':
      return createNoneRevocationSource();
    case 'ocsp':
      return createOcspRevocationSource({ url: config.url, cacheSeconds: config.cacheSeconds, timeoutMs: config.timeoutMs });
    case 'crl':
      return createCrlRevocationSource({
        location: config.file !== undefined ? { file: config.file } : { url: config.url! },
        refreshSeconds: config.refreshSeconds,
        caCertificates: context.caCertificates,
        staleCrl: { policy: bundle.staleCrl.policy, graceSeconds: bundle.staleCrl.graceSeconds },
        profile: bundle.profile ?? 'strict',
        readFile: context.readFile,
        onError: context.onError,
      });
    case 'feed': {
      if (config.url === undefined) {
        if (context.inProcessFeed === undefined) {
          throw new SymbolonError(
            'GATEWAY_REVOCATION_NO_FEED',
            'the trust bundle reads the revocation feed but names no url, and this gateway does not run inside `symbolon up`: give revocation.url',
          );
        }
        return createInProcessFeedSource(context.inProcessFeed.feed, {
          issuerKeyId: context.inProcessFeed.issuerKeyId,
          onError: context.onError,
        });
      }
      if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
        throw new SymbolonError(
          'GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE',
          'revocation.certFile and revocation.keyFile go together: give both or neither',
        );
      }
      let client = context.feedClient;
      if (config.certFile !== undefined && config.keyFile !== undefined) {
        client = {
          cert: (await context.readFile(config.certFile)).toString('utf8'),
          key: (await context.readFile(config.keyFile)).toString('utf8'),
        };
      }
      if (client === undefined)
        throw new SymbolonError(
          'GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE',
          'the revocation feed needs a client certificate: give revocation.certFile and revocation.keyFile',
        );
      const ca =
        config.caFile !== undefined
          ? (await context.readFile(config.caFile)).toString('utf8')
          : context.caCertificates.map((certificate) => toPem('CERTIFICATE', certificate.der)).join('');
      return createFeedRevocationSource({
        url: config.url,
        tls: { cert: client.cert, key: client.key, ca },
        staleAfterSeconds: config.staleAfterSeconds,
        whenStale: config.whenStale,
        snapshotFile: config.snapshotFile,
        onError: context.onError,
        clock: context.clock,
      });
    }
  }
}
