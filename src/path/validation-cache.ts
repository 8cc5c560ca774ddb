import { BoundedCache } from '../bounded-cache.js';
import type { PathResult } from './path-result.js';

export interface ValidationCacheOptions {
  /** Most leaves remembered per context; the least recently used goes first (BoundedCache). */
  readonly maxEntries?: number;
  /**
   * How long a refusal is remembered. 0 (the default) remembers none: a refusal can depend on
   * the intermediates a client sent, so the same leaf may validate with a better chain.
   */
  readonly failureTtlMs?: number;
}

interface Entry {
  readonly result: PathResult;
  readonly expiresAtMs: number;
}

/** Contexts kept at once: a new trust-bundle version makes the old ones useless soon after. */
const MAX_CONTEXTS = 4;

/**
 * Validation results by leaf fingerprint within a context: the trust-bundle version, plus
 * anything else the answer depends on that the caller varies (the purpose, a CRL set version),
 * for example `${bundle.version}:client`. A valid result is kept until its `validUntil`, so a
 * gateway pays for a chain once per certificate; revocation of a cached leaf is the caller's
 * revoked set, checked on every request. Time comes in as an argument, as everywhere in the core.
 */
export class ValidationCache {
  private readonly contexts = new BoundedCache<string, BoundedCache<string, Entry>>(MAX_CONTEXTS);
  private readonly maxEntries: number;
  private readonly failureTtlMs: number;

  constructor(options: ValidationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.failureTtlMs = options.failureTtlMs ?? 0;
  }

  /** The remembered result for this leaf in this context at `nowMs`, or undefined. */
  get(leafFingerprint: string, context: string, nowMs: number): PathResult | undefined {
    const entries = this.contexts.get(context);
    if (entries === undefined) return undefined;
    const entry = entries.get(leafFingerprint);
    if (entry === undefined) return undefined;
    if (nowMs > entry.expiresAtMs) {
      entries.delete(leafFingerprint);
      return undefined;
    }
    return entry.result;
  }

  /** Remembers a result found at `nowMs` (refusals only when failureTtlMs is positive). */
  set(leafFingerprint: string, context: string, result: PathResult, nowMs: number): void {
    const expiresAtMs = result.ok ? result.validUntil.getTime() : nowMs + this.failureTtlMs;
    if (expiresAtMs <= nowMs) return;
    let entries = this.contexts.get(context);
    if (entries === undefined) {
      entries = new BoundedCache(this.maxEntries);
      this.contexts.set(context, entries);
    }
    entries.set(leafFingerprint, { result, expiresAtMs });
  }

  /** Entries held, over every context. */
  get size(): number {
    let total = 0;
    for (const entries of this.contexts.values()) total += entries.size;
    return total;
  }

  clear(): void {
    this.contexts.clear();
  }
}
