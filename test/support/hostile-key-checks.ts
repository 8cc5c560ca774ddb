// Checks run by `runIsolated` in a child process, one input each: the library functions that
// read key material from outside. Each returns the SymbolonError code it threw, or 'accepted';
// any other exception fails the input, and a native abort ends the child on it.
import { isSymbolonError } from '../../src/errors.js';
import {
  importPrivateKey,
  importPrivateKeyForInspection,
  importPublicKey,
  importPublicKeyForInspection,
  describeKey,
} from '../../src/keys/index.js';
import {
  parseCertificate,
  parseCsr,
  parsePublicKeyInfoDer,
  signatureAlgorithm,
  verifyCertificateSignature,
  verifySignature,
} from '../../src/x509/index.js';

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    if (isSymbolonError(error)) return error.code;
    throw error;
  }
}

export const publicKey = (input: Buffer): Promise<string> =>
  codeOf(() => {
    describeKey(importPublicKey(input));
  });

export const publicKeyForInspection = (input: Buffer): Promise<string> =>
  codeOf(() => {
    describeKey(importPublicKeyForInspection(input));
  });

export const privateKey = (input: Buffer): Promise<string> => codeOf(async () => void describeKey(await importPrivateKey(input)));

export const privateKeyForInspection = (input: Buffer): Promise<string> =>
  codeOf(async () => void describeKey(await importPrivateKeyForInspection(input)));

/** The SPKI reader, then every use of the key a caller makes. */
export const publicKeyInfo = (input: Buffer): Promise<string> =>
  codeOf(() => {
    const info = parsePublicKeyInfoDer(input, 'KEY_MALFORMED');
    if (info.keyObject !== undefined) describeKey(info.keyObject);
    verifySignature(signatureAlgorithm('ecdsa-with-SHA256'), input, Buffer.from('data'), Buffer.from([0x30, 0]));
  });

export const certificate = (input: Buffer): Promise<string> =>
  codeOf(() => {
    const parsed = parseCertificate(input);
    if (parsed.publicKey.keyObject !== undefined) describeKey(parsed.publicKey.keyObject);
    verifyCertificateSignature(parsed, parsed);
  });

export const csr = (input: Buffer): Promise<string> => codeOf(() => void parseCsr(input));
