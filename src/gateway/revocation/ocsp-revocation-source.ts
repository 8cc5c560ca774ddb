import { isSymbolonError, SymbolonError } from '../../errors.js';
import type { KeyObject } from 'node:crypto';
import { BoundedCache } from '../../bounded-cache.js';
import {
  buildOcspRequest,
  certIdFor,
  formatName,
  MAX_OCSP_RESPONSE_BYTES,
  OID,
  parseCertificate,
  parseOcspResponse,
  verifyCertificateSignature,
  verifyOcspResponseSignature,
} from '../../x509/index.js';
import type { BasicOcspResponse, Certificate, CertIdHash, SingleResponse } from '../../x509/index.js';
import { boundedFetch } from './bounded-fetch.js';
import { checkEachCertificate } from './revocation-source.js';
import type { RevocationAnswer, RevocationSource } from './revocation-source.js';

export interface OcspRevocationSourceOptions {
  /** The responder asked for every certificate; without it, the one the leaf's authorityInfoAccess names. */
  readonly url?: string | undefined;
  /** Answers are kept until the response's nextUpdate, and at most this long. */
  readonly cacheSeconds: number;
  /** Deadline of one request to the responder. */
  readonly timeoutMs: number;
  /** Answers cached at most; the least recently used go first. Default 10,000. */
  readonly maxEntries?: number;
  /** A failed query is answered `unavailable` from the cache this long, so a down responder is not asked on every request. Default 10 s. */
  readonly failureCacheSeconds?: number;
}

interface CachedAnswer {
  readonly answer: RevocationAnswer;
  readonly expiresAt: number;
}

/** RFC 5019 4: clocks of responder and client differ; a thisUpdate this far ahead is tolerated. */
const CLOCK_SKEW_MS = 5 * 60_000;

function failure(detail: string): never {
  throw new SymbolonError('GATEWAY_OCSP_QUERY_FAILED', detail);
}

/**
 * RFC 6960 4.2.2.2: the key that signed the response is the issuer's own, or that of a responder
 * certificate the issuer signed, with id-kp-OCSPSigning, valid now. Returns what failed otherwise.
 */
function checkResponder(basic: BasicOcspResponse, issuer: Certificate, now: Date): string | undefined {
  const verifies = (key: KeyObject | undefined): boolean => {
    if (key === undefined) return false;
    try {
      return verifyOcspResponseSignature(basic, key);
    } catch {
      return false;
    }
  };
  if (verifies(issuer.publicKey.keyObject)) return undefined;
  for (const der of basic.certificates) {
    let responder: Certificate;
    try {
      responder = parseCertificate(der);
    } catch {
      continue;
    }
    if (!responder.issuerDer.equals(issuer.subjectDer) || !(responder.extKeyUsage ?? []).includes(OID.ocspSigning)) continue;
    if (now.getTime() < responder.notBefore.getTime() || now.getTime() > responder.notAfter.getTime()) continue;
    let isIssued = false;
    try {
      isIssued = verifyCertificateSignature(responder, issuer);
    } catch {
      isIssued = false;
    }
    if (isIssued && verifies(responder.publicKey.keyObject)) return undefined;
  }
  return `the OCSP response is signed neither by ${formatName(issuer.subject)} nor by a current responder certificate it issued for OCSP signing`;
}

/** RFC 6960 4.2.2.3: the SingleResponse about `leaf`, compared on every CertID field. */
function responseFor(basic: BasicOcspResponse, leaf: Certificate, issuer: Certificate): SingleResponse | undefined {
  const expected = new Map<CertIdHash, ReturnType<typeof certIdFor>>();
  return basic.responses.find((single) => {
    const hash = single.certId.hashAlgorithm;
    let ours = expected.get(hash);
    if (ours === undefined) {
      ours = certIdFor(leaf, issuer, hash);
      expected.set(hash, ours);
    }
    return (
      single.certId.issuerNameHash.equals(ours.issuerNameHash) &&
      single.certId.issuerKeyHash.equals(ours.issuerKeyHash) &&
      single.certId.serialNumberBytes.equals(leaf.serialNumberBytes)
    );
  });
}

/**
 * Revocation by asking an OCSP responder (RFC 6960, POST as RFC 5019 describes): the response
 * must be successful, signed by the issuer or its delegated responder, about this CertID, and
 * current (thisUpdate not ahead, nextUpdate not past). Answers are cached until
 * min(nextUpdate, now + cacheSeconds) in a BoundedCache (least recently used goes first), so `check` is synchronous on a
 * hit; concurrent misses for one certificate share one request. Every failure is an
 * `unavailable` answer that says what went wrong; none throws.
 */
export function createOcspRevocationSource(options: OcspRevocationSourceOptions): RevocationSource {
  const maxEntries = options.maxEntries ?? 10_000;
  const failureCacheMs = (options.failureCacheSeconds ?? 10) * 1000;
  const cache = new BoundedCache<string, CachedAnswer>(maxEntries);
  const inFlight = new Map<string, Promise<RevocationAnswer>>();
  let isClosed = false;

  function remember(key: string, entry: CachedAnswer): void {
    if (isClosed) return;
    cache.set(key, entry);
  }

  async function ask(leaf: Certificate, issuer: Certificate, now: Date): Promise<CachedAnswer> {
    const url = options.url ?? leaf.ocspUrls.find((candidate) => /^https?:\/\//i.test(candidate));
    if (url === undefined) failure('the certificate names no OCSP responder (authorityInfoAccess) and the trust bundle configures none');
    let request: Buffer;
    try {
      request = buildOcspRequest({ certIds: [certIdFor(leaf, issuer)] });
    } catch (error) {
      failure(`no OCSP request can be made for this certificate: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = await boundedFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body: request,
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_OCSP_RESPONSE_BYTES,
    });
    if (!result.ok) failure(`the OCSP responder failed: ${result.detail}`);
    if (result.status !== 200) failure(`the OCSP responder ${url} answered HTTP ${result.status}`);
    let basic: BasicOcspResponse;
    try {
      const response = parseOcspResponse(result.body);
      if (response.basic === undefined) failure(`the OCSP responder ${url} answered ${response.status}`);
      basic = response.basic;
    } catch (error) {
      if (isSymbolonError(error, 'GATEWAY_OCSP_QUERY_FAILED')) throw error;
      failure(`the OCSP responder ${url} sent a response that does not parse: ${error instanceof Error ? error.message : String(error)}`);
    }
    const signerProblem = checkResponder(basic, issuer, now);
    if (signerProblem !== undefined) failure(`${signerProblem} (${url})`);
    const single = responseFor(basic, leaf, issuer);
    if (single === undefined) failure(`the OCSP response from ${url} says nothing about this certificate`);
    if (single.thisUpdate.getTime() > now.getTime() + CLOCK_SKEW_MS)
      failure(`the OCSP response from ${url} is dated in the future (thisUpdate ${single.thisUpdate.toISOString()})`);
    if (single.nextUpdate !== undefined && single.nextUpdate.getTime() < now.getTime())
      failure(`the OCSP response from ${url} is out of date (nextUpdate ${single.nextUpdate.toISOString()})`);
    const expiresAt = Math.min(single.nextUpdate?.getTime() ?? Infinity, now.getTime() + options.cacheSeconds * 1000);
    const status = single.certStatus;
    if (status.status === 'good') return { answer: { status: 'good' }, expiresAt };
    if (status.status === 'revoked') return { answer: { status: 'revoked', reason: status.revocationReason ?? 'unspecified' }, expiresAt };
    return {
      answer: { status: 'unavailable', detail: `the OCSP responder ${url} does not know this certificate (status unknown)` },
      expiresAt: Math.min(expiresAt, now.getTime() + failureCacheMs),
    };
  }

  function query(key: string, leaf: Certificate, issuer: Certificate, now: Date): Promise<RevocationAnswer> {
    const asked = ask(leaf, issuer, now)
      .catch((error: unknown): CachedAnswer => {
        const detail = isSymbolonError(error, 'GATEWAY_OCSP_QUERY_FAILED')
          ? error.message
          : `the OCSP check failed: ${error instanceof Error ? error.message : String(error)}`;
        return { answer: { status: 'unavailable', detail }, expiresAt: now.getTime() + failureCacheMs };
      })
      .then((entry) => {
        remember(key, entry);
        return entry.answer;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, asked);
    return asked;
  }

  return {
    kind: 'ocsp',
    check(path, now) {
      return checkEachCertificate(path, (leaf, issuer) => {
        const key = `${issuer.fingerprintSha256}:${leaf.serialNumber}`;
        const hit = cache.get(key);
        if (hit !== undefined) {
          if (hit.expiresAt > now.getTime()) return hit.answer;
          cache.delete(key);
        }
        return inFlight.get(key) ?? query(key, leaf, issuer, now);
      });
    },
    stats() {
      return { entries: cache.size, lagSeconds: undefined };
    },
    async start() {},
    async close() {
      isClosed = true;
      cache.clear();
      await Promise.all(inFlight.values());
    },
  };
}
