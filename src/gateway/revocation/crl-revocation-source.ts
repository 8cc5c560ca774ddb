import { readFile as readFileFromDisk } from 'node:fs/promises';
import { BoundedCache } from '../../bounded-cache.js';
import { SymbolonError } from '../../errors.js';
import { checkPathRevocation, nameKey, subjectKey } from '../../path/index.js';
import type { ValidationProfile } from '../../path/index.js';
import { isPem, OID, parseCertificate, parsePemBlocks, readRevokedSerials, verifyCrlSignature } from '../../x509/index.js';
import type { Certificate, RevokedSerials } from '../../x509/index.js';
import { boundedFetch } from './bounded-fetch.js';
import type { RevocationAnswer, RevocationSource } from './revocation-source.js';

/** What a CRL past its nextUpdate means (RFC 5280 5.1.2.5): the trust bundle's `staleCrl`. */
export interface StaleCrlPolicy {
  readonly policy: 'reject' | 'use' | 'grace';
  /** With `grace`: how long past nextUpdate the CRL is still used. */
  readonly graceSeconds: number;
}

export interface CrlRevocationSourceOptions {
  /**
   * Where the CRLs are: a file (PEM blocks, or one DER CRL) or an http(s) URL. PEM may carry
   * CERTIFICATE blocks too: CRL signers that are not CA certificates of the bundle.
   */
  readonly location: { readonly file: string } | { readonly url: string };
  readonly refreshSeconds: number;
  /** The trust bundle's CA certificates: each CRL must be signed by one of them. */
  readonly caCertificates: readonly Certificate[];
  readonly staleCrl: StaleCrlPolicy;
  /** The trust bundle's validation profile: strict (the default) also refuses CRLs without a non-critical cRLNumber. */
  readonly profile?: ValidationProfile;
  readonly onError: (error: unknown) => void;
  /** Reads a file; default node:fs. */
  readonly readFile?: (path: string) => Promise<Buffer>;
  /** Deadline of a download; default 10 s. */
  readonly timeoutMs?: number;
  /** Largest file or download taken; default 64 MiB (about 1,300,000 entries). */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function unreadable(detail: string, cause?: unknown): SymbolonError {
  return new SymbolonError(
    'GATEWAY_CRL_UNREADABLE',
    `the CRL source cannot be read: ${detail}; the last good CRLs are kept`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * RFC 5280 5.2.1: a CRL that names a bundle CA's key (issuer name, and authorityKeyIdentifier
 * when both have one) must be signed by it. A CRL naming no bundle CA key (an intermediate's,
 * a separate CRL signing key's) is kept: the one revocation check finds its signer in the
 * client's path and validates it there.
 */
function isForged(crl: RevokedSerials, caCertificates: readonly Certificate[]): boolean {
  const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
  const issuer = nameKey(crl.issuer);
  // RFC 5280 7.1: the CRL issuer names the CA as names compare, not byte for byte.
  const named = caCertificates.filter(
    (ca) =>
      subjectKey(ca) === issuer && (keyId === undefined || ca.subjectKeyIdentifier === undefined || keyId.equals(ca.subjectKeyIdentifier)),
  );
  if (named.length === 0) return false;
  return !named.some((ca) => {
    try {
      return verifyCrlSignature(crl, ca);
    } catch {
      return false;
    }
  });
}

/** Two CRLs of the same key are the same scope (issuer, key, issuingDistributionPoint, complete or delta): the newer one replaces the older. */
function scopeOf(crl: RevokedSerials): string {
  const idp = crl.extensions.find((extension) => extension.oid === OID.issuingDistributionPoint)?.value.toString('hex') ?? '';
  return JSON.stringify([
    nameKey(crl.issuer),
    crl.authorityKeyIdentifier?.keyIdentifier?.toString('hex') ?? '',
    idp,
    crl.deltaCrlIndicator === undefined ? 'complete' : 'delta',
  ]);
}

function isNewer(crl: RevokedSerials, than: RevokedSerials): boolean {
  if (crl.crlNumber !== undefined && than.crlNumber !== undefined && crl.crlNumber !== than.crlNumber)
    return crl.crlNumber > than.crlNumber;
  return crl.thisUpdate.getTime() > than.thisUpdate.getTime();
}

/** Answers kept per path between CRL loads, at most this many. */
const MAX_ANSWERS = 10_000;

/**
 * Revocation from CRLs in a file or at a URL, read at `start()` and every `refreshSeconds`: the
 * file may hold complete and delta CRLs of several CAs, partitions included. Each CRL is read with
 * the revoked-serial reader (a million entries in about a second) and kept, the newest of each
 * scope (issuer, key, issuingDistributionPoint); one naming a bundle CA's key but not signed by
 * it is refused. A refresh that fails, or a CRL in it that is refused, keeps the last good ones.
 * `check` runs the one RFC 5280 6.3 check of src/path on every certificate of the path below the
 * anchor (scope, reasons, delta CRLs, indirect CRLs, the CRL signer's own path), with the
 * bundle's staleCrl policy as the grace past nextUpdate; its answer is kept per path until the
 * next load or the CRLs' nextUpdate. No covering CRL, or only unusable ones, is `unavailable`.
 */
export function createCrlRevocationSource(options: CrlRevocationSourceOptions): RevocationSource {
  const { onError, staleCrl } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const readFile = options.readFile ?? ((path: string) => readFileFromDisk(path));
  const where = 'file' in options.location ? options.location.file : options.location.url;
  /** The CRLs held, by scopeOf. */
  const crls = new Map<string, RevokedSerials>();
  let held: readonly RevokedSerials[] = [];
  /** Certificates a CRL signer's path may be built from: the bundle's CAs and those given with the CRLs. */
  let pool: readonly Certificate[] = options.caCertificates;
  const answers = new BoundedCache<string, { readonly answer: RevocationAnswer; readonly untilMs: number }>(MAX_ANSWERS);
  const graceMs = staleCrl.policy === 'use' ? Number.POSITIVE_INFINITY : staleCrl.policy === 'grace' ? staleCrl.graceSeconds * 1000 : 0;
  let timer: NodeJS.Timeout | undefined;
  let loading: Promise<void> | undefined;
  let isClosed = false;

  async function fetchBytes(): Promise<Buffer> {
    if ('file' in options.location) {
      let bytes: Buffer;
      try {
        bytes = await readFile(options.location.file);
      } catch (error) {
        throw unreadable(`${where}: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      if (bytes.length > maxBytes) throw unreadable(`${where} has ${bytes.length} bytes, over the limit of ${maxBytes}`);
      return bytes;
    }
    const result = await boundedFetch(options.location.url, {
      timeoutMs: options.timeoutMs ?? 10_000,
      maxBytes,
      headers: { accept: 'application/pkix-crl, application/x-pem-file' },
    });
    if (!result.ok) throw unreadable(result.detail);
    if (result.status !== 200) throw unreadable(`${where} answered HTTP ${result.status}`);
    return result.body;
  }

  function accept(der: Uint8Array, index: number): void {
    let crl: RevokedSerials;
    try {
      crl = readRevokedSerials(der, { maxBytes });
    } catch (error) {
      onError(
        new SymbolonError(
          'GATEWAY_CRL_INVALID',
          `CRL ${index + 1} of ${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    if (isForged(crl, options.caCertificates)) {
      onError(
        new SymbolonError(
          'GATEWAY_CRL_SIGNER_UNKNOWN',
          `CRL ${index + 1} of ${where} names a CA key of the trust bundle but is not signed by it; it is refused`,
        ),
      );
      return;
    }
    const scope = scopeOf(crl);
    const previous = crls.get(scope);
    if (previous !== undefined && !isNewer(crl, previous)) return;
    crls.set(scope, crl);
  }

  async function load(): Promise<void> {
    try {
      const bytes = await fetchBytes();
      let blocks: Uint8Array[];
      let certificates: Uint8Array[] = [];
      try {
        if (isPem(bytes)) {
          const pem = parsePemBlocks(bytes.toString('latin1'));
          blocks = pem.filter((block) => block.label === 'X509 CRL').map((block) => block.der);
          certificates = pem.filter((block) => block.label === 'CERTIFICATE').map((block) => block.der);
          if (blocks.length === 0) throw new SymbolonError('PEM_NOT_FOUND', 'no "-----BEGIN X509 CRL-----" block was found');
        } else {
          blocks = [bytes];
        }
      } catch (error) {
        throw new SymbolonError(
          'GATEWAY_CRL_INVALID',
          `${where} holds no "X509 CRL" PEM block: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      blocks.forEach(accept);
      // CRL signers that are not CA certificates of the bundle (a separate CRL key, an indirect
      // CRL issuer) may come in the same file; the check validates each to the trust anchor.
      const signers: Certificate[] = [];
      certificates.forEach((der, index) => {
        try {
          signers.push(parseCertificate(der));
        } catch (error) {
          onError(
            new SymbolonError(
              'GATEWAY_CRL_INVALID',
              `certificate ${index + 1} of ${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
          );
        }
      });
      if (certificates.length > 0 || signers.length > 0) pool = [...options.caCertificates, ...signers];
    } catch (error) {
      onError(error);
    } finally {
      held = [...crls.values()];
      answers.clear();
    }
  }

  function refresh(): Promise<void> {
    loading ??= load().finally(() => (loading = undefined));
    return loading;
  }

  function decide(path: readonly Certificate[], now: Date): { answer: RevocationAnswer; untilMs: number } {
    if (held.length === 0) return { answer: { status: 'unavailable', detail: `no CRL has been loaded from ${where}` }, untilMs: 0 };
    const outcome = checkPathRevocation(path, held, {
      at: now,
      requirement: 'chain',
      pool,
      staleGraceMs: graceMs,
      profile: options.profile ?? 'strict',
    });
    const failure = outcome.failure;
    // Revocation is final: a listed certificate stays revoked until the CRLs change.
    if (failure?.code === 'PATH_REVOKED')
      return { answer: { status: 'revoked', reason: failure.detail }, untilMs: Number.POSITIVE_INFINITY };
    if (failure !== undefined)
      return { answer: { status: 'unavailable', detail: `${failure.code}: ${failure.detail} (CRLs from ${where})` }, untilMs: 0 };
    return {
      answer: { status: 'good' },
      untilMs: outcome.nextUpdate === undefined ? Number.POSITIVE_INFINITY : outcome.nextUpdate.getTime() + graceMs,
    };
  }

  return {
    kind: 'crl',
    check(path, now) {
      const key = path.map((certificate) => certificate.fingerprintSha256).join(':');
      const known = answers.get(key);
      if (known !== undefined && now.getTime() <= known.untilMs) return known.answer;
      const decided = decide(path, now);
      if (decided.untilMs > now.getTime()) {
        answers.set(key, decided);
      }
      return decided.answer;
    },
    stats(now) {
      let oldest: number | undefined;
      let entries = 0;
      for (const crl of held) {
        oldest = Math.min(oldest ?? Infinity, crl.thisUpdate.getTime());
        entries += crl.entries.size;
      }
      return { entries, lagSeconds: oldest === undefined ? undefined : Math.max(0, (now.getTime() - oldest) / 1000) };
    },
    async start() {
      await refresh();
      if (isClosed) return;
      timer = setInterval(() => void refresh(), options.refreshSeconds * 1000);
      timer.unref();
    },
    async close() {
      isClosed = true;
      clearInterval(timer);
      await loading;
    },
  };
}
