import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuingCa } from '../ca/index.js';
import type { RevocationEvent } from '../events/index.js';
import { writePublicKeyFile } from '../keys/index.js';
import { errorCodeOf, SymbolonError } from '../errors.js';
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
  /** RFC 5280 5.2.4: for a delta CRL, the cRLNumber of the full CRL it updates; undefined for a full CRL. */
  readonly baseCrlNumber: bigint | undefined;
}

/** The strong validator of a published CRL: its number and a digest of its bytes. */
export function crlEtag(crlNumber: bigint, der: Uint8Array): string {
  return `"${crlNumber.toString(16)}-${createHash('sha256').update(der).digest('hex').slice(0, 16)}"`;
}

/** Delta CRLs (RFC 5280 5.2.4) beside the full ones. */
export interface DeltaCrlOptions {
  /** Seconds between delta CRLs (each is also republished at once after a revocation); each is valid for twice this. */
  readonly intervalSeconds: number;
  /** The URL of an issuer's delta CRL, put in the full CRL's Freshest CRL extension (5.2.6); undefined puts none. */
  readonly url: ((issuerId: string) => string) | undefined;
}

export interface CrlPublisherOptions {
  readonly store: Store;
  /** Every issuer whose key is unlocked: each gets its own full CRL, signed with its key. */
  readonly issuers: readonly Pick<IssuingCa, 'id' | 'signer' | 'nameDer' | 'keyIdentifier'>[];
  readonly clock: () => Date;
  /** nextUpdate - thisUpdate. The CRL is republished at half of it, well before nextUpdate. */
  readonly validitySeconds: number;
  /**
   * When set, revocations go into delta CRLs at once and the full CRL is republished on its own
   * schedule only (at half its validity): the base a delta CRL names stays the published one.
   */
  readonly deltaCrl?: DeltaCrlOptions | undefined;
  /** Where `<issuer>.crl` (DER) and `<issuer>.crl.pem` are written (and `<issuer>-delta.crl[.pem]`); undefined writes nothing. */
  readonly directory: string | undefined;
  readonly onPublished?: (crl: PublishedCrl) => void;
  /**
   * Told of every CRL file write when `directory` is set: `error` (`CRL_WRITE_FAILED`) when the
   * file could not be written (the CRL is still served from memory), undefined when it was.
   */
  readonly onFileWrite?: (result: CrlFileWrite) => void;
  readonly onError?: (error: unknown) => void;
}

/** The outcome of writing one published CRL to its files. */
export interface CrlFileWrite {
  /** `<issuer>` or `<issuer>-delta`: the file name without `.crl`. */
  readonly name: string;
  readonly path: string;
  readonly crlNumber: bigint;
  readonly error: SymbolonError | undefined;
}

/**
 * Full CRLs per issuer (RFC 5280 5.1, version 2, cRLNumber and authorityKeyIdentifier), kept
 * current: published at start, again within moments of each revocation (bursts coalesce into
 * one build), and again at half their validity. With delta CRLs on, a revocation republishes the
 * issuer's delta CRL instead, which lists every revocation since the full CRL it names.
 */
export interface CrlPublisher {
  readonly issuerIds: readonly string[];
  /** Loads every stored revocation, publishes each issuer's CRL; returns the last sequence read. */
  start(): Promise<number>;
  /** Adds a revocation from the feed and republishes its issuer's CRL. */
  onRevocation(event: RevocationEvent): void;
  /** The CRL listing every revocation known when called (waits for a build under way), or undefined for an issuer it does not publish. */
  current(issuerId: string): Promise<PublishedCrl | undefined>;
  /** The issuer's delta CRL (waits for a build under way); undefined when delta CRLs are off or the issuer is not published. */
  currentDelta(issuerId: string): Promise<PublishedCrl | undefined>;
  close(): Promise<void>;
}

interface IssuerState {
  readonly issuer: CrlPublisherOptions['issuers'][number];
  readonly entries: RevokedEntry[];
  published: PublishedCrl | undefined;
  /** Entries the published full CRL lists: the delta CRL lists those after them. */
  baseCount: number;
  delta: PublishedCrl | undefined;
  /** Full and delta CRLs share one cRLNumber sequence (RFC 5280 5.2.4). */
  lastNumber: bigint | undefined;
  isDirty: boolean;
  isDeltaDirty: boolean;
  building: Promise<void> | undefined;
  refresh: NodeJS.Timeout | undefined;
  deltaRefresh: NodeJS.Timeout | undefined;
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
  const { clock, directory, deltaCrl, onError = () => undefined } = options;
  const states = new Map<string, IssuerState>(
    options.issuers.map((issuer) => [
      issuer.id,
      {
        issuer,
        entries: [],
        published: undefined,
        baseCount: 0,
        delta: undefined,
        lastNumber: undefined,
        isDirty: true,
        isDeltaDirty: false,
        building: undefined,
        refresh: undefined,
        deltaRefresh: undefined,
      },
    ]),
  );
  let isClosed = false;

  async function publishOnce(state: IssuerState, isDelta: boolean): Promise<void> {
    const now = clock();
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const validitySeconds = isDelta && deltaCrl !== undefined ? 2 * deltaCrl.intervalSeconds : options.validitySeconds;
    const nextUpdate = new Date(thisUpdate.getTime() + validitySeconds * 1000);
    const crlNumber = nextCrlNumber(state.lastNumber, now);
    // Read before the first await: revocations arriving while this one signs go into the next.
    const count = state.entries.length;
    const base = state.published;
    const freshestCrl = !isDelta && deltaCrl?.url !== undefined ? { freshestCrl: [deltaCrl.url(state.issuer.id)] } : {};
    const der = await buildCrl(
      {
        issuer: state.issuer.nameDer,
        thisUpdate,
        nextUpdate,
        crlNumber,
        authorityKeyIdentifier: state.issuer.keyIdentifier,
        // RFC 5280 5.2.4: a delta CRL lists what changed since its base, the full CRL it names.
        revokedCertificates: isDelta ? state.entries.slice(state.baseCount, count) : state.entries.slice(0, count),
        ...(isDelta && base !== undefined ? { deltaCrlIndicator: base.crlNumber } : {}),
        ...freshestCrl,
      },
      state.issuer.signer,
    );
    state.lastNumber = crlNumber;
    const etag = crlEtag(crlNumber, der);
    const crl: PublishedCrl = Object.freeze({
      issuerId: state.issuer.id,
      der,
      crlNumber,
      thisUpdate,
      nextUpdate,
      etag,
      entries: isDelta ? count - state.baseCount : count,
      baseCrlNumber: isDelta ? base?.crlNumber : undefined,
    });
    const name = isDelta ? `${state.issuer.id}-delta` : state.issuer.id;
    if (isDelta) {
      state.delta = crl;
    } else {
      state.published = crl;
      state.baseCount = count;
    }
    scheduleRefresh(state, isDelta);
    options.onPublished?.(crl);
    if (directory !== undefined) {
      const path = join(directory, `${name}.crl`);
      let failure: SymbolonError | undefined;
      try {
        await writePublicKeyFile(path, der, { overwrite: true });
        await writePublicKeyFile(`${path}.pem`, toPem('X509 CRL', der), { overwrite: true });
      } catch (error) {
        // A full or read-only disk: the CRL is served from memory all the same, and the file is said to be stale.
        const cause = errorCodeOf(error instanceof SymbolonError ? error.cause : error) ?? errorCodeOf(error) ?? 'error';
        failure = new SymbolonError(
          'CRL_WRITE_FAILED',
          `CRL ${crlNumber} of ${state.issuer.id} could not be written to ${path} (${cause}); it is served over HTTP, the file there is older or missing`,
          { cause: error },
        );
        onError(failure);
      }
      options.onFileWrite?.({ name, path, crlNumber, error: failure });
    }
  }

  function scheduleRefresh(state: IssuerState, isDelta: boolean): void {
    if (isDelta) {
      if (state.deltaRefresh !== undefined) clearTimeout(state.deltaRefresh);
      // Delta CRLs are scheduled only when configured.
      if (deltaCrl === undefined) return;
      state.deltaRefresh = setTimeout(() => void markDirty(state, true), Math.max(1000, deltaCrl.intervalSeconds * 1000));
      state.deltaRefresh.unref();
      return;
    }
    if (state.refresh !== undefined) clearTimeout(state.refresh);
    // Republish at half the validity: consumers never hold a CRL past its nextUpdate.
    state.refresh = setTimeout(() => void markDirty(state, false), Math.max(1000, (options.validitySeconds * 1000) / 2));
    state.refresh.unref();
  }

  /** One build loop per issuer, so full and delta CRLs never take the same cRLNumber. */
  function markDirty(state: IssuerState, isDelta: boolean): Promise<void> {
    if (isDelta) state.isDeltaDirty = true;
    else state.isDirty = true;
    if (state.building !== undefined || isClosed) return state.building ?? Promise.resolve();
    state.building = (async () => {
      try {
        while ((state.isDirty || state.isDeltaDirty) && !isClosed) {
          const isFull = state.isDirty;
          if (isFull) {
            state.isDirty = false;
            // A new base: the delta CRL must name it and drop what it now lists.
            if (deltaCrl !== undefined) state.isDeltaDirty = true;
          } else {
            state.isDeltaDirty = false;
          }
          try {
            await publishOnce(state, !isFull);
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
      // A directory that cannot be made is reported by each file write that then fails; CRLs are served all the same.
      if (directory !== undefined) await mkdir(directory, { recursive: true }).catch(() => undefined);
      for (const state of states.values()) {
        if (directory === undefined) continue;
        const full = await lastCrlNumber(join(directory, `${state.issuer.id}.crl`));
        const delta = await lastCrlNumber(join(directory, `${state.issuer.id}-delta.crl`));
        state.lastNumber = full === undefined || (delta !== undefined && delta > full) ? delta : full;
      }
      let last = 0;
      for (;;) {
        const page = await options.store.listRevocations(last, PAGE);
        for (const record of page) {
          states.get(record.issuerId)?.entries.push(entryOf(record));
          last = record.sequence;
        }
        if (page.length < PAGE) break;
      }
      await Promise.all([...states.values()].map((state) => markDirty(state, false)));
      return last;
    },
    onRevocation(event: RevocationEvent): void {
      const state = states.get(event.issuerId);
      if (state === undefined) return;
      state.entries.push(entryOf(event));
      void markDirty(state, deltaCrl !== undefined);
    },
    async current(issuerId: string): Promise<PublishedCrl | undefined> {
      const state = states.get(issuerId);
      if (state === undefined) return undefined;
      while (state.building !== undefined) await state.building;
      return state.published;
    },
    async currentDelta(issuerId: string): Promise<PublishedCrl | undefined> {
      const state = states.get(issuerId);
      if (state === undefined || deltaCrl === undefined) return undefined;
      while (state.building !== undefined) await state.building;
      return state.delta;
    },
    async close(): Promise<void> {
      isClosed = true;
      for (const state of states.values()) {
        if (state.refresh !== undefined) clearTimeout(state.refresh);
        if (state.deltaRefresh !== undefined) clearTimeout(state.deltaRefresh);
        if (state.building !== undefined) await state.building;
      }
    },
  };
}
