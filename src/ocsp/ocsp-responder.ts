import { createHash } from 'node:crypto';
import type { RevocationEvent } from '../events/index.js';
import { BoundedCache } from '../bounded-cache.js';
import { isSymbolonError } from '../errors.js';
import type { Store } from '../store/index.js';
import { buildOcspResponse, encodeCertId, encodeSingleResponse, ocspErrorResponse, parseOcspRequest } from '../x509/index.js';
import type { CertId, CertStatus, OcspResponseStatus } from '../x509/index.js';
import { createIssuerDirectory } from './issuer-directory.js';
import type { OcspIssuer } from './issuer-directory.js';

/** What the responder says, and whether HTTP caches may keep it (RFC 5019 6.2). */
export interface OcspAnswer {
  readonly status: OcspResponseStatus;
  readonly der: Buffer;
  /** Set for a precomputed answer (no nonce): the validators and lifetime HTTP caching needs. */
  readonly cache?: { readonly thisUpdate: Date; readonly nextUpdate: Date; readonly etag: string };
}

export interface OcspResponderOptions {
  readonly store: Store;
  readonly issuers: readonly OcspIssuer[];
  readonly clock: () => Date;
  /** nextUpdate - thisUpdate of each answer; a cached answer is re-signed at half of it. */
  readonly validitySeconds: number;
  /** The most certificates whose answers are kept; the oldest go first. */
  readonly maxCachedAnswers: number;
  readonly onError?: (error: unknown) => void;
}

/** An OCSP responder without HTTP: request DER in, response DER out. */
export interface OcspResponder {
  answer(request: Uint8Array): Promise<OcspAnswer>;
  /** Replaces the cached answer for a revoked certificate at once. */
  onRevocation(event: RevocationEvent): void;
  /** Drops every cached answer (after the signing certificate rotates). */
  clear(): void;
  readonly cachedAnswers: number;
}

interface CachedAnswer {
  readonly serialKey: string;
  readonly single: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly refreshAtMs: number;
  /** The whole signed response without nonce, made on first use. */
  response: Promise<{ readonly der: Buffer; readonly etag: string }> | undefined;
  /** The same, once made: what the fast path serves. */
  signed: OcspAnswer | undefined;
}

/** RFC 5019 requests are small; only those are remembered byte for byte. */
const MAX_REMEMBERED_REQUEST_BYTES = 256;

function errorAnswer(status: Exclude<OcspResponseStatus, 'successful'>): OcspAnswer {
  return { status, der: ocspErrorResponse(status) };
}

/** The INTEGER content octets of a serial given as magnitude hex. */
function serialContent(hex: string): Buffer {
  const bytes = Buffer.from(hex, 'hex');
  return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes;
}

/**
 * Creates the responder (RFC 6960, RFC 5019 profile). One Request per OCSPRequest (RFC 5019
 * 2.1.1); more, or anything the parser refuses, is malformedRequest. A CertID naming an issuer
 * that is not one of `issuers` is unauthorized (RFC 6960 2.3). Answers are good, revoked (time
 * and reason) or unknown (a serial the issuer never used), precomputed per certificate and kept
 * until half their validity; a request with a nonce gets a fresh signature echoing it (RFC 8954).
 */
export function createOcspResponder(options: OcspResponderOptions): OcspResponder {
  const { store, clock, onError = () => undefined } = options;
  const directory = createIssuerDirectory(options.issuers);
  const cache = new BoundedCache<string, CachedAnswer>(options.maxCachedAnswers, unindex);
  const keysBySerial = new Map<string, Set<string>>();
  const generations = new Map<string, number>();
  const inFlight = new Map<string, Promise<CachedAnswer>>();
  // Most clients send the same bytes for the same certificate (no nonce): those bytes lead
  // straight to the precomputed answer, without parsing. An entry counts only while the answer
  // it points to is still the cached one.
  const byRequest = new BoundedCache<string, { readonly key: string; readonly answer: CachedAnswer }>(options.maxCachedAnswers);

  function remember(key: string, answer: CachedAnswer): void {
    cache.set(key, answer);
    let keys = keysBySerial.get(answer.serialKey);
    if (keys === undefined) keysBySerial.set(answer.serialKey, (keys = new Set()));
    keys.add(key);
  }

  function forget(key: string): void {
    const answer = cache.get(key);
    if (answer === undefined) return;
    cache.delete(key);
    unindex(key, answer);
  }

  function unindex(key: string, answer: CachedAnswer): void {
    const keys = keysBySerial.get(answer.serialKey);
    keys?.delete(key);
    if (keys?.size === 0) keysBySerial.delete(answer.serialKey);
  }

  async function lookUp(issuer: OcspIssuer, certId: CertId, key: string): Promise<CachedAnswer> {
    const serialKey = `${issuer.id}/${certId.serialNumber}`;
    const generation = generations.get(serialKey) ?? 0;
    const record = await store.getCertificate({ issuerId: issuer.id, serial: certId.serialNumber });
    let certStatus: CertStatus;
    if (record === undefined) certStatus = { status: 'unknown' };
    else if (record.revocation === null) certStatus = { status: 'good' };
    else {
      const reason = record.revocation.reason;
      certStatus =
        reason === 'unspecified' || reason === 'removeFromCRL'
          ? { status: 'revoked', revocationTime: record.revocation.revokedAt }
          : { status: 'revoked', revocationTime: record.revocation.revokedAt, revocationReason: reason };
    }
    const thisUpdate = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + options.validitySeconds * 1000);
    const answer: CachedAnswer = {
      serialKey,
      single: encodeSingleResponse({ certId, certStatus, thisUpdate, nextUpdate }),
      thisUpdate,
      nextUpdate,
      refreshAtMs: thisUpdate.getTime() + (options.validitySeconds * 1000) / 2,
      response: undefined,
      signed: undefined,
    };
    // A serial the issuer never used is not kept: random serials must not fill the cache, and a
    // certificate issued a moment later must not read as unknown. A revocation that arrived while
    // the store was read makes this answer stale; it is not kept either.
    if (certStatus.status !== 'unknown' && generation === (generations.get(serialKey) ?? 0)) remember(key, answer);
    return answer;
  }

  function cachedAnswer(issuer: OcspIssuer, certId: CertId): Promise<CachedAnswer> {
    const key = certId.der.toString('latin1');
    const found = cache.get(key);
    if (found !== undefined) {
      if (clock().getTime() < found.refreshAtMs) return Promise.resolve(found);
      forget(key);
    }
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = lookUp(issuer, certId, key).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  function signedResponse(issuer: OcspIssuer, answer: CachedAnswer): Promise<{ der: Buffer; etag: string }> {
    answer.response ??= buildOcspResponse(issuer.identity(), { producedAt: answer.thisUpdate, responses: [answer.single] }).then((der) => {
      const etag = `"${createHash('sha1').update(der).digest('hex')}"`;
      answer.signed = { status: 'successful', der, cache: { thisUpdate: answer.thisUpdate, nextUpdate: answer.nextUpdate, etag } };
      return { der, etag };
    });
    return answer.response;
  }

  /** The map key of a request small enough to remember, or undefined. */
  function requestKeyOf(request: Uint8Array): string | undefined {
    return request.length > MAX_REMEMBERED_REQUEST_BYTES
      ? undefined
      : Buffer.from(request.buffer, request.byteOffset, request.byteLength).toString('latin1');
  }

  function remembered(requestKey: string | undefined): OcspAnswer | undefined {
    if (requestKey === undefined) return undefined;
    const hit = byRequest.get(requestKey);
    if (hit === undefined || cache.get(hit.key) !== hit.answer || clock().getTime() >= hit.answer.refreshAtMs) return undefined;
    return hit.answer.signed;
  }

  function rememberRequest(requestKey: string | undefined, key: string, answer: CachedAnswer): void {
    if (requestKey === undefined || cache.get(key) !== answer) return;
    byRequest.set(requestKey, { key, answer });
  }

  async function answer(request: Uint8Array): Promise<OcspAnswer> {
    const requestKey = requestKeyOf(request);
    const fast = remembered(requestKey);
    if (fast !== undefined) return fast;
    let parsed;
    try {
      parsed = parseOcspRequest(request);
    } catch (error) {
      if (isSymbolonError(error)) return errorAnswer('malformedRequest');
      onError(error);
      return errorAnswer('internalError');
    }
    // RFC 5019 2.1.1: one Request per OCSPRequest.
    const [single, ...more] = parsed.requests;
    if (single === undefined || more.length > 0) return errorAnswer('malformedRequest');
    const issuer = directory.find(single.certId);
    if (issuer === undefined) return errorAnswer('unauthorized');
    try {
      const cached = await cachedAnswer(issuer, single.certId);
      if (parsed.nonce !== undefined) {
        const der = await buildOcspResponse(issuer.identity(), { producedAt: clock(), responses: [cached.single], nonce: parsed.nonce });
        return { status: 'successful', der };
      }
      const { der, etag } = await signedResponse(issuer, cached);
      rememberRequest(requestKey, single.certId.der.toString('latin1'), cached);
      return { status: 'successful', der, cache: { thisUpdate: cached.thisUpdate, nextUpdate: cached.nextUpdate, etag } };
    } catch (error) {
      onError(error);
      return errorAnswer('internalError');
    }
  }

  return {
    answer,
    onRevocation(event: RevocationEvent): void {
      const serialKey = `${event.issuerId}/${event.serial}`;
      generations.set(serialKey, (generations.get(serialKey) ?? 0) + 1);
      for (const key of [...(keysBySerial.get(serialKey) ?? [])]) forget(key);
      const issuer = options.issuers.find((candidate) => candidate.id === event.issuerId);
      const hashes = directory.hashes(event.issuerId, 'sha1');
      if (issuer === undefined || hashes === undefined) return;
      // Precompute the new answer for the CertID most clients send (SHA-1, RFC 5019 2.1.1).
      const certId = encodeCertId(hashes, serialContent(event.serial));
      void cachedAnswer(issuer, certId)
        .then((cached) => signedResponse(issuer, cached))
        .catch(onError);
    },
    clear(): void {
      byRequest.clear();
      cache.clear();
      keysBySerial.clear();
    },
    get cachedAnswers() {
      return cache.size;
    },
  };
}
