import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './revocation-harness.js';

/** A self-signed server certificate for 127.0.0.1, made by OpenSSL. */
export async function selfSignedServer(dir: string, name: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const made = await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=${name}`,
    '-days',
    '1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  if (made.code !== 0) throw new Error(made.output);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
