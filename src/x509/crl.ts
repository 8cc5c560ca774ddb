import { createHash, KeyObject } from 'node:crypto';
import { DerNode, decodeDer, readBitString, readIntegerBytes, readSmallInteger, readTime, Tag } from '../asn1/index.js';
import { Asn1Error, SymbolonError } from '../errors.js';
import { bad, inExtension, readCrlExtensionViews, valueNode } from './crl-extensions.js';
import { readRawExtensions } from './extensions/raw-extensions.js';
import type { CertificateList, RevokedCertificate } from './crl-types.js';
import type { RevocationReason } from '../revocation-reason.js';
import { CRL_REASONS } from '../revocation-reason.js';
import { deepFreeze } from './deep-freeze.js';
import { readGeneralNames } from './extensions/decoding.js';
import type { Extension } from './extensions/types.js';
import type { GeneralName } from './general-name.js';
import { decodeName } from './name.js';
import { OID } from './oids.js';
import { faultAt, withCode } from '../asn1/index.js';
import { pemOrDerBlocks } from '../asn1/index.js';
import { formatSerialNumber } from './serial-number.js';
import { readSignatureAlgorithmField } from '../signatures/index.js';
import { verifySignature } from '../signatures/index.js';

/**
 * Largest DER CRL the full parser accepts: about 700,000 entries. It builds a frozen object per
 * entry (about 14 µs and a few hundred bytes each), so a bigger CRL is read with
 * `readRevokedSerials` (crl-revoked-set.ts), which has its own, larger cap.
 */
export const MAX_CRL_BYTES = 32 * 1024 * 1024;

const EXTENSIONS = 0xa0;

function readEntry(entry: DerNode, version: 1 | 2): RevokedCertificate {
  if (entry.tag !== Tag.SEQUENCE || entry.children.length < 2 || entry.children.length > 3) throw faultAt('CRL_MALFORMED', entry, 'a revoked certificate entry is not a SEQUENCE of serial, date and extensions');
  const serialNumberBytes = readIntegerBytes(entry.children[0]!);
  const revocationDate = readTime(entry.children[1]!);
  const extensionsNode = entry.children[2];
  let extensions: Extension[] = [];
  let reason: RevocationReason | undefined;
  let invalidityDate: Date | undefined;
  let certificateIssuer: GeneralName[] | undefined;
  if (extensionsNode !== undefined) {
    // RFC 5280 5.1.2.1: entry extensions only in v2 CRLs.
    if (version !== 2) throw faultAt('CRL_MALFORMED', extensionsNode, 'a v1 CRL entry carries extensions');
    extensions = readRawExtensions(extensionsNode, 'CRL_MALFORMED', 'CRL_DUPLICATE_EXTENSION');
    for (const extension of extensions) {
      if (extension.oid === OID.crlReason) {
        const node = valueNode(extension, extensionsNode);
        const code = inExtension('reasonCode', () => readSmallInteger(node, Tag.ENUMERATED));
        const named = CRL_REASONS[code];
        if (named === undefined) throw bad(node, `reasonCode ${code} is not a CRLReason`);
        reason = named;
      } else if (extension.oid === OID.invalidityDate) {
        const node = valueNode(extension, extensionsNode);
        // RFC 5280 5.3.2: invalidityDate is a GeneralizedTime.
        if (node.tag !== Tag.GENERALIZED_TIME) throw bad(node, 'invalidityDate is not a GeneralizedTime');
        invalidityDate = inExtension('invalidityDate', () => readTime(node));
      } else if (extension.oid === OID.certificateIssuer) {
        certificateIssuer = inExtension('certificateIssuer', () => readGeneralNames('certificateIssuer', valueNode(extension, extensionsNode)));
      }
    }
  }
  return { serialNumber: formatSerialNumber(serialNumberBytes), serialNumberBytes, revocationDate, reason, invalidityDate, certificateIssuer, extensions };
}

function readCrl(root: DerNode, der: Buffer): CertificateList {
  if (root.tag !== Tag.SEQUENCE || root.children.length !== 3) throw faultAt('CRL_MALFORMED', root, 'a CertificateList is a SEQUENCE of tbsCertList, signatureAlgorithm and signature');
  const [tbs, outerAlgorithm, signatureNode] = root.children as [DerNode, DerNode, DerNode];
  if (tbs.tag !== Tag.SEQUENCE) throw faultAt('CRL_MALFORMED', tbs, 'tbsCertList is not a SEQUENCE');
  const fields = tbs.children;
  let at = 0;
  let version: 1 | 2 = 1;
  // RFC 5280 5.1.2.1: version is absent (v1) or v2 (INTEGER 1).
  if (fields[0]?.tag === Tag.INTEGER) {
    const value = readSmallInteger(fields[at++]!);
    if (value !== 1) throw new SymbolonError('CRL_UNSUPPORTED_VERSION', `CRL version ${value} is not v2 (at byte ${fields[0].offset})`);
    version = 2;
  }
  const field = (what: string): DerNode => {
    const node = fields[at++];
    if (node === undefined) throw faultAt('CRL_MALFORMED', tbs, `tbsCertList ends before its ${what}`);
    return node;
  };
  const innerAlgorithm = field('signature');
  // RFC 5280 5.1.1.2: signatureAlgorithm MUST be the same as tbsCertList's signature field.
  if (!innerAlgorithm.bytes.equals(outerAlgorithm.bytes)) throw faultAt('CRL_MALFORMED', innerAlgorithm, 'the signature algorithm inside tbsCertList differs from the outer one');
  const { algorithm, oid } = readSignatureAlgorithmField(outerAlgorithm, 'CRL_MALFORMED');
  const issuerNode = field('issuer');
  const issuer = withCode('CRL_MALFORMED', () => decodeName(issuerNode));
  // RFC 5280 5.1.2.3: the issuer is a non-empty name.
  if (issuer.length === 0) throw faultAt('CRL_MALFORMED', issuerNode, 'the CRL issuer name is empty');
  const thisUpdate = readTime(field('thisUpdate'));
  let nextUpdate: Date | undefined;
  if (fields[at]?.tag === Tag.UTC_TIME || fields[at]?.tag === Tag.GENERALIZED_TIME) nextUpdate = readTime(fields[at++]!);
  let revokedCertificates: RevokedCertificate[] = [];
  if (fields[at]?.tag === Tag.SEQUENCE) {
    // RFC 5280 5.1.2.6 says an empty list is left out; an empty SEQUENCE is harmless and accepted.
    revokedCertificates = fields[at++]!.children.map((entry) => readEntry(entry, version));
  }
  let extensions: Extension[] = [];
  if (fields[at]?.tag === EXTENSIONS) {
    const wrapper = fields[at++]!;
    // RFC 5280 5.1.2.7: crlExtensions only in v2.
    if (version !== 2) throw faultAt('CRL_MALFORMED', wrapper, 'a v1 CRL carries extensions');
    if (wrapper.children.length !== 1) throw faultAt('CRL_MALFORMED', wrapper, 'crlExtensions must hold one SEQUENCE');
    extensions = readRawExtensions(wrapper.children[0]!, 'CRL_MALFORMED', 'CRL_DUPLICATE_EXTENSION');
  }
  if (at !== fields.length) throw faultAt('CRL_MALFORMED', fields[at]!, 'tbsCertList has a field out of place or unknown');
  const views = readCrlExtensionViews(extensions, tbs);
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw faultAt('CRL_MALFORMED', signatureNode, 'the signature BIT STRING has unused bits');
  return {
    der,
    tbs: tbs.bytes,
    version,
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    issuer,
    issuerDer: issuerNode.bytes,
    thisUpdate,
    nextUpdate,
    revokedCertificates,
    extensions,
    ...views,
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
  };
}

/**
 * Parses one DER CRL strictly (RFC 5280 5.1). Throws Asn1Error (ASN1_*) when the bytes are not one
 * well-framed DER element of at most MAX_CRL_BYTES; within the DER, CRL_MALFORMED,
 * CRL_UNSUPPORTED_VERSION, CRL_BAD_EXTENSION or CRL_DUPLICATE_EXTENSION. Unknown extensions,
 * critical or not, are kept raw: refusing a critical one is the user's job (path validation).
 */
export function parseCrl(input: Uint8Array): CertificateList {
  if (input.length > MAX_CRL_BYTES) throw new Asn1Error('ASN1_TOO_LARGE', 0, `a CRL of ${input.length} bytes is over the limit of ${MAX_CRL_BYTES}`);
  const der = Buffer.from(input);
  const root = decodeDer(der, { maxBytes: MAX_CRL_BYTES });
  return deepFreeze(withCode('CRL_MALFORMED', () => readCrl(root, der)));
}

/** Every CRL in a PEM text (`X509 CRL` blocks), or the one CRL of DER input. */
export function parseCrls(input: Uint8Array | string): CertificateList[] {
  return pemOrDerBlocks(input, 'X509 CRL').map(parseCrl);
}

/**
 * Does `issuer` (a public key, or a certificate) verify the CRL's signature? False for a signature
 * that does not verify or a key that does not fit; throws SIG_UNSUPPORTED_ALGORITHM for an
 * algorithm Symbolon does not run and KEY_UNSUPPORTED_TYPE for a key it cannot load.
 */
export function verifyCrlSignature(
  crl: Pick<CertificateList, 'signatureAlgorithm' | 'signatureAlgorithmOid' | 'tbs' | 'signature'>,
  issuer: KeyObject | { readonly publicKey: { readonly keyObject: KeyObject | undefined } }): boolean {
  const algorithm = crl.signatureAlgorithm;
  if (algorithm === undefined) throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${crl.signatureAlgorithmOid} is not supported`);
  const key = issuer instanceof KeyObject ? issuer : issuer.publicKey.keyObject;
  if (key === undefined) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', "the issuer's key cannot be used");
  return verifySignature(algorithm, key, crl.tbs, crl.signature);
}
