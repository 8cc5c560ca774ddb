import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { checkSubjectKey, findProfile } from '../ca/index.js';
import type { CertificateAuthority, IssuedCertificate, Profile } from '../ca/index.js';
import { isSymbolonError, SymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { ServiceHandler, ServiceRequest } from '../http/index.js';
import { generateKeyRequest } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';
import type { CertificateRef, EnrollmentTokenRecord, EnrollmentTokenUse, PendingEnrollmentRecord, Store } from '../store/index.js';
import { buildCertsOnlyPkcs7, formatGeneralName, formatName, OID, parseCertificate, parseCsr, verifyCsr } from '../x509/index.js';
import type { Certificate, Csr } from '../x509/index.js';
import { der } from '../asn1/index.js';
import { tokenState } from './enrollment-tokens.js';
import { parseEstAuthorization } from './est-credentials.js';
import { checkChannelBinding, parseEstCsr, readCsrBody, tlsUnique } from './est-request.js';
import { sendAccepted, sendCertsOnly, sendCsrAttributes, sendRefusal, sendServerKey } from './est-response.js';
import { reenrollCredential } from './reenroll-credential.js';
import { matchesTokenName } from './token-name-pattern.js';
import { isTokenSecret, tokenSecretHash } from './token-secret.js';

/** Where EST lives (RFC 7030 3.2.2). */
export const EST_PATH = '/.well-known/est';

export interface EstRouteOptions {
  readonly store: Store;
  /** The CA of the active intermediate: issues and renews. */
  readonly ca: CertificateAuthority;
  /** What `cacerts` answers: the active intermediate and the root (RFC 7030 4.1.3). */
  readonly caCertificates: readonly Uint8Array[];
  /** Every intermediate of the CA: a re-enrolling client's certificate comes from one of them. */
  readonly issuers: readonly { readonly id: string; readonly certificate: Certificate }[];
  /** The data directory's enrollment-token key. */
  readonly tokenHashKey: Uint8Array;
  readonly clock: () => Date;
  /** The `Retry-After` of a 202 while an enrollment waits for approval. */
  readonly retryAfterSeconds: number;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  /** The realm of the 401 challenge. */
  readonly realm: string;
  readonly onError: (error: unknown) => void;
}

type Operation = 'cacerts' | 'simpleenroll' | 'simplereenroll' | 'csrattrs' | 'serverkeygen';
const OPERATIONS: ReadonlySet<string> = new Set(['cacerts', 'simpleenroll', 'simplereenroll', 'csrattrs', 'serverkeygen']);
/** RFC 7030 3.2.2: a label is a path segment; here it is a profile name. */
const LABEL = /^[a-z][a-z0-9-]{0,39}$/;

/** Errors of the request's content (the CSR and the profile's verdict on it): 400. */
const BAD_REQUEST_PREFIXES = [
  'ASN1_',
  'PEM_',
  'CSR_',
  'CERT_',
  'KEY_',
  'SIG_',
  'CA_KEY_',
  'CA_NAME_',
  'CA_SUBJECT_',
  'CA_LIFETIME_',
  'EST_NOT_BASE64',
  'EST_CSR_',
  'EST_POP_',
  'INPUT_',
];

/**
 * Refusals decided while serving, carried as SymbolonErrors to the one place that answers them,
 * with the HTTP status each gets: an error that is not in here (a fault) is answered 500.
 */
const refusalStatuses = new WeakMap<SymbolonError, number>();

function refused(status: number, code: ErrorCode, detail?: string): SymbolonError {
  const error = new SymbolonError(code, detail);
  refusalStatuses.set(error, status);
  return error;
}

function bad(error: unknown): SymbolonError | undefined {
  if (!isSymbolonError(error)) return undefined;
  if (BAD_REQUEST_PREFIXES.some((prefix) => error.code.startsWith(prefix))) return refused(400, error.code, error.message);
  if (error.code === 'CA_PROFILE_UNKNOWN') return refused(404, 'EST_LABEL_UNKNOWN', error.message);
  return undefined;
}

/** A token that cannot be used, as its record says (`tokenState`): the 401 it gets. */
const TOKEN_STATE_REFUSALS = { revoked: 'EST_TOKEN_REVOKED', expired: 'EST_TOKEN_EXPIRED', 'used-up': 'EST_TOKEN_USED_UP' } as const;

/** The store's refusals of a token's use (`EnrollmentTokenUse`), as EST answers them. */
const TOKEN_USE_REFUSALS: ReadonlyMap<ErrorCode, ErrorCode> = new Map<ErrorCode, ErrorCode>([
  ['STORE_TOKEN_NOT_FOUND', 'EST_TOKEN_INVALID'],
  ['STORE_TOKEN_REVOKED', TOKEN_STATE_REFUSALS.revoked],
  ['STORE_TOKEN_EXPIRED', TOKEN_STATE_REFUSALS.expired],
  ['STORE_TOKEN_USED_UP', TOKEN_STATE_REFUSALS['used-up']],
]);

/** The names a token's patterns must cover: every subject CN and every subjectAltName's value. */
function requestedNames(csr: Csr): string[] {
  const commonNames = csr.subject
    .flat()
    .filter((attribute) => attribute.type === '2.5.4.3')
    .map((attribute) => attribute.value);
  return [
    ...commonNames,
    ...csr.subjectAltNames.map((name) => ('value' in name && typeof name.value === 'string' ? name.value : formatGeneralName(name))),
  ];
}

function sanText(csrOrCertificate: { readonly subjectAltNames: readonly Parameters<typeof formatGeneralName>[0][] }): string[] {
  return csrOrCertificate.subjectAltNames.map((name) => formatGeneralName(name)).sort();
}

/** The key serverkeygen makes: P-256 where the profile allows it, else its first allowed type. */
function serverKeyType(profile: Profile): KeyType {
  if (profile.keyTypes.includes('p256')) return 'p256';
  const first = profile.keyTypes[0];
  return first === 'rsa' ? 'rsa3072' : first === 'p521' || first === undefined ? 'p384' : first;
}

/**
 * EST (RFC 7030) as a route of the HTTPS service listener, mounted at `EST_PATH`:
 * `/.well-known/est[/<label>]/{cacerts,simpleenroll,simplereenroll,csrattrs,serverkeygen}`, where
 * a label names a profile. First enrollment is authenticated by an enrollment token (HTTP Basic or
 * Bearer), re-enrollment by the current certificate in the TLS handshake. Every refusal is a short
 * text body with the RFC's status; nothing is issued for a refused request.
 */
export function createEstRoute(options: EstRouteOptions): ServiceHandler {
  const { store, ca, clock } = options;
  const profiles = ca.config.profiles;
  /**
   * Issuances after approval in flight, by enrollment id: a client's retries in this process wait
   * for the one issuance rather than sign a certificate the store would refuse to record.
   */
  const approvedInFlight = new Map<string, Promise<IssuedCertificate | undefined>>();
  /** Compared against when the token is unknown, so an unknown id costs what a wrong secret does. */
  const decoyHash = tokenSecretHash(options.tokenHashKey, 'decoy');

  function parsePath(path: string): { label: string | undefined; operation: Operation } | undefined {
    const parts = path.slice(EST_PATH.length + 1).split('/');
    if (parts.length === 1 && OPERATIONS.has(parts[0]!)) return { label: undefined, operation: parts[0] as Operation };
    if (parts.length === 2 && OPERATIONS.has(parts[1]!) && LABEL.test(parts[0]!)) {
      if (!Object.hasOwn(profiles, parts[0]!))
        throw refused(
          404,
          'EST_LABEL_UNKNOWN',
          `no profile is named "${parts[0]}"; EST labels are profile names (${Object.keys(profiles).join(', ')})`,
        );
      return { label: parts[0]!, operation: parts[1] as Operation };
    }
    return undefined;
  }

  /** The token in the request, its secret checked; refusals for none, unknown or wrong. */
  async function authenticateToken(request: ServiceRequest): Promise<EnrollmentTokenRecord> {
    const credentials = parseEstAuthorization(request.req.headers.authorization);
    if (credentials.kind === 'none') throw refused(401, 'EST_AUTH_REQUIRED');
    if (credentials.kind === 'malformed')
      throw refused(
        401,
        'EST_TOKEN_INVALID',
        'the Authorization header is not HTTP Basic with a token id and secret, nor Bearer <id>.<secret>',
      );
    const token = await store.getEnrollmentToken(credentials.id);
    const isSecret = isTokenSecret(options.tokenHashKey, credentials.secret, token?.secretHash ?? decoyHash);
    if (token === undefined || !isSecret) throw refused(401, 'EST_TOKEN_INVALID');
    return token;
  }

  function tokenStateRefusal(token: EnrollmentTokenRecord, now: Date): SymbolonError | undefined {
    const state = tokenState(token, now);
    return state === 'usable' ? undefined : refused(401, TOKEN_STATE_REFUSALS[state]);
  }

  /** Rethrows the error of a write that takes a token's use, the store's refusal of the use as the 401 it gets. */
  function rethrowTokenRefusal(error: unknown): never {
    const code = isSymbolonError(error) ? TOKEN_USE_REFUSALS.get(error.code) : undefined;
    throw code === undefined ? error : refused(401, code);
  }

  /** Reads, parses and checks the CSR of an enroll request against `profile`: 4xx refusals. */
  async function readCsr(request: ServiceRequest, profile: Profile): Promise<Csr | undefined> {
    const body = await readCsrBody(request.req, options.maxBodyBytes, options.bodyTimeoutMs);
    if (body === undefined) return undefined;
    if (!Buffer.isBuffer(body)) throw refused(body.status, body.code, body.detail);
    try {
      const csr = parseEstCsr(body);
      // The key is judged first: a weak key is named as weak, not as a signature that fails.
      checkSubjectKey(profile, csr.publicKey);
      verifyCsr(csr);
      checkChannelBinding(request.socket, csr);
      return csr;
    } catch (error) {
      throw bad(error) ?? error;
    }
  }

  function checkPolicy(csr: Csr, profile: Profile): void {
    try {
      ca.checkRequest(
        { subject: csr.subject, subjectAltNames: csr.subjectAltNames, publicKey: csr.publicKey, spki: csr.spki },
        { profile: profile.name },
      );
    } catch (error) {
      throw bad(error) ?? error;
    }
  }

  function pendingId(requester: string, label: string | undefined, csr: Csr): string {
    return createHash('sha256')
      .update(`${requester}\n${label ?? ''}\n`)
      .update(csr.der)
      .digest('hex')
      .slice(0, 16);
  }

  /**
   * Manual approval (RFC 7030 4.2.3): the first request records the enrollment (taking the token's
   * use in the same transaction), every retry of the same request finds it, whatever the token's
   * uses since: 202 while pending, 403 once rejected, the certificate once approved (issued on
   * the first retry after approval, then served again).
   */
  async function held(
    res: ServerResponse,
    enrollment: {
      requester: string;
      profile: Profile;
      label: string | undefined;
      csr: Csr;
      renewalOf: CertificateRef | null;
      /** The token's use the enrollment is paid with; none for a re-enrollment. */
      tokenUse: (() => EnrollmentTokenUse) | undefined;
    },
  ): Promise<void> {
    const id = pendingId(enrollment.requester, enrollment.label, enrollment.csr);
    let pending: PendingEnrollmentRecord | undefined = await store.getPendingEnrollment(id);
    if (pending === undefined) {
      const now = clock();
      const subject = formatName(enrollment.csr.subject);
      const subjectAltNames = sanText(enrollment.csr);
      pending = await store
        .addPendingEnrollment(
          {
            id,
            requester: enrollment.requester,
            profile: enrollment.profile.name,
            label: enrollment.label ?? null,
            subject,
            subjectAltNames,
            csr: enrollment.csr.der,
            renewalOf: enrollment.renewalOf,
            requestedAt: now,
          },
          {
            at: now,
            actor: `est:${enrollment.requester}`,
            action: 'enrollment.request',
            target: `enrollment/${id}`,
            payload: { enrollment: id, requester: enrollment.requester, profile: enrollment.profile.name, subject, subjectAltNames },
          },
          enrollment.tokenUse?.(),
        )
        .catch(rethrowTokenRefusal);
    }
    if (pending.status === 'pending') return sendAccepted(res, options.retryAfterSeconds, id);
    if (pending.status === 'rejected')
      throw refused(403, 'EST_ENROLLMENT_REJECTED', `enrollment ${id} was rejected by ${pending.decidedBy ?? 'an operator'}`);
    if (pending.status === 'issued') return sendIssuedBefore(res, pending);
    const approved = pending;
    let issuing = approvedInFlight.get(id);
    if (issuing === undefined) {
      issuing = collectApproved(approved).finally(() => approvedInFlight.delete(id));
      approvedInFlight.set(id, issuing);
    }
    const issued = await issuing;
    if (issued !== undefined) return sendCertsOnly(res, buildCertsOnlyPkcs7([issued.der]));
    // Another writer (a node, a process) issued it first: its certificate, as any later retry gets.
    const collected = await store.getPendingEnrollment(id);
    if (collected?.status !== 'issued')
      throw new SymbolonError('STORE_NOT_FOUND', `enrollment ${id} is no longer approved, yet records no certificate issued for it`);
    return sendIssuedBefore(res, collected);
  }

  /** The certificate an enrollment held for approval was issued: every retry after the issuance gets it again. */
  async function sendIssuedBefore(res: ServerResponse, issued: PendingEnrollmentRecord): Promise<void> {
    const record = issued.certificate === null ? undefined : await store.getCertificate(issued.certificate);
    if (record === undefined) throw new SymbolonError('STORE_NOT_FOUND', `the certificate of enrollment ${issued.id} is not recorded`);
    sendCertsOnly(res, buildCertsOnlyPkcs7([record.der]));
  }

  /**
   * Issues an approved enrollment, the enrollment's move to `issued` in the certificate's own
   * transaction (`approvedEnrollment`), so an approval yields one certificate whatever fails or
   * runs beside it. Undefined when another writer issued it first (nothing of this one is recorded).
   */
  async function collectApproved(approved: PendingEnrollmentRecord): Promise<IssuedCertificate | undefined> {
    const csr = parseCsr(approved.csr);
    const actor = `est:${approved.requester}`;
    try {
      if (approved.renewalOf === null)
        return await ca.issueFromCsr(csr, { profile: approved.profile, actor, approvedEnrollment: approved.id });
      const previous = await store.getCertificate(approved.renewalOf);
      if (previous === undefined)
        throw new SymbolonError('STORE_NOT_FOUND', `the certificate enrollment ${approved.id} renews is not recorded`);
      return await ca.renew(previous, parseCertificate(previous.der), {
        actor,
        newKey: { publicKey: csr.publicKey, spki: csr.spki },
        approvedEnrollment: approved.id,
      });
    } catch (error) {
      if (isSymbolonError(error, 'STORE_ENROLLMENT_DECIDED')) return undefined;
      throw error;
    }
  }

  /** simpleenroll and serverkeygen: a token, its scope, the CSR, then issuance with the token's use in its transaction. */
  async function enroll(request: ServiceRequest, label: string | undefined, isServerKeygen: boolean): Promise<void> {
    const token = await authenticateToken(request);
    const profile = findProfile(profiles, label ?? token.profile);
    if (profile.name !== token.profile || (token.label !== null && token.label !== label)) {
      throw refused(
        403,
        'EST_SCOPE_MISMATCH',
        `this token is for profile ${token.profile}${token.label === null ? '' : ` at label ${token.label}`}`,
      );
    }
    const csr = await readCsr(request, profile);
    if (csr === undefined) return;
    const names = requestedNames(csr);
    // Fail closed: a request that names nothing is not one the token's patterns allow.
    if (names.length === 0)
      throw refused(403, 'EST_NAME_NOT_IN_SCOPE', `the request has no CN and no subjectAltName for ${token.names.join(', ')} to allow`);
    const outside = names.filter((name) => !token.names.some((pattern) => matchesTokenName(pattern, name)));
    if (outside.length > 0)
      throw refused(
        403,
        'EST_NAME_NOT_IN_SCOPE',
        `${outside.slice(0, 3).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among ${token.names.join(', ')}`,
      );
    checkPolicy(csr, profile);
    const requester = `token:${token.id}`;
    const tokenUse = (): EnrollmentTokenUse => {
      const now = clock();
      return {
        id: token.id,
        at: now,
        audit: {
          at: now,
          actor: `est:${requester}`,
          action: 'token.use',
          target: `token/${token.id}`,
          payload: {
            operation: isServerKeygen ? 'serverkeygen' : 'simpleenroll',
            label: label ?? null,
            profile: profile.name,
            subject: formatName(csr.subject),
            subjectAltNames: sanText(csr),
          },
        },
      };
    };
    if (profile.requiresApproval) {
      if (isServerKeygen) throw refused(403, 'EST_SERVERKEYGEN_HELD');
      return held(request.res, { requester, profile, label, csr, renewalOf: null, tokenUse });
    }
    // Refused from the record read above before any signing or key generation is spent on it; the
    // check that counts is the store's, in the issuance's transaction.
    const refusal = tokenStateRefusal(token, clock());
    if (refusal !== undefined) throw refusal;
    const actor = `est:${requester}`;
    if (!isServerKeygen) {
      const issued = await ca.issueFromCsr(csr, { profile: profile.name, actor, tokenUse: tokenUse() }).catch(rethrowTokenRefusal);
      return sendCertsOnly(request.res, buildCertsOnlyPkcs7([issued.der]));
    }
    // RFC 7030 4.4: the server makes the key; the CSR gives the subject and names.
    const key = await generateKeyRequest(serverKeyType(profile));
    const issued = await ca
      .issue(
        { subject: csr.subject, subjectAltNames: csr.subjectAltNames, publicKey: key.publicKey, spki: key.spki },
        { profile: profile.name, actor, tokenUse: tokenUse() },
      )
      .catch(rethrowTokenRefusal);
    sendServerKey(
      request.res,
      key.privateKey.export({ type: 'pkcs8', format: 'der' }),
      buildCertsOnlyPkcs7([issued.der]),
      `est-${randomBytes(12).toString('hex')}`,
    );
  }

  /** simplereenroll: the current certificate over TLS, the same subject and names, a new certificate for the CSR's key. */
  async function reenroll(request: ServiceRequest, label: string | undefined): Promise<void> {
    const credential = await reenrollCredential(request.socket, { store, issuers: options.issuers, now: clock() });
    if (!credential.ok) throw refused(credential.code === 'EST_REENROLL_CERTIFICATE_REQUIRED' ? 401 : 403, credential.code);
    const { record, certificate } = credential;
    const profile = findProfile(profiles, record.profile);
    if (label !== undefined && label !== record.profile)
      throw refused(403, 'EST_SCOPE_MISMATCH', `the certificate was issued under profile ${record.profile}, not ${label}`);
    const csr = await readCsr(request, profile);
    if (csr === undefined) return;
    // RFC 7030 4.2.2: the Subject and SubjectAltName must be identical to the current certificate's.
    if (!csr.subjectDer.equals(certificate.subjectDer) || sanText(csr).join('\n') !== sanText(certificate).join('\n')) {
      throw refused(
        403,
        'EST_REENROLL_SUBJECT_MISMATCH',
        `the certificate is for ${formatName(certificate.subject)}; the request asks for ${formatName(csr.subject)}`,
      );
    }
    checkPolicy(csr, profile);
    const requester = `certificate:${record.issuerId}/${record.serial}`;
    const renewalOf = { issuerId: record.issuerId, serial: record.serial };
    if (profile.requiresApproval) return held(request.res, { requester, profile, label, csr, renewalOf, tokenUse: undefined });
    try {
      const issued = await ca.renew(record, certificate, {
        actor: `est:${requester}`,
        newKey: { publicKey: csr.publicKey, spki: csr.spki },
      });
      sendCertsOnly(request.res, buildCertsOnlyPkcs7([issued.der]));
    } catch (error) {
      if (isSymbolonError(error) && error.code === 'CA_CERT_REVOKED') throw refused(403, 'EST_REENROLL_CERTIFICATE_REVOKED');
      throw bad(error) ?? error;
    }
  }

  async function serve(request: ServiceRequest): Promise<void> {
    const { req, res } = request;
    const route = parsePath(request.path);
    if (route === undefined)
      throw refused(
        404,
        'HTTP_NOT_FOUND',
        `EST answers ${EST_PATH}[/<label>]/cacerts, simpleenroll, simplereenroll, csrattrs, serverkeygen`,
      );
    const isGet = route.operation === 'cacerts' || route.operation === 'csrattrs';
    if (req.method !== (isGet ? 'GET' : 'POST')) {
      res.setHeader('Allow', isGet ? 'GET' : 'POST');
      throw refused(405, 'HTTP_METHOD_NOT_ALLOWED', `${route.operation} takes ${isGet ? 'GET' : 'POST'}`);
    }
    switch (route.operation) {
      case 'cacerts':
        return sendCertsOnly(res, cacertsPkcs7);
      case 'csrattrs':
        // On TLS 1.2 the CSR should link itself to the channel (RFC 7030 3.5): ask for challengePassword.
        return sendCsrAttributes(res, tlsUnique(request.socket) === undefined ? undefined : der.sequence(der.oid(OID.challengePassword)));
      case 'simpleenroll':
        return enroll(request, route.label, false);
      case 'serverkeygen':
        return enroll(request, route.label, true);
      case 'simplereenroll':
        return reenroll(request, route.label);
    }
  }

  const cacertsPkcs7 = buildCertsOnlyPkcs7(options.caCertificates);
  return async (request: ServiceRequest): Promise<void> => {
    try {
      await serve(request);
    } catch (error) {
      const status = isSymbolonError(error) ? refusalStatuses.get(error) : undefined;
      if (status !== undefined && isSymbolonError(error)) {
        // A refusal before the body was read: the connection cannot be reused for the next request.
        if (!request.req.complete) request.res.setHeader('Connection', 'close');
        return sendRefusal(request.res, status, error.code, error.message, options.realm);
      }
      options.onError(error);
      sendRefusal(request.res, 500, 'HTTP_INTERNAL_ERROR', undefined, options.realm);
    }
  };
}
