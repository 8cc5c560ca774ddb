import { EventEmitter } from 'node:events';
import { Agent as HttpsAgent } from 'node:https';
import { connect, createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContext, Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { SymbolonError } from '../errors.js';
import type { KeyType } from '../keys/index.js';
import type { DistinguishedName, GeneralName } from '../x509/index.js';
import { CertificateRenewer } from './certificate-renewer.js';
import type { ClosedReason, Renewal } from './certificate-renewer.js';
import { acceptIssued, leafOfChain } from './credential.js';
import type { Credential } from './credential.js';
import { createPrivateKey } from 'node:crypto';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';
import { fetchCaCertificates } from './est-client.js';
import { pendingRequestInMemory } from './pending-request.js';
import { RenewalLoop } from './renewal-loop.js';
import { DEFAULT_RETRY } from './renewal-schedule.js';
import type { RetryPolicy } from './renewal-schedule.js';

export interface ClientOptions {
  /** The EST base URL: `https://ca.example:8443/.well-known/est`. */
  readonly est: string;
  /** PEM of the CA certificates: the EST server and (by default) the servers called must chain to them. */
  readonly ca: string;
  /** First enrollment with a token (`ID:SECRET` or its parts) for `name`, and again should the certificate be revoked or expire... */
  readonly token?: string | EnrollmentToken;
  /** The subject: a common name, or a DistinguishedName. */
  readonly name?: string | DistinguishedName;
  readonly subjectAltNames?: readonly GeneralName[];
  /** ...or a certificate already held (PEM key and chain), renewed from then on. */
  readonly certificate?: { readonly keyPem: string; readonly certPem: string };
  readonly keyType?: KeyType;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

/** How a new certificate was obtained: `renewed` with the one before it, or `enrolled` again with the token (the one before revoked or expired). */
export type RenewalInfo = { readonly kind: 'renewed' } | { readonly kind: 'enrolled'; readonly reason: ClosedReason };

/**
 * Events: `renewed` (the credential, and a `RenewalInfo`: re-enrolled, or enrolled again with the
 * token because the certificate was revoked or expired), `renewal-failed` (a SymbolonError; the
 * current credential stays, and it is tried again: `CLIENT_CERTIFICATE_REVOKED` or
 * `CLIENT_TOKEN_REQUIRED` when the certificate can no longer be renewed and no token replaces it,
 * `CLIENT_EST_PENDING` while the CA holds the request for approval).
 */
export interface SymbolonClient extends EventEmitter {
  /** fetch over mTLS with the current certificate; requests in flight finish on the connection they started on. */
  readonly fetch: typeof undiciFetch;
  /** An https.Agent presenting the current certificate on each new connection. */
  readonly httpsAgent: HttpsAgent;
  /** The credential in use. */
  current(): Credential;
  /** Renews now (resolves true when a new certificate is in use). */
  renew(): Promise<boolean>;
  close(): Promise<void>;
}

function parseTokenOption(token: string | EnrollmentToken): EnrollmentToken {
  if (typeof token !== 'string') return token;
  const match = /^([0-9a-f]{16}):(\S{10,200})$/.exec(token);
  if (match === null)
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', 'token: expected ID:SECRET as `symbolon ca token create` prints them');
  return { id: match[1]!, secret: match[2]! };
}

function checkOptions(options: ClientOptions): void {
  if (typeof options.est !== 'string' || !URL.canParse(options.est) || new URL(options.est).protocol !== 'https:')
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', 'est: expected https://host:port/.well-known/est');
  if (typeof options.ca !== 'string' || !options.ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', 'ca: expected PEM CA certificates');
  if ((options.token === undefined) === (options.certificate === undefined))
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', 'give either token (with name) or certificate');
  if (options.token !== undefined && options.name === undefined)
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', 'name: the subject to enroll for is required with a token');
}

/** A certificate given (PEM key and chain), checked against its key and the CA. */
async function givenCredential(given: NonNullable<ClientOptions['certificate']>, est: EstEndpoint): Promise<Credential> {
  let privateKey;
  try {
    privateKey = createPrivateKey(given.keyPem);
    leafOfChain(given.certPem);
  } catch (error) {
    throw new SymbolonError('CLIENT_OPTIONS_INVALID', `certificate: ${(error as Error).message}`, { cause: error });
  }
  const blocks = given.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const ders = blocks.map((block) => Buffer.from(block.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
  return acceptIssued(ders, privateKey, await fetchCaCertificates(est), new Date());
}

function renewalInfo(renewal: Renewal): RenewalInfo {
  return renewal.kind === 'enrolled' ? { kind: 'enrolled', reason: renewal.reason } : { kind: 'renewed' };
}

/**
 * A renewing credential: the first one (enrolled with the token, or the certificate given), the
 * loop renewing it (the agent's `CertificateRenewer`: enrolling again with the token once the
 * certificate is revoked or expired), and its events.
 */
async function renewing(
  options: ClientOptions,
  onSwap: (next: Credential, previous: Credential) => Promise<void> | void,
): Promise<{ loop: RenewalLoop; events: EventEmitter }> {
  checkOptions(options);
  const est = { url: options.est, ca: options.ca, timeoutMs: options.timeoutMs ?? 30_000 };
  const keyType = options.keyType ?? 'p256';
  const token = options.token === undefined ? undefined : parseTokenOption(options.token);
  const name = options.name;
  const subject: DistinguishedName | undefined = typeof name === 'string' ? [[{ type: '2.5.4.3', value: name }]] : name;
  const renewer = new CertificateRenewer({
    est,
    token,
    request:
      token === undefined || subject === undefined ? undefined : { subject, subjectAltNames: options.subjectAltNames ?? [], keyType },
    keyType,
    isKeyKept: false,
    pending: pendingRequestInMemory(),
    clock: () => new Date(),
  });
  const events = new EventEmitter();
  const loop = new RenewalLoop(
    options.certificate !== undefined ? await givenCredential(options.certificate, est) : await renewer.enroll(),
    {
      renew: (current) => renewer.renew(current),
      install: async (renewal, previous) => onSwap(renewal.credential, previous),
      clock: () => new Date(),
      random: Math.random,
      retry: options.retry ?? DEFAULT_RETRY,
    },
    (event) => {
      if (event.type === 'renewed') events.emit('renewed', event.credential, renewalInfo(event.renewal));
      else events.emit('renewal-failed', event.error);
    },
  );
  loop.start();
  return { loop, events };
}

function tlsOptions(credential: Credential, ca: string): { key: string; cert: string; ca: string } {
  return { key: credential.keyPem, cert: credential.chainPem, ca };
}

/**
 * Enrolls (or takes the certificate given) and returns an mTLS `fetch` and `https.Agent` whose
 * certificate is renewed in the background: each renewal makes a new dispatcher for new
 * requests and closes the old one gracefully (its requests in flight finish). With a token, a
 * certificate the CA will no longer renew (revoked, expired) is replaced by enrolling again with
 * it, swapped in the same way. Throws `CLIENT_OPTIONS_INVALID` or what enrollment throws
 * (`CLIENT_EST_PENDING` when the CA holds the first enrollment for approval).
 */
export async function createClient(options: ClientOptions): Promise<SymbolonClient> {
  let dispatcher: UndiciAgent | undefined;
  let credential: Credential | undefined;
  const makeDispatcher = (next: Credential): UndiciAgent => new UndiciAgent({ connect: tlsOptions(next, options.ca) });
  class RenewingHttpsAgent extends HttpsAgent {
    override createConnection(connectOptions: ConnectionOptions, callback?: (error: Error | null, socket: Duplex) => void): Duplex {
      void callback;
      return connect({ ...connectOptions, ...tlsOptions(credential!, options.ca) });
    }
  }
  const httpsAgent = new RenewingHttpsAgent({ keepAlive: true });
  const { loop, events } = await renewing(options, (next) => {
    const old = dispatcher;
    credential = next;
    dispatcher = makeDispatcher(next);
    // New requests take new connections with the new certificate; idle old ones go.
    for (const sockets of Object.values(httpsAgent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    void old?.close();
  });
  credential = loop.current;
  dispatcher = makeDispatcher(credential);
  const client = Object.assign(events, {
    fetch: (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(input, { ...init, dispatcher: dispatcher! }),
    httpsAgent,
    current: () => loop.current,
    renew: () => loop.renewNow(),
    close: async () => {
      loop.stop();
      httpsAgent.destroy();
      await dispatcher?.close();
    },
  });
  return client;
}

export interface ServerContextOptions extends ClientOptions {
  /** Ask clients for a certificate that chains to `ca` (default true), and refuse those without (default true). */
  readonly requestCert?: boolean;
  readonly rejectUnauthorized?: boolean;
}

/** A server's renewed certificate: `secureContext` for new servers, and servers attached get each renewal through setSecureContext. */
export interface SymbolonServerContext extends EventEmitter {
  /** Options for `https.createServer` / `tls.createServer`: key, cert, ca and the client certificate policy. */
  options(): { key: string; cert: string; ca: string; requestCert: boolean; rejectUnauthorized: boolean };
  secureContext(): SecureContext;
  /** Swaps the server's context in place at each renewal (existing connections keep theirs). */
  attach(server: TlsServer): void;
  current(): Credential;
  renew(): Promise<boolean>;
  close(): void;
}

/** Enrolls a server certificate and keeps it renewed for Node TLS servers. */
export async function createServerContext(options: ServerContextOptions): Promise<SymbolonServerContext> {
  const servers = new Set<TlsServer>();
  let current: Credential | undefined;
  const serverOptions = (): ReturnType<SymbolonServerContext['options']> => ({
    key: current!.keyPem,
    cert: current!.chainPem,
    ca: options.ca,
    requestCert: options.requestCert ?? true,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  });
  const { loop, events } = await renewing(options, (next) => {
    current = next;
    for (const server of servers) server.setSecureContext(serverOptions());
  });
  current = loop.current;
  return Object.assign(events, {
    options: serverOptions,
    secureContext: () => createSecureContext(serverOptions()),
    attach: (server: TlsServer) => void servers.add(server),
    current: () => loop.current,
    renew: () => loop.renewNow(),
    close: () => {
      loop.stop();
      servers.clear();
    },
  });
}
