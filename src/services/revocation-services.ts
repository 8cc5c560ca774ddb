import { join } from 'node:path';
import { crlUrl, deltaCrlUrl, internalCertificates, withProvenRevocations } from '../ca/index.js';
import type { DataDir, IssuingCa, UnservedRevocations } from '../ca/index.js';
import { createCrlPublisher } from '../crl/index.js';
import type { SymbolonError } from '../errors.js';
import { createRevocationFeed, publishingStore } from '../events/index.js';
import type { RevocationFeed } from '../events/index.js';
import type { ListenAddress, ServiceListener } from '../http/index.js';
import { createOcspResponder } from '../ocsp/index.js';
import type { OcspIssuer, OcspResponder } from '../ocsp/index.js';
import type { CertificateRef, Store } from '../store/index.js';
import { MAX_OCSP_REQUEST_BYTES, parseCertificate } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import { Closers } from './closers.js';
import { startOcspSigners } from './ocsp-signers.js';
import { startRevocationHttp } from './revocation-http.js';
import { startUpServiceListener } from './up-service-listener.js';
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
  const { dataDir, issuers, config, clock, actor, onError, health } = options;
  const closers = new Closers();
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
    closers.add(() => publisher.close());
    const afterSequence = await publisher.start();
    const feed = createRevocationFeed({ store: provenStore, afterSequence, pollIntervalMs: config.feedPollIntervalMs, onError });
    closers.add(() => feed.close());
    const store = publishingStore(provenStore, feed);

    // Each start and each renewal gives a service a new key, kept in memory only: the certificate
    // it replaces is revoked (superseded), so no valid certificate is left whose key is gone.
    const internal = internalCertificates({ paths: dataDir.paths, store, clock, actor });
    const recordInternal = (role: string, issued: CertificateRef): Promise<void> => internal.replaced(role, issued).catch(onError);

    let responder: OcspResponder | undefined;
    const { signers, unansweredIssuers } = await startOcspSigners({
      dataDir,
      issuers,
      store,
      clock,
      actor,
      lifetimeSeconds: config.responderLifetimeSeconds,
      recordInternal,
      // Cached answers carry the old certificate; new ones are signed with the new key.
      onRotated: () => responder?.clear(),
      onError,
      closers,
    });
    const ocspIssuers: OcspIssuer[] = issuers.flatMap((issuer) => {
      const signer = signers.get(issuer.id);
      return signer === undefined ? [] : [{ id: issuer.id, certificate: issuer.certificate, identity: () => signer.identity }];
    });
    const ocspResponder = createOcspResponder({
      store,
      issuers: ocspIssuers,
      clock,
      validitySeconds: config.ocspValiditySeconds,
      maxCachedAnswers: config.maxCachedOcspAnswers,
      onError,
    });
    responder = ocspResponder;
    feed.subscribe((event) => {
      ocspResponder.onRevocation(event);
      publisher.onRevocation(event);
    });

    const baseUrl = await startRevocationHttp({
      listen: config.listen,
      dataDir,
      responder: ocspResponder,
      publisher,
      health,
      crlMaxAgeSeconds: config.crlMaxAgeSeconds,
      ocspMaxAgeSeconds: config.ocspMaxAgeSeconds,
      maxOcspRequestBytes: config.maxOcspRequestBytes,
      clock,
      onError,
      closers,
    });

    const issuerKeyIds = new Map(
      dataDir.issuers.map((issuer) => [issuer.id, parseCertificate(issuer.certificate).subjectKeyIdentifier?.toString('hex')]),
    );
    const issuerKeyId = (issuerId: string): string | undefined => issuerKeyIds.get(issuerId);
    const service =
      config.tlsListen === undefined
        ? undefined
        : await startUpServiceListener({
            listen: config.tlsListen,
            dataDir,
            issuers,
            store,
            feed: config.isFeedServed ? feed : undefined,
            gatewayProfiles: config.gatewayProfiles,
            issuerKeyId,
            clock,
            actor,
            recordInternal,
            onError,
            closers,
          });

    return Object.freeze({
      store,
      feed,
      baseUrl,
      crlUrls: Object.freeze(Object.fromEntries(publisher.issuerIds.map((id) => [id, crlUrl(baseUrl, id)]))),
      deltaCrlUrls: Object.freeze(
        deltaIntervalSeconds === undefined ? {} : Object.fromEntries(publisher.issuerIds.map((id) => [id, deltaCrlUrl(baseUrl, id)])),
      ),
      ocspUrl: `${baseUrl}/ocsp`,
      feedUrl: service?.feedUrl,
      serviceListener: service?.listener,
      serviceUrl: service?.url,
      issuerKeyId,
      responderCertificate: (issuerId: string) => signers.get(issuerId)?.certificate,
      unansweredIssuers,
      health,
      recordInternal,
      crlFileWritten: (name: string) => crlFiles.get(name),
      rotateResponders: async () => {
        for (const signer of signers.values()) await signer.rotate();
      },
      close: () => closers.closeAll(onError),
    });
  } catch (error) {
    await closers.closeAll(onError);
    throw error;
  }
}
