import { readFile as readFileFromDisk } from 'node:fs/promises';
import { SymbolonError } from '../../errors.js';
import { formatName, isPem, parsePem, readRevokedSerials, verifyCrlSignature } from '../../x509/index.js';
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
  /** Where the CRLs are: a file (PEM blocks, or one DER CRL) or an http(s) URL. */
  readonly location: { readonly file: string } | { readonly url: string };
  readonly refreshSeconds: number;
  /** The trust bundle's CA certificates: each CRL must be signed by one of them. */
  readonly caCertificates: readonly Certificate[];
  readonly staleCrl: StaleCrlPolicy;
  readonly onError: (error: unknown) => void;
  /** Reads a file; default node:fs. */
  readonly readFile?: (path: string) => Promise<Buffer>;
  /** Deadline of a download; default 10 s. */
  readonly timeoutMs?: number;
  /** Largest file or download taken; default 64 MiB (about 1,300,000 entries). */
  readonly maxBytes?: number;
}

/** One CA's CRL, reduced to what a check needs (the DER is let go). */
interface LoadedCrl {
  readonly ca: Certificate;
  readonly serials: ReadonlySet<string>;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function unreadable(detail: string, cause?: unknown): SymbolonError {
  return new SymbolonError('GATEWAY_CRL_UNREADABLE', `the CRL source cannot be read: ${detail}; the last good CRLs are kept`, cause === undefined ? undefined : { cause });
}

/** RFC 5280 6.3.3 (f)-(g): the bundle CA that issued and signed `crl`, if any. */
function signerOf(crl: RevokedSerials, caCertificates: readonly Certificate[]): Certificate | undefined {
  const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
  return caCertificates.find((ca) => {
    if (!ca.subjectDer.equals(crl.issuerDer)) return false;
    // RFC 5280 5.2.1: an authorityKeyIdentifier naming another key belongs to another CA key.
    if (keyId !== undefined && ca.subjectKeyIdentifier !== undefined && !keyId.equals(ca.subjectKeyIdentifier)) return false;
    if (ca.keyUsage !== undefined && !ca.keyUsage.includes('cRLSign')) return false;
    try {
      return verifyCrlSignature(crl, ca);
    } catch {
      return false;
    }
  });
}

/**
 * Revocation from CRLs in a file or at a URL, read at `start()` and every `refreshSeconds`: the
 * file may hold the CRLs of several CAs of the bundle. Each CRL is read with the revoked-serial
 * reader and kept only when a bundle CA signed it; delta CRLs are not used. A refresh that fails,
 * or a CRL in it that is refused, keeps the last good CRL of that CA; a newer CRL (later
 * thisUpdate) replaces it. `check` is a Set lookup. A revoked certificate reads `revoked` with
 * reason `listed on the CRL` (the reader keeps no reason codes).
 */
export function createCrlRevocationSource(options: CrlRevocationSourceOptions): RevocationSource {
  const { onError, staleCrl } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const readFile = options.readFile ?? ((path: string) => readFileFromDisk(path));
  const where = 'file' in options.location ? options.location.file : options.location.url;
  /** By the CA certificate's fingerprint. */
  const crls = new Map<string, LoadedCrl>();
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
    const result = await boundedFetch(options.location.url, { timeoutMs: options.timeoutMs ?? 10_000, maxBytes, headers: { accept: 'application/pkix-crl, application/x-pem-file' } });
    if (!result.ok) throw unreadable(result.detail);
    if (result.status !== 200) throw unreadable(`${where} answered HTTP ${result.status}`);
    return result.body;
  }

  function accept(der: Uint8Array, index: number): void {
    let crl: RevokedSerials;
    try {
      crl = readRevokedSerials(der, { maxBytes });
    } catch (error) {
      onError(new SymbolonError('GATEWAY_CRL_INVALID', `CRL ${index + 1} of ${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    if (crl.deltaCrlIndicator !== undefined) {
      onError(new SymbolonError('GATEWAY_CRL_INVALID', `CRL ${index + 1} of ${where} is a delta CRL, which the gateway does not use; give it complete CRLs`));
      return;
    }
    const ca = signerOf(crl, options.caCertificates);
    if (ca === undefined) {
      onError(new SymbolonError('GATEWAY_CRL_SIGNER_UNKNOWN', `CRL ${index + 1} of ${where} is not signed by any CA certificate of the trust bundle; it is refused`));
      return;
    }
    const held = crls.get(ca.fingerprintSha256);
    if (held !== undefined && held.thisUpdate.getTime() > crl.thisUpdate.getTime()) return;
    crls.set(ca.fingerprintSha256, { ca, serials: crl.serials, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate });
  }

  async function load(): Promise<void> {
    try {
      const bytes = await fetchBytes();
      let blocks: Uint8Array[];
      try {
        blocks = isPem(bytes) ? parsePem(bytes.toString('latin1'), 'X509 CRL') : [bytes];
      } catch (error) {
        throw new SymbolonError('GATEWAY_CRL_INVALID', `${where} holds no "X509 CRL" PEM block: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      blocks.forEach(accept);
    } catch (error) {
      onError(error);
    }
  }

  function refresh(): Promise<void> {
    loading ??= load().finally(() => (loading = undefined));
    return loading;
  }

  function staleAnswer(crl: LoadedCrl, now: Date): RevocationAnswer | undefined {
    const nextUpdate = crl.nextUpdate;
    if (nextUpdate === undefined || now.getTime() <= nextUpdate.getTime() || staleCrl.policy === 'use') return undefined;
    const limit = staleCrl.policy === 'grace' ? nextUpdate.getTime() + staleCrl.graceSeconds * 1000 : nextUpdate.getTime();
    if (now.getTime() <= limit) return undefined;
    const grace = staleCrl.policy === 'grace' ? ` and its ${staleCrl.graceSeconds} s grace period` : '';
    return { status: 'unavailable', detail: `the CRL of ${formatName(crl.ca.subject)} is past its nextUpdate (${nextUpdate.toISOString()})${grace}, and no newer one could be loaded from ${where}` };
  }

  return {
    kind: 'crl',
    check(leaf, issuer, now) {
      let crl: LoadedCrl | undefined;
      for (const held of crls.values()) {
        // The issuer above the leaf may be another certificate for the same CA name and key.
        if (held.ca.subjectDer.equals(issuer.subjectDer) && held.ca.spki.equals(issuer.spki)) {
          crl = held;
          break;
        }
      }
      if (crl === undefined) return { status: 'unavailable', detail: `no CRL of ${formatName(issuer.subject)} has been loaded from ${where}` };
      // Revocation is final: a listed certificate is revoked whatever the CRL's age.
      if (crl.serials.has(leaf.serialNumber)) return { status: 'revoked', reason: 'listed on the CRL' };
      return staleAnswer(crl, now) ?? { status: 'good' };
    },
    stats(now) {
      let oldest: number | undefined;
      for (const crl of crls.values()) oldest = Math.min(oldest ?? Infinity, crl.thisUpdate.getTime());
      return { entries: [...crls.values()].reduce((sum, crl) => sum + crl.serials.size, 0), lagSeconds: oldest === undefined ? undefined : Math.max(0, (now.getTime() - oldest) / 1000) };
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
