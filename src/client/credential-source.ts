import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SymbolonError } from '../errors.js';
import { CURRENT, readCredentialDir } from './credential-dir.js';
import type { Credential } from './credential.js';

/** The current credential of an agent's directory, re-read only when `current` moves. */
export interface CredentialSource {
  /** The credential `current` names now, with its version. */
  current(): Promise<Credential & { readonly version: string }>;
}

/**
 * Reads the agent's credential directory for a process that only uses it (the tunnel): one
 * readlink per call, the files read again only when the agent swapped `current`. Throws
 * `CLIENT_CREDENTIAL_DIR_INVALID` (also when the directory holds no credential yet).
 */
export function credentialDirSource(dir: string): CredentialSource {
  let cached: (Credential & { readonly version: string }) | undefined;
  return {
    async current() {
      const version = await readlink(join(dir, CURRENT)).catch(() => undefined);
      if (cached !== undefined && version === cached.version) return cached;
      // A version pruned between readlink and read: the next read finds the newer one.
      for (let attempt = 0; ; attempt++) {
        try {
          const held = await readCredentialDir(dir);
          if (held === undefined) throw new Error('no credential yet');
          cached = held;
          return held;
        } catch (error) {
          if (attempt >= 2) {
            throw error instanceof SymbolonError
              ? error
              : new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${dir}: ${(error as Error).message}; is the agent enrolled?`);
          }
        }
      }
    },
  };
}
