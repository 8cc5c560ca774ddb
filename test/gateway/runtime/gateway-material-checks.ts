// The check of gateway-material.test.ts, run by `runIsolated` in a child process: the gateway
// loads its listener's certificate and the key file given as the input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSymbolonError } from '../../../src/errors.js';
import { loadServerIdentity } from '../../../src/gateway/runtime/gateway-material.js';

/** The environment variable carrying the listener's certificate (PEM) to the child. */
export const CERTIFICATE_VARIABLE = 'SYMBOLON_TEST_LISTENER_CERTIFICATE';

export async function loadKeyFile(key: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'symbolon-material-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), process.env[CERTIFICATE_VARIABLE] ?? '');
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    await loadServerIdentity(join(dir, 'cert.pem'), join(dir, 'key.pem'));
    return 'loaded';
  } catch (error) {
    if (isSymbolonError(error)) return error.code;
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
