import { describeKey } from '../../../keys/index.js';
import type { KeyInfo } from '../../../keys/index.js';
import { formatName } from '../../../x509/index.js';
import type { PublicKeyInfo } from '../../../x509/index.js';
import type {
  InspectedCertificate,
  InspectedCsr,
  InspectedObject,
  InspectedPrivateKey,
  InspectedPublicKey,
  ObjectSource,
} from '../inspected-object.js';
import type { SignatureCheck } from '../signature-check.js';
import { validityAt } from '../validity-status.js';
import { extensionsJson } from './extensions-json.js';

function sourceJson(source: ObjectSource): Record<string, unknown> {
  return { format: source.format, pemLabel: source.pemLabel ?? null };
}

function checkJson(check: SignatureCheck): Record<string, unknown> {
  return check.result === 'unverifiable'
    ? { result: check.result, code: check.code, reason: check.reason }
    : { result: check.result, code: null, reason: null };
}

function publicKeyInfoJson(publicKey: PublicKeyInfo): Record<string, unknown> {
  return {
    algorithm: publicKey.algorithm,
    algorithmOid: publicKey.algorithmOid,
    curve: publicKey.curve ?? null,
    bits: publicKey.bits ?? null,
    spkiSha256: publicKey.keyObject === undefined ? null : describeKey(publicKey.keyObject).spkiSha256,
  };
}

function keyInfoJson(key: KeyInfo | undefined): Record<string, unknown> {
  return {
    type: key?.type ?? null,
    curve: key?.curve ?? null,
    bits: key?.bits ?? null,
    summary: key?.summary ?? null,
    spkiSha256: key?.spkiSha256 ?? null,
  };
}

function certificateJson(object: InspectedCertificate, now: Date): Record<string, unknown> {
  const { certificate: c, issuerSignature } = object;
  return {
    kind: object.kind,
    source: sourceJson(object.source),
    version: c.version,
    serialNumber: c.serialNumber,
    hasConformingSerialNumber: c.hasConformingSerialNumber,
    subject: formatName(c.subject),
    issuer: formatName(c.issuer),
    isSelfIssued: c.isSelfIssued,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    validityStatus: validityAt(c.notBefore, c.notAfter, now).status,
    publicKey: publicKeyInfoJson(c.publicKey),
    signatureAlgorithm: c.signatureAlgorithm?.name ?? null,
    signatureAlgorithmOid: c.signatureAlgorithmOid,
    ...extensionsJson(c, c.extensions),
    fingerprintSha256: c.fingerprintSha256,
    issuerSignature:
      issuerSignature === undefined ? null : { checkedAgainst: issuerSignature.checkedAgainst, ...checkJson(issuerSignature.check) },
  };
}

function csrJson(object: InspectedCsr): Record<string, unknown> {
  const { csr } = object;
  return {
    kind: object.kind,
    source: sourceJson(object.source),
    version: csr.version,
    subject: formatName(csr.subject),
    publicKey: publicKeyInfoJson(csr.publicKey),
    signatureAlgorithm: csr.signatureAlgorithm?.name ?? null,
    signatureAlgorithmOid: csr.signatureAlgorithmOid,
    signatureCheck: checkJson(object.signatureCheck),
    ...extensionsJson(csr, csr.extensions),
    hasChallengePassword: csr.challengePassword !== undefined,
    attributes: csr.attributes.map((attribute) => attribute.oid),
  };
}

function privateKeyJson(object: InspectedPrivateKey): Record<string, unknown> {
  const scheme = object.encryption;
  return {
    kind: object.kind,
    source: sourceJson(object.source),
    isEncrypted: object.isEncrypted,
    encryption:
      scheme === undefined
        ? null
        : {
            scheme: scheme.scheme,
            keyDerivation: scheme.keyDerivation ?? null,
            iterations: scheme.iterations ?? null,
            cipher: scheme.cipher ?? null,
          },
    ...keyInfoJson(object.key),
    isSupported: object.key === undefined ? null : object.unsupportedReason === undefined,
    unsupportedReason: object.unsupportedReason ?? null,
  };
}

function publicKeyJson(object: InspectedPublicKey): Record<string, unknown> {
  return {
    kind: object.kind,
    source: sourceJson(object.source),
    ...keyInfoJson(object.key),
    isSupported: object.unsupportedReason === undefined,
    unsupportedReason: object.unsupportedReason ?? null,
  };
}

function objectJson(object: InspectedObject, now: Date): Record<string, unknown> {
  switch (object.kind) {
    case 'certificate':
      return certificateJson(object, now);
    case 'csr':
      return csrJson(object);
    case 'privateKey':
      return privateKeyJson(object);
    case 'publicKey':
      return publicKeyJson(object);
  }
}

/**
 * The JSON document of `inspect --json`: an array with one object per input object, in order,
 * each with a `kind` (certificate, csr, privateKey, publicKey). Field names follow Certificate
 * and Csr; every field is always present (null when absent); dates are ISO 8601, bytes lowercase hex.
 */
export function jsonReport(objects: readonly InspectedObject[], now: Date): string {
  return (
    JSON.stringify(
      objects.map((object) => objectJson(object, now)),
      null,
      2,
    ) + '\n'
  );
}
