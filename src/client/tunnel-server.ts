import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { SymbolonError } from '../errors.js';
import { compileRouteRules } from '../gateway/index.js';
import { createOcspRevocationSource } from '../gateway/revocation/index.js';
import type { RouteRuleSet } from '../gateway/index.js';
import { parseCertificate } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import type { CredentialSource } from './credential-source.js';
import { StagedRelay } from './staged-relay.js';
import { listening, splice } from './tunnel-sockets.js';
import type { HostPort, Tunnel } from './tunnel-sockets.js';

export interface TunnelServerOptions {
  /** The mTLS side. */
  readonly listen: HostPort;
  /** The plaintext TCP service behind it. */
  readonly forward: HostPort;
  /** Who may connect: the gateway's route rules (allow / deny), compiled by the gateway's one matcher. */
  readonly rules: RouteRuleSet;
  /** PEM of the CAs client certificates must chain to; default: the agent's ca.pem. */
  readonly ca?: string | undefined;
  readonly credentials: CredentialSource;
  /**
   * Ask an OCSP responder about each client certificate (`url`, else the one it names); a client
   * whose status is revoked or cannot be learned is refused (hard fail). Without it, the chain and
   * the rules decide alone (short-lived certificates).
   */
  readonly ocsp?: { readonly url?: string | undefined; readonly timeoutMs: number } | undefined;
  /** How often the credential directory is looked at for a renewed server certificate. */
  readonly reloadIntervalMs: number;
  /** A refused or failed connection (never its data). */
  readonly onError: (error: SymbolonError) => void;
}

/**
 * `symbolon tunnel server`: terminates mTLS in front of a plaintext TCP service. OpenSSL verifies
 * the client's chain against the CA (and its dates); the gateway's route rules then decide on its
 * identity, deny before allow. The server certificate is the agent's, swapped in with
 * setSecureContext when the agent renews it (connections in flight keep theirs). Throws
 * `GATEWAY_RULE_INVALID` for rules that do not compile, `CLIENT_CREDENTIAL_DIR_INVALID`.
 */
export async function startTunnelServer(options: TunnelServerOptions): Promise<Tunnel> {
  const rules = compileRouteRules(options.rules);
  const revocation =
    options.ocsp === undefined
      ? undefined
      : createOcspRevocationSource({ url: options.ocsp.url, timeoutMs: options.ocsp.timeoutMs, cacheSeconds: 60, failureCacheSeconds: 5 });
  let held = await options.credentials.current();
  const tlsOptions = (): { key: string; cert: string; ca: string; requestCert: true; rejectUnauthorized: true } => ({
    key: held.keyPem,
    cert: held.chainPem,
    ca: options.ca ?? held.caPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const sockets = new Set<Socket>();
  const server = createServer(tlsOptions(), (secure: TLSSocket) => {
    sockets.add(secure);
    secure.on('close', () => sockets.delete(secure));
    secure.on('error', () => secure.destroy());
    const peer = secure.getPeerCertificate(true);
    const who = String(peer.subject?.CN ?? 'a client');
    const deny = (reason: string): void => {
      secure.destroy();
      options.onError(new SymbolonError('TUNNEL_CLIENT_DENIED', `${who}: ${reason}`));
    };
    let certificate: Certificate;
    let issuer: Certificate | undefined;
    try {
      certificate = parseCertificate(peer.raw);
      issuer = peer.issuerCertificate?.raw === undefined ? undefined : parseCertificate(peer.issuerCertificate.raw);
    } catch (error) {
      return deny(`the client certificate does not parse: ${(error as Error).message}`);
    }
    const decision = rules.decide(
      issuer === undefined ? { certificate } : { certificate, issuerFingerprintSha256: issuer.fingerprintSha256 },
    );
    if (!decision.allowed) return deny(decision.rule);
    if (revocation === undefined) return forward(secure);
    // Fail closed: no issuer to ask about, or no answer, is a refusal.
    if (issuer === undefined) return deny('revocation unknown: the issuer was not in the verified chain');
    void Promise.resolve(revocation.check([certificate, issuer], new Date())).then((answer) => {
      if (answer.status === 'good') forward(secure);
      else deny(answer.status === 'revoked' ? `revoked (${answer.reason})` : `revocation unknown: ${answer.detail}`);
    });
  });

  function forward(secure: TLSSocket): void {
    const toSecure = new StagedRelay(secure);
    const plain = netConnect({ host: options.forward.host, port: options.forward.port, onread: toSecure.onread });
    sockets.add(plain);
    plain.on('close', () => sockets.delete(plain));
    plain.once('error', (error: NodeJS.ErrnoException) =>
      options.onError(
        new SymbolonError('TUNNEL_TARGET_UNREACHABLE', `${options.forward.host}:${options.forward.port}: ${error.code ?? error.message}`),
      ),
    );
    splice(secure, plain, toSecure);
  }
  server.on('tlsClientError', () => undefined);
  const reload = setInterval(() => {
    options.credentials.current().then(
      (next) => {
        if (next.version === held.version) return;
        held = next;
        server.setSecureContext(tlsOptions());
      },
      (error: unknown) =>
        options.onError(error instanceof SymbolonError ? error : new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', String(error))),
    );
  }, options.reloadIntervalMs);
  reload.unref();
  const address = await listening(server, options.listen);
  return {
    address,
    close: async () => {
      clearInterval(reload);
      await revocation?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
