// The checks of mutation.test.ts, run by `runIsolated` in child processes, one input each. Each
// returns 'parsed' or the SymbolonError code the parser threw; any other exception fails the
// input, and a native abort (node:crypto on a hostile key) ends the child on it.
import assert from 'node:assert/strict';
import { createPublicKey, KeyObject } from 'node:crypto';
import { SymbolonError } from '../../src/errors.js';
import { parseCertificate, verifyCertificateSignature } from '../../src/x509/certificate.js';
import { parseCsr, verifyCsr } from '../../src/x509/csr/csr.js';
import { formatGeneralName } from '../../src/x509/general-name.js';
import { formatName } from '../../src/x509/name.js';

/** The environment variable that carries the fixtures' issuer key (SPKI, base64) to the child. */
export const ISSUER_SPKI_VARIABLE = 'SYMBOLON_TEST_ISSUER_SPKI';

let issuerKey: KeyObject | undefined;
function issuer(): KeyObject {
  issuerKey ??= createPublicKey({ key: Buffer.from(process.env[ISSUER_SPKI_VARIABLE] ?? '', 'base64'), format: 'der', type: 'spki' });
  return issuerKey;
}

/** Reads every field, deeply, and uses the parsed values the way callers do. */
function touch(value: unknown, depth = 0): void {
  if (depth > 40 || value === null || typeof value !== 'object') return;
  if (Buffer.isBuffer(value)) {
    void value.toString('hex');
    return;
  }
  if (value instanceof Date) {
    void value.toISOString();
    return;
  }
  if (value instanceof KeyObject) {
    void value.asymmetricKeyType;
    void value.asymmetricKeyDetails;
    return;
  }
  for (const key of Reflect.ownKeys(value)) touch((value as Record<PropertyKey, unknown>)[key], depth + 1);
}

function typedOutcome(run: () => void): string {
  try {
    run();
    return 'parsed';
  } catch (error) {
    if (error instanceof SymbolonError) return error.code;
    throw error;
  }
}

export function checkCertificate(input: Buffer): string {
  return typedOutcome(() => {
    const cert = parseCertificate(input);
    assert.ok(Object.isFrozen(cert));
    touch(cert);
    void formatName(cert.subject);
    void formatName(cert.issuer);
    for (const san of cert.subjectAltNames) void formatGeneralName(san);
    typedOutcome(() => void verifyCertificateSignature(cert, issuer()));
    typedOutcome(() => void verifyCertificateSignature(cert, cert));
  });
}

export function checkCsr(input: Buffer): string {
  return typedOutcome(() => {
    const csr = parseCsr(input, { checkSignature: false });
    assert.ok(Object.isFrozen(csr));
    touch(csr);
    void formatName(csr.subject);
    typedOutcome(() => verifyCsr(csr));
  });
}

export function checkArbitraryBytes(input: Buffer): string {
  typedOutcome(() => void parseCsr(input));
  return typedOutcome(() => void parseCertificate(input));
}
