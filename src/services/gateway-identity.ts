import type { CertificateAuthority } from '../ca/index.js';
import type { ServerIdentity } from '../gateway/runtime/index.js';
import { ipToBytes, parseCertificate, toPem } from '../x509/index.js';
import type { GeneralName } from '../x509/index.js';
import { generateKeyRequest } from '../keys/index.js';
import type { CertificateRef } from '../store/index.js';

export interface GatewayIdentityOptions {
  readonly ca: CertificateAuthority;
  /** `gateway` for the gateway (serverAuth and clientAuth), `server` for up's HTTPS service listener. */
  readonly profile: string;
  readonly ttlSeconds?: number | undefined;
  /** The subject CN; the names become DNS or IP SANs. */
  readonly commonName: string;
  readonly names: readonly string[];
  readonly clock: () => Date;
  readonly actor: string;
  /** Told of each certificate issued (the first too), before it is used: `up` revokes the one it replaces. */
  readonly onIssued?: (issued: CertificateRef) => Promise<void>;
  /** Called after each renewal: the gateway reloads to take the new certificate. */
  readonly onRenewed: () => void;
  readonly onError: (error: unknown) => void;
}

export interface GatewayIdentity {
  current(): ServerIdentity;
  close(): void;
}

/** Renewal happens at this fraction of the lifetime, so a failure has a third of it to be fixed. */
const RENEW_AT = 2 / 3;
/** setTimeout's largest delay; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_MS = 60_000;

function subjectAltNames(names: readonly string[]): GeneralName[] {
  return [...new Set(names)].map((name) => (ipToBytes(name) !== undefined ? { type: 'ip', value: name } : { type: 'dns', value: name }));
}

/**
 * A server certificate of a service inside `symbolon up` (the gateway's, under the `gateway`
 * profile: serverAuth for its listeners, clientAuth for the feed; the HTTPS service listener's,
 * under `server`): issued by the CA and renewed at two thirds of its lifetime with a new key,
 * after which `onRenewed` lets the service swap it in.
 */
export async function startGatewayIdentity(options: GatewayIdentityOptions): Promise<GatewayIdentity> {
  const issue = async (): Promise<ServerIdentity> => {
    const key = await generateKeyRequest('p256');
    const issued = await options.ca.issue(
      {
        subject: [[{ type: '2.5.4.3', value: options.commonName }]],
        subjectAltNames: subjectAltNames(options.names),
        publicKey: key.publicKey,
        spki: key.spki,
      },
      { profile: options.profile, ttlSeconds: options.ttlSeconds, actor: options.actor },
    );
    await options.onIssued?.(issued.record);
    const certificate = parseCertificate(issued.der);
    const intermediates = issued.chain.slice(0, -1).map((der) => parseCertificate(der));
    return {
      certificate,
      chain: [certificate, ...intermediates],
      certPem: [issued.der, ...issued.chain.slice(0, -1)].map((der) => toPem('CERTIFICATE', der)).join(''),
      keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  };
  let identity = await issue();
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  const schedule = (delayMs: number): void => {
    if (isClosed) return;
    timer = setTimeout(() => void tick(), Math.max(1000, Math.min(delayMs, MAX_TIMER_MS)));
    timer.unref();
  };
  const renewAtMs = (): number => {
    const { notBefore, notAfter } = identity.certificate;
    return notBefore.getTime() + (notAfter.getTime() - notBefore.getTime()) * RENEW_AT;
  };
  const tick = async (): Promise<void> => {
    if (options.clock().getTime() < renewAtMs()) return schedule(renewAtMs() - options.clock().getTime());
    try {
      identity = await issue();
      options.onRenewed();
      schedule(renewAtMs() - options.clock().getTime());
    } catch (error) {
      options.onError(error);
      schedule(RETRY_MS);
    }
  };
  schedule(renewAtMs() - options.clock().getTime());
  return {
    current: () => identity,
    close() {
      isClosed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
