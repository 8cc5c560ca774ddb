import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  crlUrl,
  deltaCrlUrl,
  internalCertificates,
  ROOT_ISSUER_ID,
  withProvenRevocations,
} from '../ca/index.js';
import type { DataDir, IssuingCa, UnservedRevocations } from '../ca/index.js';
import { createCrlHandler, createCrlPublisher, createRootCrlFile } from '../crl/index.js';
import { errorCodeOf } from '../errors.js';
import type { SymbolonError } from '../errors.js';
import { createRevocationFeed, publishingStore } from '../events/index.js';
import { checkGatewayAccess } from './gateway-access.js';
import { createFeedRoute, FEED_PATH } from './feed-route.js';
import type { FeedRoute } from './feed-route.js';
import type { RevocationFeed } from '../events/index.js';
import {
  closeServer,
  closingProblemMessage,
  createFastPathServer,
  createServiceListener,
  hostPort,
  listen,
  sendProblem,
} from '../http/index.js';
import type { ListenAddress, ServiceListener, ServiceTls } from '../http/index.js';
import { createDelegatedSigner, createOcspFastPath, createOcspHandler, createOcspResponder } from '../ocsp/index.js';
import type { DelegatedSigner, OcspIssuer } from '../ocsp/index.js';
import type { CertificateRef, Store } from '../store/index.js';
import { ipToBytes, MAX_OCSP_REQUEST_BYTES, parseCertificate, toPem } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import type { ServerIdentity } from '../gateway/runtime/index.js';
import { startGatewayIdentity } from './gateway-identity.js';
import type { UpHealth } from './up-health.js';

/** How the revocation services run; parsed once by the command, then passed down frozen. */
export interface RevocationServicesConfig {
  readonly listen: ListenAddress;
  /** The HTTPS service listener (the feed, EST); undefined runs none. */
  readonly tlsListen: ListenAddress | undefined;
  /** Mount the revocation feed at /feed on the service listener. */
  readonly isFeedServed: boolean;
  readonly crlValiditySeconds: number;
  readonly crlMaxAgeSeconds: number;
  /**
   * Seconds between delta CRLs (RFC 5280 5.2.4); undefined publishes them only when config.yaml
   * says `deltaCrl: true` (every DEFAULT_DELTA_CRL_INTERVAL_SECONDS then).
   */
  readonly deltaCrlIntervalSeconds: number | undefined;
  readonly ocspValiditySeconds: number;
  readonly ocspMaxAgeSeconds: number;
  readonly responderLifetimeSeconds: number;
  readonly feedPollIntervalMs: number;
  readonly maxOcspRequestBytes: number;
  readonly maxCachedOcspAnswers: number;
  /** Profiles whose certificates may read the feed. */
  readonly gatewayProfiles: readonly string[];
}

/** The longest request target served: an OCSP GET of the largest request, base64 and escaped, fits well within it. */
const MAX_TARGET_LENGTH = 4096;

/** Lifetime of the service listener's certificate (renewed at two thirds, like the gateway's). */
const SERVICE_CERTIFICATE_TTL_SECONDS = 30 * 86_400;

function serviceTls(identity: ServerIdentity, anchors: readonly string[]): ServiceTls {
  return { key: identity.keyPem, cert: identity.certPem, ca: anchors };
}

/** Delta CRL interval when config.yaml turns them on and `--delta-crl-interval` is not given. */
export const DEFAULT_DELTA_CRL_INTERVAL_SECONDS = 15 * 60;

export const DEFAULT_SERVICES_CONFIG: Omit<RevocationServicesConfig, 'listen' | 'tlsListen'> = Object.freeze({
  isFeedServed: true,
  crlValiditySeconds: 24 * 3600,
  crlMaxAgeSeconds: 60,
  deltaCrlIntervalSeconds: undefined,
  ocspValiditySeconds: 3600,
  ocspMaxAgeSeconds: 60,
  responderLifetimeSeconds: 7 * 24 * 3600,
  feedPollIntervalMs: 50,
  maxOcspRequestBytes: MAX_OCSP_REQUEST_BYTES,
  maxCachedOcspAnswers: 200_000,
  gatewayProfiles: Object.freeze(['gateway']),
});

export interface RevocationServicesOptions {
  readonly dataDir: DataDir;
  /** The unlocked intermediates; the active one must be among them for the feed server. */
  readonly issuers: readonly IssuingCa[];
  readonly config: RevocationServicesConfig;
  readonly clock: () => Date;
  readonly actor: string;
  /** Where faults that do not stop the services are told. */
  readonly onError: (error: unknown) => void;
  /** Revocations the audit log proves that the tables do not serve (`checkAuditAtStart`): served as the log recorded them. */
  readonly unservedRevocations?: UnservedRevocations | undefined;
  /** The problems up runs with: served at /healthz and /metrics, fed by the CRL writes. */
  readonly health: UpHealth;
}

export interface RevocationServices {
  /** The store with revocations published on the feed: revoke through it. */
  readonly store: Store;
  readonly feed: RevocationFeed;
  /** `http://host:port` of CRLs, OCSP and CA certificates. */
  readonly baseUrl: string;
  readonly crlUrls: Readonly<Record<string, string>>;
  /** Each issuer's delta CRL URL; empty when delta CRLs are off. */
  readonly deltaCrlUrls: Readonly<Record<string, string>>;
  readonly ocspUrl: string;
  readonly feedUrl: string | undefined;
  /** The HTTPS service listener, for other routes to mount on (EST); undefined without --tls-listen. */
  readonly serviceListener: ServiceListener | undefined;
  /** `https://host:port` of the service listener. */
  readonly serviceUrl: string | undefined;
  /**
   * Lowercase hex of the subjectKeyIdentifier of each issuer of the data directory (root and
   * intermediates, locked or not), by store id: how the feed names issuers to gateways.
   */
  readonly issuerKeyId: (issuerId: string) => string | undefined;
  /** The delegated responder certificate of each issuer OCSP answers for. */
  responderCertificate(issuerId: string): Certificate | undefined;
  /** Issuers OCSP cannot answer for (no responder certificate could be issued), with the error code. */
  readonly unansweredIssuers: readonly { readonly id: string; readonly code: string }[];
  rotateResponders(): Promise<void>;
  /** Records a certificate issued to one of up's services and revokes the one it replaces (see `InternalCertificates`); faults go to onError. */
  recordInternal(role: string, issued: CertificateRef): Promise<void>;
  /** The problems up runs with (`/healthz`, `/metrics`). */
  readonly health: UpHealth;
  /** Whether the last write of each CRL file (`<issuer>`, `<issuer>-delta`) succeeded, by its path; absent when none was tried. */
  crlFileWritten(name: string): { readonly path: string; readonly error: SymbolonError | undefined } | undefined;
  close(): Promise<void>;
}

/**
 * Starts CRL publication, the OCSP responder and (when configured) the mTLS feed on an opened
 * data directory, all fed by one revocation feed. Throws `HTTP_LISTEN_FAILED` and the CA's errors.
 */
export async function startRevocationServices(options: RevocationServicesOptions): Promise<RevocationServices> {
  const { dataDir, issuers, config, clock, actor, onError } = options;
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        onError(error);
      }
    }
  };
  const { health } = options;
  const crlFiles = new Map<string, { readonly path: string; readonly error: SymbolonError | undefined }>();
  try {
    const deltaIntervalSeconds =
      config.deltaCrlIntervalSeconds ?? (dataDir.config.deltaCrl ? DEFAULT_DELTA_CRL_INTERVAL_SECONDS : undefined);
    const publicBaseUrl = dataDir.config.publicBaseUrl;
    // Where the tables lost or altered a revocation the log proves, the services read it from the log.
    const provenStore =
      options.unservedRevocations === undefined ? dataDir.store : withProvenRevocations(dataDir.store, options.unservedRevocations);
    const publisher = createCrlPublisher({
      store: provenStore,
      issuers,
      clock,
      validitySeconds: config.crlValiditySeconds,
      deltaCrl:
        deltaIntervalSeconds === undefined
          ? undefined
          : {
              intervalSeconds: deltaIntervalSeconds,
              url: publicBaseUrl === undefined ? undefined : (issuerId) => deltaCrlUrl(publicBaseUrl, issuerId),
            },
      directory: join(dataDir.paths.root, 'crl'),
      onFileWrite: (write) => {
        crlFiles.set(write.name, { path: write.path, error: write.error });
        if (write.error === undefined) health.clear(`crl-file:${write.name}`);
        else health.fail(`crl-file:${write.name}`, 'crl_file', write.error, clock());
      },
      onError,
    });
    closers.push(() => publisher.close());
    const afterSequence = await publisher.start();
    const feed = createRevocationFeed({ store: provenStore, afterSequence, pollIntervalMs: config.feedPollIntervalMs, onError });
    closers.push(() => feed.close());
    const store = publishingStore(provenStore, feed);

    // Each start and each renewal gives a service a new key, kept in memory only: the certificate
    // it replaces is revoked (superseded), so no valid certificate is left whose key is gone.
    const internal = internalCertificates({ paths: dataDir.paths, store, clock, actor });
    const recordInternal = (role: string, issued: CertificateRef): Promise<void> => internal.replaced(role, issued).catch(onError);

    const signers = new Map<string, DelegatedSigner>();
    const unansweredIssuers: { id: string; code: string }[] = [];
    let responder: ReturnType<typeof createOcspResponder> | undefined;
    for (const issuer of issuers) {
      const ca = createCertificateAuthority({ store, config: dataDir.config, issuer, clock, random: randomBytes });
      try {
        const signer = await createDelegatedSigner({
          issuerCertificate: issuer.certificate,
          issue: async (key, ttlSeconds) => {
            const issued = await ca.issue(
              {
                subject: [[{ type: '2.5.4.3', value: `${dataDir.config.name} OCSP Responder (${issuer.id})` }]],
                subjectAltNames: [],
                publicKey: key.publicKey,
                spki: key.spki,
              },
              { profile: 'ocsp-signer', ttlSeconds, actor },
            );
            await recordInternal(`ocsp-signer:${issuer.id}`, issued.record);
            return issued.der;
          },
          lifetimeSeconds: config.responderLifetimeSeconds,
          clock,
          // Cached answers carry the old certificate; new ones are signed with the new key.
          onRotated: () => responder?.clear(),
          onError,
        });
        signers.set(issuer.id, signer);
        closers.push(() => signer.close());
      } catch (error) {
        unansweredIssuers.push({ id: issuer.id, code: errorCodeOf(error) ?? 'INTERNAL' });
      }
    }
    const ocspIssuers: OcspIssuer[] = issuers.flatMap((issuer) => {
      const signer = signers.get(issuer.id);
      return signer === undefined ? [] : [{ id: issuer.id, certificate: issuer.certificate, identity: () => signer.identity }];
    });
    responder = createOcspResponder({
      store,
      issuers: ocspIssuers,
      clock,
      validitySeconds: config.ocspValiditySeconds,
      maxCachedAnswers: config.maxCachedOcspAnswers,
      onError,
    });
    const ocspResponder = responder;
    feed.subscribe((event) => {
      ocspResponder.onRevocation(event);
      publisher.onRevocation(event);
    });

    const rootCrl = createRootCrlFile(dataDir, onError);
    const crlHandler = createCrlHandler(publisher, {
      maxAgeSeconds: config.crlMaxAgeSeconds,
      clock,
      published: { [ROOT_ISSUER_ID]: () => rootCrl.current() },
    });
    const ocspHandler = createOcspHandler(ocspResponder, {
      maxBodyBytes: config.maxOcspRequestBytes,
      maxAgeSeconds: config.ocspMaxAgeSeconds,
      clock,
    });
    const caCertificates = new Map(dataDir.issuers.map((issuer) => [`/ca/${issuer.id}.crt`, issuer.certificate]));
    const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = req.url ?? '/';
      if (url.length > MAX_TARGET_LENGTH) return sendProblem(res, 414, 'HTTP_URI_TOO_LONG');
      const path = url.split('?')[0]!;
      if (await ocspHandler(req, res, path)) return;
      if ((req.method === 'GET' || req.method === 'HEAD') && (await health.handle(req, res, path))) return;
      if (await crlHandler(req, res, path)) return;
      const certificate = caCertificates.get(path);
      if (certificate !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        // RFC 5280 4.2.2.1: caIssuers over HTTP is a DER certificate, application/pkix-cert.
        res.writeHead(200, {
          'Content-Type': 'application/pkix-cert',
          'Content-Length': certificate.length,
          'Cache-Control': 'public, max-age=86400',
        });
        res.end(req.method === 'HEAD' ? undefined : certificate);
        return;
      }
      sendProblem(
        res,
        404,
        'HTTP_NOT_FOUND',
        'this server answers /ocsp, /crl/<issuer>.crl, /crl/<issuer>-delta.crl, /ca/<issuer>.crt, /healthz and /metrics',
      );
    };
    const server = createServer((req, res) => {
      route(req, res).catch((error: unknown) => {
        onError(error);
        sendProblem(res, 500, 'HTTP_INTERNAL_ERROR');
      });
    });
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    server.on('clientError', (error: Error & { rawPacket?: Buffer }, socket) => {
      // A head past node:http's 16 KiB limit gets an answer, as a shorter long target does: 414
      // when the request line alone is longer than any target this server serves, else 431.
      if (errorCodeOf(error) === 'HPE_HEADER_OVERFLOW' && socket.writable) {
        const packet = error.rawPacket;
        const lineEnd = packet === undefined ? -1 : packet.indexOf('\r\n');
        const isLongTarget = lineEnd < 0 || lineEnd > MAX_TARGET_LENGTH;
        socket.end(
          closingProblemMessage(isLongTarget ? 414 : 431, isLongTarget ? 'HTTP_URI_TOO_LONG' : 'HTTP_HEADERS_TOO_LARGE'),
          'latin1',
        );
        return;
      }
      socket.destroy();
    });
    // OCSP POSTs, the bulk of the traffic, are answered without node:http; the rest goes to `server`.
    const front = createFastPathServer({
      fastPath: createOcspFastPath(ocspResponder, {
        maxBodyBytes: config.maxOcspRequestBytes,
        maxAgeSeconds: config.ocspMaxAgeSeconds,
        clock,
      }),
      fallback: server,
      maxHeaderBytes: 16 * 1024,
      maxBodyBytes: config.maxOcspRequestBytes,
      requestTimeoutMs: server.requestTimeout,
      idleTimeoutMs: server.keepAliveTimeout,
      onError,
    });
    const bound = await listen(front, config.listen);
    closers.push(() => closeServer(front));
    const baseUrl = `http://${hostPort(bound)}`;

    const issuerKeyIds = new Map(
      dataDir.issuers.map((issuer) => [issuer.id, parseCertificate(issuer.certificate).subjectKeyIdentifier?.toString('hex')]),
    );
    const issuerKeyId = (issuerId: string): string | undefined => issuerKeyIds.get(issuerId);
    let serviceListener: ServiceListener | undefined;
    let serviceUrl: string | undefined;
    let feedUrl: string | undefined;
    if (config.tlsListen !== undefined) {
      const active = issuers.find((issuer) => issuer.id === dataDir.activeIssuer.id) ?? issuers[0];
      if (active !== undefined) {
        const host = config.tlsListen.host;
        const names = ['localhost', '127.0.0.1'];
        if (host !== '0.0.0.0' && host !== '::') names.push(host);
        const anchors = [
          dataDir.root.der,
          ...dataDir.issuers.filter((issuer) => issuer.parentId !== null).map((issuer) => issuer.certificate),
        ].map((der) => toPem('CERTIFICATE', der));
        let listener: ServiceListener | undefined;
        const identity = await startGatewayIdentity({
          ca: createCertificateAuthority({ store, config: dataDir.config, issuer: active, clock, random: randomBytes }),
          profile: 'server',
          ttlSeconds: SERVICE_CERTIFICATE_TTL_SECONDS,
          // A server certificate's CN is one of its names (the server profile requires it).
          commonName: ipToBytes(host) === undefined && host !== '' ? host : 'localhost',
          names,
          clock,
          actor,
          onIssued: (issued) => recordInternal('service', issued),
          onRenewed: () => listener?.setTls(serviceTls(identity.current(), anchors)),
          onError,
        });
        closers.push(() => identity.close());
        listener = createServiceListener({ tls: serviceTls(identity.current(), anchors), onError });
        const bound = await listener.listen(config.tlsListen);
        const running = listener;
        closers.push(() => running.close());
        serviceListener = listener;
        serviceUrl = `https://${hostPort(bound)}`;
        if (config.isFeedServed) {
          const issuerCertificates = dataDir.issuers
            .filter((issuer) => issuer.parentId !== null)
            .map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) }));
          const feedRoute: FeedRoute = createFeedRoute({
            feed,
            issuerKeyId,
            access: (peer) => checkGatewayAccess(peer, { store, issuers: issuerCertificates, profiles: config.gatewayProfiles, clock }),
            heartbeatMs: 15_000,
            maxBufferedBytes: 4 * 1024 * 1024,
          });
          listener.mount(FEED_PATH, feedRoute.handle);
          // Streams end before the listener closes (closers run in reverse).
          closers.push(() => feedRoute.close());
          feedUrl = `${serviceUrl}${FEED_PATH}`;
        }
      }
    }

    return Object.freeze({
      store,
      feed,
      baseUrl,
      crlUrls: Object.freeze(Object.fromEntries(publisher.issuerIds.map((id) => [id, crlUrl(baseUrl, id)]))),
      deltaCrlUrls: Object.freeze(
        deltaIntervalSeconds === undefined ? {} : Object.fromEntries(publisher.issuerIds.map((id) => [id, deltaCrlUrl(baseUrl, id)])),
      ),
      ocspUrl: `${baseUrl}/ocsp`,
      feedUrl,
      serviceListener,
      serviceUrl,
      issuerKeyId,
      responderCertificate: (issuerId: string) => signers.get(issuerId)?.certificate,
      unansweredIssuers: Object.freeze(unansweredIssuers),
      health,
      recordInternal,
      crlFileWritten: (name: string) => crlFiles.get(name),
      rotateResponders: async () => {
        for (const signer of signers.values()) await signer.rotate();
      },
      close: closeAll,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
