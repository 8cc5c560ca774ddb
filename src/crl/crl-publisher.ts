import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuingCa } from '../ca/index.js';
import type { RevocationEvent } from '../events/index.js';
import { writePublicKeyFile } from '../keys/index.js';
import type { Store } from '../store/index.js';
import { buildCrl, toPem } from '../x509/index.js';
import type { RevokedEntry } from '../x509/index.js';
import { lastCrlNumber, nextCrlNumber } from './crl-number.js';

/** A CRL as published: its DER and what HTTP caching needs. */
export interface PublishedCrl {
  readonly issuerId: string;
  readonly der: Buffer;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Strong validator (RFC 9110 8.8.3), quoted. */
  readonly etag: string;
  readonly entries: number;
}

export interface CrlPublisherOptions {
  readonly store: Store;
  /** Every issuer whose key is unlocked: each gets its own full CRL, signed with its key. */
  readonly issuers: readonly Pick<IssuingCa, 'id' | 'signer' | 'nameDer' | 'keyIdentifier'>[];
  readonly clock: () => Date;
  /** nextUpdate - thisUpdate. The CRL is republished at half of it, well before nextUpdate. */
  readonly validitySeconds: number;
  /** Where `<issuer>.crl` (DER) and `<issuer>.crl.pem` are written; undefined writes nothing. */
  readonly directory: string | undefined;
  readonly onPublished?: (crl: PublishedCrl) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Full CRLs per issuer (RFC 5280 5.1, version 2, cRLNumber and authorityKeyIdentifier), kept
 * current: published at start, again within moments of each revocation (bursts coalesce into
 * one build), and again at half their validity.
 */
export interface CrlPublisher {
  readonly issuerIds: readonly string[];
  /** Loads every stored revocation, publishes each issuer's CRL; returns the last sequence read. */
  start(): Promise<number>;
  /** Adds a revocation from the feed and republishes its issuer's CRL. */
  onRevocation(event: RevocationEvent): void;
  /** The CRL listing every revocation known when called (waits for a build under way), or undefined for an issuer it does not publish. */
  current(issuerId: string): Promise<PublishedCrl | undefined>;
  close(): Promise<void>;
}

interface IssuerState {
  readonly issuer: CrlPublisherOptions['issuers'][number];
  readonly entries: RevokedEntry[];
  published: PublishedCrl | undefined;
  lastNumber: bigint | undefined;
  isDirty: boolean;
  building: Promise<void> | undefined;
  refresh: NodeJS.Timeout | undefined;
}

const PAGE = 5000;

function entryOf(event: Pick<RevocationEvent, 'serial' | 'revokedAt' | 'reason'>): RevokedEntry {
  // RFC 5280 5.3.1: unspecified is left out; removeFromCRL belongs to delta CRLs only.
  return event.reason === 'unspecified' || event.reason === 'removeFromCRL'
    ? { serialNumber: event.serial, revocationDate: event.revokedAt }
    : { serialNumber: event.serial, revocationDate: event.revokedAt, reason: event.reason };
}

/** Creates the publisher; call `start` before serving. */
export function createCrlPublisher(options: CrlPublisherOptions): CrlPublisher {
  const { clock, directory, onError = () => undefined } = options;
  const states = new Map<string, IssuerState>(
    options.issuers.map((issuer) => [issuer.id, { issuer, entries: [], published: undefined, lastNumber: undefined, isDirty: true, building: undefined, refresh: undefined }]),
  );
  let isClosed = false;

  async function publishOnce(state: IssuerState): Promise<void> {
    const now = clock();
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + options.validitySeconds * 1000);
    const crlNumber = nextCrlNumber(state.lastNumber, now);
    // Read before the first await: revocations arriving while this one signs go into the next.
    const count = state.entries.length;
    const der = await buildCrl(
      { issuer: state.issuer.nameDer, thisUpdate, nextUpdate, crlNumber, authorityKeyIdentifier: state.issuer.keyIdentifier, revokedCertificates: state.entries },
      state.issuer.signer,
    );
    state.lastNumber = crlNumber;
    const etag = `"${crlNumber.toString(16)}-${createHash('sha256').update(der).digest('hex').slice(0, 16)}"`;
    const crl: PublishedCrl = Object.freeze({ issuerId: state.issuer.id, der, crlNumber, thisUpdate, nextUpdate, etag, entries: count });
    state.published = crl;
    scheduleRefresh(state);
    if (directory !== undefined) {
      await writePublicKeyFile(join(directory, `${state.issuer.id}.crl`), der, { overwrite: true });
      await writePublicKeyFile(join(directory, `${state.issuer.id}.crl.pem`), toPem('X509 CRL', der), { overwrite: true });
    }
    options.onPublished?.(crl);
  }

  function scheduleRefresh(state: IssuerState): void {
    if (state.refresh !== undefined) clearTimeout(state.refresh);
    // Republish at half the validity: consumers never hold a CRL past its nextUpdate.
    state.refresh = setTimeout(() => markDirty(state), Math.max(1000, (options.validitySeconds * 1000) / 2));
    state.refresh.unref();
  }

  function markDirty(state: IssuerState): Promise<void> {
    state.isDirty = true;
    if (state.building !== undefined || isClosed) return state.building ?? Promise.resolve();
    state.building = (async () => {
      try {
        while (state.isDirty && !isClosed) {
          state.isDirty = false;
          try {
            await publishOnce(state);
          } catch (error) {
            onError(error);
          }
        }
      } finally {
        state.building = undefined;
      }
    })();
    return state.building;
  }

  return {
    issuerIds: [...states.keys()],
    async start(): Promise<number> {
      if (directory !== undefined) await mkdir(directory, { recursive: true });
      for (const state of states.values()) if (directory !== undefined) state.lastNumber = await lastCrlNumber(join(directory, `${state.issuer.id}.crl`));
      let last = 0;
      for (;;) {
        const page = await options.store.listRevocations(last, PAGE);
        for (const record of page) {
          states.get(record.issuerId)?.entries.push(entryOf(record));
          last = record.sequence;
        }
        if (page.length < PAGE) break;
      }
      await Promise.all([...states.values()].map((state) => markDirty(state)));
      return last;
    },
    onRevocation(event: RevocationEvent): void {
      const state = states.get(event.issuerId);
      if (state === undefined) return;
      state.entries.push(entryOf(event));
      void markDirty(state);
    },
    async current(issuerId: string): Promise<PublishedCrl | undefined> {
      const state = states.get(issuerId);
      if (state === undefined) return undefined;
      while (state.building !== undefined) await state.building;
      return state.published;
    },
    async close(): Promise<void> {
      isClosed = true;
      for (const state of states.values()) {
        if (state.refresh !== undefined) clearTimeout(state.refresh);
        if (state.building !== undefined) await state.building;
      }
    },
  };
}
