import { randomBytes } from 'node:crypto';
import { createCertificateAuthority } from '../ca/index.js';
import type { DataDir, IssuingCa } from '../ca/index.js';
import type { RevocationFeed } from '../events/index.js';
import { createServiceListener, hostPort } from '../http/index.js';
import type { ListenAddress, ServiceListener, ServiceTls } from '../http/index.js';
import type { CertificateRef, Store } from '../store/index.js';
import { ipToBytes, parseCertificate, toPem } from '../x509/index.js';
import type { ServerIdentity } from '../gateway/runtime/index.js';
import type { Closers } from './closers.js';
import { createFeedRoute, FEED_PATH } from './feed-route.js';
import { checkGatewayAccess } from './gateway-access.js';
import { startGatewayIdentity } from './gateway-identity.js';

export interface UpServiceListenerOptions {
  readonly listen: ListenAddress;
  readonly dataDir: DataDir;
  /** The unlocked intermediates: the listener's certificate comes from the active one. */
  readonly issuers: readonly IssuingCa[];
  readonly store: Store;
  /** Mount the revocation feed at /feed, read by certificates of `gatewayProfiles`. */
  readonly feed: RevocationFeed | undefined;
  readonly gatewayProfiles: readonly string[];
  readonly issuerKeyId: (issuerId: string) => string | undefined;
  readonly clock: () => Date;
  readonly actor: string;
  readonly recordInternal: (role: string, issued: CertificateRef) => Promise<void>;
  readonly onError: (error: unknown) => void;
  readonly closers: Closers;
}

export interface UpServiceListener {
  readonly listener: ServiceListener;
  /** `https://host:port`. */
  readonly url: string;
  /** The feed's URL, when it is served. */
  readonly feedUrl: string | undefined;
}

/** Lifetime of the service listener's certificate (renewed at two thirds, like the gateway's). */
const SERVICE_CERTIFICATE_TTL_SECONDS = 30 * 86_400;

function serviceTls(identity: ServerIdentity, anchors: readonly string[]): ServiceTls {
  return { key: identity.keyPem, cert: identity.certPem, ca: anchors };
}

/**
 * Starts up's HTTPS service listener with a server certificate of its own, issued by the active
 * intermediate (a new key at each start and renewal) and swapped in when renewed, and mounts the
 * revocation feed on it. Resolves undefined when no intermediate is unlocked to issue from.
 */
export async function startUpServiceListener(options: UpServiceListenerOptions): Promise<UpServiceListener | undefined> {
  const { dataDir, store, clock, onError, closers } = options;
  const active = options.issuers.find((issuer) => issuer.id === dataDir.activeIssuer.id) ?? options.issuers[0];
  if (active === undefined) return undefined;
  const host = options.listen.host;
  const names = ['localhost', '127.0.0.1'];
  if (host !== '0.0.0.0' && host !== '::') names.push(host);
  const intermediates = dataDir.issuers.filter((issuer) => issuer.parentId !== null);
  const anchors = [dataDir.root.der, ...intermediates.map((issuer) => issuer.certificate)].map((der) => toPem('CERTIFICATE', der));
  let listener: ServiceListener | undefined;
  const identity = await startGatewayIdentity({
    ca: createCertificateAuthority({ store, config: dataDir.config, issuer: active, clock, random: randomBytes }),
    profile: 'server',
    ttlSeconds: SERVICE_CERTIFICATE_TTL_SECONDS,
    // A server certificate's CN is one of its names (the server profile requires it).
    commonName: ipToBytes(host) === undefined && host !== '' ? host : 'localhost',
    names,
    clock,
    actor: options.actor,
    onIssued: (issued) => options.recordInternal('service', issued),
    onRenewed: () => listener?.setTls(serviceTls(identity.current(), anchors)),
    onError,
  });
  closers.add(() => identity.close());
  const running = createServiceListener({ tls: serviceTls(identity.current(), anchors), onError });
  listener = running;
  const url = `https://${hostPort(await running.listen(options.listen))}`;
  closers.add(() => running.close());
  if (options.feed === undefined) return { listener: running, url, feedUrl: undefined };

  const issuerCertificates = intermediates.map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) }));
  const feedRoute = createFeedRoute({
    feed: options.feed,
    issuerKeyId: options.issuerKeyId,
    access: (peer) => checkGatewayAccess(peer, { store, issuers: issuerCertificates, profiles: options.gatewayProfiles, clock }),
    heartbeatMs: 15_000,
    maxBufferedBytes: 4 * 1024 * 1024,
  });
  running.mount(FEED_PATH, feedRoute.handle);
  // Streams end before the listener closes (closers run in reverse).
  closers.add(() => feedRoute.close());
  return { listener: running, url, feedUrl: `${url}${FEED_PATH}` };
}
