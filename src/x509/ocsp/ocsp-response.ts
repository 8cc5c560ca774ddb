import type { KeyObject } from 'node:crypto';
import { decodeDer, readBitString, readOctetString, readOid, readSmallInteger, readTime, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { CRL_REASONS } from '../../revocation-reason.js';
import { deepFreeze } from '../deep-freeze.js';
import type { Extension } from '../extensions/types.js';
import { decodeName } from '../name.js';
import { faultAt } from '../../asn1/index.js';
import { readSignatureAlgorithmField } from '../../signatures/index.js';
import { verifySignature } from '../../signatures/index.js';
import { readCertId } from './cert-id.js';
import { readNonce } from './nonce.js';
import { readRawExtensions } from '../extensions/raw-extensions.js';
import { explicitInner } from './ocsp-extensions.js';
import { OCSP_OID } from './ocsp-oids.js';
import { inOcsp } from './ocsp-parse-errors.js';
import { OCSP_RESPONSE_STATUSES } from './ocsp-types.js';
import type { BasicOcspResponse, CertStatus, OcspResponse, ResponderId, SingleResponse } from './ocsp-types.js';

/** Largest OCSP response accepted: a few hundred SingleResponses and a certificate chain. */
export const MAX_OCSP_RESPONSE_BYTES = 1024 * 1024;

const MALFORMED = 'OCSP_MALFORMED_RESPONSE';
const RESPONSE_BYTES = 0xa0;
const VERSION = 0xa0;
const BY_NAME = 0xa1;
const BY_KEY = 0xa2;
const RESPONSE_EXTENSIONS = 0xa1;
const NEXT_UPDATE = 0xa0;
const SINGLE_EXTENSIONS = 0xa1;
const GOOD = 0x80;
const REVOKED = 0xa1;
const UNKNOWN = 0x82;
const REVOCATION_REASON = 0xa0;
const CERTS = 0xa0;

function generalizedTime(node: DerNode | undefined, parent: DerNode, what: string): Date {
  // RFC 6960 4.2.1: every time in a response is a GeneralizedTime.
  if (node === undefined || node.tag !== Tag.GENERALIZED_TIME) throw faultAt(MALFORMED, node ?? parent, `${what} is not a GeneralizedTime`);
  return readTime(node);
}

function readCertStatus(node: DerNode): CertStatus {
  if (node.tag === GOOD || node.tag === UNKNOWN) {
    if (node.content.length !== 0) throw faultAt(MALFORMED, node, 'a good or unknown CertStatus has content');
    return { status: node.tag === GOOD ? 'good' : 'unknown' };
  }
  if (node.tag !== REVOKED || node.children.length < 1 || node.children.length > 2)
    throw faultAt(MALFORMED, node, 'CertStatus is not good [0], revoked [1] or unknown [2]');
  const revocationTime = generalizedTime(node.children[0], node, 'revocationTime');
  const reasonNode = node.children[1];
  if (reasonNode === undefined) return { status: 'revoked', revocationTime };
  if (reasonNode.tag !== REVOCATION_REASON) throw faultAt(MALFORMED, reasonNode, 'RevokedInfo has a field other than revocationReason');
  const code = readSmallInteger(explicitInner(reasonNode, MALFORMED, 'revocationReason'), Tag.ENUMERATED);
  const revocationReason = CRL_REASONS[code];
  if (revocationReason === undefined) throw faultAt(MALFORMED, reasonNode, `revocationReason ${code} is not a CRLReason`);
  return { status: 'revoked', revocationTime, revocationReason };
}

function readSingleResponse(node: DerNode): SingleResponse {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 3 || node.children.length > 5)
    throw faultAt(MALFORMED, node, 'a SingleResponse is not a SEQUENCE of certID, certStatus, thisUpdate and options');
  const [certIdNode, statusNode, thisUpdateNode] = node.children as [DerNode, DerNode, DerNode];
  const certId = readCertId(certIdNode, MALFORMED);
  const certStatus = readCertStatus(statusNode);
  const thisUpdate = generalizedTime(thisUpdateNode, node, 'thisUpdate');
  let at = 3;
  let nextUpdate: Date | undefined;
  if (node.children[at]?.tag === NEXT_UPDATE)
    nextUpdate = generalizedTime(explicitInner(node.children[at++]!, MALFORMED, 'nextUpdate'), node, 'nextUpdate');
  let extensions: Extension[] = [];
  if (node.children[at]?.tag === SINGLE_EXTENSIONS)
    extensions = readRawExtensions(explicitInner(node.children[at++]!, MALFORMED, 'singleExtensions'), MALFORMED);
  if (at !== node.children.length) throw faultAt(MALFORMED, node.children[at]!, 'a SingleResponse has a field out of place or unknown');
  return { certId, certStatus, thisUpdate, nextUpdate, extensions };
}

function readResponderId(node: DerNode | undefined, parent: DerNode): ResponderId {
  if (node?.tag === BY_KEY) {
    // RFC 6960 4.2.2.3: KeyHash is a SHA-1 hash, 20 octets.
    const keyHash = readOctetString(explicitInner(node, MALFORMED, 'byKey'));
    if (keyHash.length !== 20) throw faultAt(MALFORMED, node, 'a byKey ResponderID is not a 20-octet SHA-1 hash');
    return { type: 'byKey', keyHash };
  }
  if (node?.tag === BY_NAME) {
    const nameNode = explicitInner(node, MALFORMED, 'byName');
    return { type: 'byName', name: decodeName(nameNode), nameDer: nameNode.bytes };
  }
  throw faultAt(MALFORMED, node ?? parent, 'ResponderID is neither byName [1] nor byKey [2]');
}

function readBasicResponse(node: DerNode): BasicOcspResponse {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 3 || node.children.length > 4)
    throw faultAt(MALFORMED, node, 'a BasicOCSPResponse is not a SEQUENCE of tbsResponseData, signatureAlgorithm, signature and certs');
  const [tbs, algorithmNode, signatureNode, certsNode] = node.children as [DerNode, DerNode, DerNode, DerNode | undefined];
  if (tbs.tag !== Tag.SEQUENCE) throw faultAt(MALFORMED, tbs, 'tbsResponseData is not a SEQUENCE');
  const fields = tbs.children;
  let at = 0;
  if (fields[at]?.tag === VERSION) {
    const version = readSmallInteger(explicitInner(fields[at]!, MALFORMED, 'version'));
    if (version !== 0) throw faultAt(MALFORMED, fields[at]!, `response version ${version} is not v1`);
    at++;
  }
  const responderId = readResponderId(fields[at++], tbs);
  const producedAt = generalizedTime(fields[at++], tbs, 'producedAt');
  const list = fields[at++];
  if (list === undefined || list.tag !== Tag.SEQUENCE) throw faultAt(MALFORMED, list ?? tbs, 'tbsResponseData has no responses');
  const responses = list.children.map(readSingleResponse);
  let extensions: Extension[] = [];
  if (fields[at]?.tag === RESPONSE_EXTENSIONS)
    extensions = readRawExtensions(explicitInner(fields[at++]!, MALFORMED, 'responseExtensions'), MALFORMED);
  if (at !== fields.length) throw faultAt(MALFORMED, fields[at]!, 'tbsResponseData has a field out of place or unknown');
  const { algorithm, oid } = readSignatureAlgorithmField(algorithmNode, MALFORMED);
  const signature = readBitString(signatureNode);
  if (signature.unusedBits !== 0) throw faultAt(MALFORMED, signatureNode, 'the signature BIT STRING has unused bits');
  let certificates: Buffer[] = [];
  if (certsNode !== undefined) {
    if (certsNode.tag !== CERTS) throw faultAt(MALFORMED, certsNode, 'a BasicOCSPResponse has a field other than certs');
    const certList = explicitInner(certsNode, MALFORMED, 'certs');
    if (certList.tag !== Tag.SEQUENCE || certList.children.some((child) => child.tag !== Tag.SEQUENCE))
      throw faultAt(MALFORMED, certList, 'certs is not a SEQUENCE OF Certificate');
    certificates = certList.children.map((child) => child.bytes);
  }
  return {
    tbsResponseData: tbs.bytes,
    responderId,
    producedAt,
    responses,
    nonce: readNonce(extensions),
    extensions,
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signature: signature.bytes,
    certificates,
  };
}

function readOcspResponse(root: DerNode, input: Buffer): OcspResponse {
  if (root.tag !== Tag.SEQUENCE || root.children.length < 1 || root.children.length > 2)
    throw faultAt(MALFORMED, root, 'an OCSPResponse is a SEQUENCE of responseStatus and responseBytes');
  const statusNode = root.children[0]!;
  const status = OCSP_RESPONSE_STATUSES[readSmallInteger(statusNode, Tag.ENUMERATED)];
  if (status === undefined) throw faultAt(MALFORMED, statusNode, 'responseStatus is not an OCSPResponseStatus');
  const bytesNode = root.children[1];
  // RFC 6960 4.2.1: responseBytes come with a successful status, and only then.
  if (status !== 'successful') {
    if (bytesNode !== undefined) throw faultAt(MALFORMED, bytesNode, `a ${status} response carries responseBytes`);
    return { der: input, status, basic: undefined };
  }
  if (bytesNode === undefined || bytesNode.tag !== RESPONSE_BYTES)
    throw faultAt(MALFORMED, bytesNode ?? root, 'a successful response has no responseBytes');
  const responseBytes = explicitInner(bytesNode, MALFORMED, 'responseBytes');
  if (responseBytes.tag !== Tag.SEQUENCE || responseBytes.children.length !== 2)
    throw faultAt(MALFORMED, responseBytes, 'ResponseBytes is not a SEQUENCE of responseType and response');
  const type = readOid(responseBytes.children[0]!);
  if (type !== OCSP_OID.basicResponse) throw faultAt(MALFORMED, responseBytes, `response type ${type} is not id-pkix-ocsp-basic`);
  const octets = responseBytes.children[1]!;
  if (octets.tag !== Tag.OCTET_STRING) throw faultAt(MALFORMED, octets, 'the response is not an OCTET STRING');
  const basicNode = decodeDer(octets.content);
  return { der: input, status, basic: readBasicResponse(basicNode) };
}

/**
 * Parses one DER OCSPResponse strictly (RFC 6960 4.2.1), a BasicOCSPResponse when successful.
 * Throws `OCSP_MALFORMED_RESPONSE` (bad DER, over MAX_OCSP_RESPONSE_BYTES, wrong fields),
 * `OCSP_UNSUPPORTED_HASH` for a CertID hash other than SHA-1 or SHA-256, `OCSP_BAD_NONCE`.
 * The signature is not checked here: see `verifyOcspResponseSignature`.
 */
export function parseOcspResponse(input: Uint8Array): OcspResponse {
  if (input.length > MAX_OCSP_RESPONSE_BYTES)
    throw new SymbolonError(MALFORMED, `an OCSP response of ${input.length} bytes is over the limit of ${MAX_OCSP_RESPONSE_BYTES}`);
  const copy = Buffer.from(input);
  return deepFreeze(inOcsp(MALFORMED, () => readOcspResponse(decodeDer(copy, { maxBytes: MAX_OCSP_RESPONSE_BYTES }), copy)));
}

/**
 * Does `key` (the responder's public key) verify the response's signature over
 * tbsResponseData? False for a signature that does not verify; throws
 * `SIG_UNSUPPORTED_ALGORITHM` for an algorithm Symbolon does not run.
 */
export function verifyOcspResponseSignature(basic: BasicOcspResponse, key: KeyObject): boolean {
  const algorithm = basic.signatureAlgorithm;
  if (algorithm === undefined)
    throw new SymbolonError('SIG_UNSUPPORTED_ALGORITHM', `signature algorithm ${basic.signatureAlgorithmOid} is not supported`);
  return verifySignature(algorithm, key, basic.tbsResponseData, basic.signature);
}
