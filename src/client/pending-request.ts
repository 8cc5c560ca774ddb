import { createPrivateKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCodeOf, SymbolonError } from '../errors.js';
import { DISK_WRITER } from './credential-dir.js';

/**
 * A key and the CSR made for it that the CA holds for approval (RFC 7030 4.2.3: answered 202). The
 * CA finds a held enrollment by its CSR, byte for byte, so every retry must send this one: a new
 * CSR (even for the same key: ECDSA signatures differ) would be a second enrollment, taking
 * another use of the token, and the one an operator approved would never be collected.
 */
export interface PendingRequest {
  /** What the request was made for (the operation, the token or certificate, the names): sent again only for the same. */
  readonly purpose: string;
  readonly privateKey: KeyObject;
  /** The DER of the CSR as it was sent. */
  readonly csr: Buffer;
}

/** Where the request the CA holds is kept between attempts. */
export interface PendingRequestStore {
  load(): Promise<PendingRequest | undefined>;
  save(request: PendingRequest): Promise<void>;
  clear(): Promise<void>;
}

/** A pending request kept in memory: the SDK's, for the life of the client. */
export function pendingRequestInMemory(): PendingRequestStore {
  let held: PendingRequest | undefined;
  return {
    load: () => Promise.resolve(held),
    save: (request) => {
      held = request;
      return Promise.resolve();
    },
    clear: () => {
      held = undefined;
      return Promise.resolve();
    },
  };
}

export const PENDING_REQUEST_FILE = 'pending-request.json';

/** Longest pending-request file read: a key and a CSR take a few KiB. */
const MAX_FILE_BYTES = 64 * 1024;

/**
 * A pending request kept in the credential directory (`pending-request.json`, 0600: it holds the
 * key), so that the agent's next run (`--once` from cron, or after a restart) sends the same
 * request. Written whole (a temporary file renamed over it). A file that cannot be read as one
 * counts as none: the next attempt makes a new request.
 */
export function pendingRequestFile(dir: string): PendingRequestStore {
  const path = join(dir, PENDING_REQUEST_FILE);
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (errorCodeOf(error) === 'ENOENT') return undefined;
        throw new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', `${path}: ${(error as Error).message}`, { cause: error });
      }
      if (text.length > MAX_FILE_BYTES) return undefined;
      try {
        const parsed = JSON.parse(text) as { purpose?: unknown; keyPem?: unknown; csr?: unknown };
        if (typeof parsed.purpose !== 'string' || typeof parsed.keyPem !== 'string' || typeof parsed.csr !== 'string') return undefined;
        return { purpose: parsed.purpose, privateKey: createPrivateKey(parsed.keyPem), csr: Buffer.from(parsed.csr, 'base64') };
      } catch {
        return undefined;
      }
    },
    async save(request) {
      // `.tmp-` names are what prepareCredentialDir removes after a writer was killed.
      const temp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
      const text = JSON.stringify({
        purpose: request.purpose,
        keyPem: request.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        csr: request.csr.toString('base64'),
      });
      try {
        await DISK_WRITER.writeFile(temp, text + '\n', 0o600);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw new SymbolonError(
          'CLIENT_CREDENTIAL_WRITE_FAILED',
          `${path}: ${error instanceof Error ? error.message : String(error)}; the request the CA holds could not be kept`,
          { cause: error },
        );
      }
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
