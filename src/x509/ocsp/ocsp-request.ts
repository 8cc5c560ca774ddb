import { decodeDer, readBitString, readOid, readSmallInteger, Tag } from '../../asn1/index.js';
import type { DerNode } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { deepFreeze } from '../deep-freeze.js';
import type { Extension } from '../extensions/types.js';
import { decodeGeneralName } from '../general-name.js';
import type { GeneralName } from '../general-name.js';
import { faultAt } from '../../asn1/index.js';
import { readCertId } from './cert-id.js';
import { readNonce } from './nonce.js';
import { readRawExtensions } from '../extensions/raw-extensions.js';
import { explicitInner } from './ocsp-extensions.js';
import { inOcsp } from './ocsp-parse-errors.js';
import type { OcspRequest, SingleRequest } from './ocsp-types.js';

/**
 * Largest OCSP request accepted. An unsigned request for one certificate is about 80 octets
 * (RFC 5019 GET requests fit 255 after base64); 16 KiB leaves room for a signed request with
 * its certificates and for a couple of hundred CertIDs.
 */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;

const MALFORMED = 'OCSP_MALFORMED_REQUEST';
// TBSRequest and Request fields (RFC 6960 4.1.1: the module has EXPLICIT tags).
const VERSION = 0xa0;
const REQUESTOR_NAME = 0xa1;
const REQUEST_EXTENSIONS = 0xa2;
const SINGLE_REQUEST_EXTENSIONS = 0xa0;
const OPTIONAL_SIGNATURE = 0xa0;
const SIGNATURE_CERTS = 0xa0;

function readRequest(node: DerNode): SingleRequest {
  if (node.tag !== Tag.SEQUENCE || node.children.length < 1 || node.children.length > 2)
    throw faultAt(MALFORMED, node, 'a Request is not a SEQUENCE of reqCert and singleRequestExtensions');
  const certId = readCertId(node.children[0]!, MALFORMED);
  const wrapper = node.children[1];
  if (wrapper === undefined) return { certId, extensions: [] };
  if (wrapper.tag !== SINGLE_REQUEST_EXTENSIONS)
    throw faultAt(MALFORMED, wrapper, 'a Request has a field other than singleRequestExtensions after its CertID');
  return { certId, extensions: readRawExtensions(explicitInner(wrapper, MALFORMED, 'singleRequestExtensions'), MALFORMED) };
}

/** optionalSignature (RFC 6960 4.1.1): its shape is checked, the signature is not verified. */
function readSignatureShape(wrapper: DerNode): string {
  const signature = explicitInner(wrapper, MALFORMED, 'optionalSignature');
  const [algorithm, bits, certs, extra] = signature.children;
  if (signature.tag !== Tag.SEQUENCE || algorithm === undefined || bits === undefined || extra !== undefined)
    throw faultAt(MALFORMED, signature, 'a Signature is not a SEQUENCE of signatureAlgorithm, signature and certs');
  if (algorithm.tag !== Tag.SEQUENCE || algorithm.children.length < 1 || algorithm.children.length > 2)
    throw faultAt(MALFORMED, algorithm, 'the request signatureAlgorithm is not an AlgorithmIdentifier');
  const oid = readOid(algorithm.children[0]!);
  readBitString(bits);
  if (certs !== undefined) {
    if (certs.tag !== SIGNATURE_CERTS) throw faultAt(MALFORMED, certs, 'the request signature has a field other than certs');
    const list = explicitInner(certs, MALFORMED, 'certs');
    if (list.tag !== Tag.SEQUENCE || list.children.some((child) => child.tag !== Tag.SEQUENCE))
      throw faultAt(MALFORMED, list, 'certs is not a SEQUENCE OF Certificate');
  }
  return oid;
}

function readOcspRequest(root: DerNode, input: Buffer): OcspRequest {
  if (root.tag !== Tag.SEQUENCE || root.children.length < 1 || root.children.length > 2)
    throw faultAt(MALFORMED, root, 'an OCSPRequest is a SEQUENCE of tbsRequest and optionalSignature');
  const tbs = root.children[0]!;
  if (tbs.tag !== Tag.SEQUENCE) throw faultAt(MALFORMED, tbs, 'tbsRequest is not a SEQUENCE');
  const fields = tbs.children;
  let at = 0;
  if (fields[at]?.tag === VERSION) {
    const versionNode = fields[at++]!;
    const version = readSmallInteger(explicitInner(versionNode, MALFORMED, 'version'));
    // RFC 6960 4.1.1: v1(0) is the only version. (DER would leave the DEFAULT out; some clients write it.)
    if (version !== 0)
      throw new SymbolonError('OCSP_UNSUPPORTED_VERSION', `OCSP request version ${version} is not v1 (at byte ${versionNode.offset})`);
  }
  let requestorName: GeneralName | undefined;
  if (fields[at]?.tag === REQUESTOR_NAME) requestorName = decodeGeneralName(explicitInner(fields[at++]!, MALFORMED, 'requestorName'));
  const list = fields[at++];
  if (list === undefined || list.tag !== Tag.SEQUENCE) throw faultAt(MALFORMED, list ?? tbs, 'tbsRequest has no requestList');
  if (list.children.length === 0) throw faultAt(MALFORMED, list, 'the requestList is empty');
  const requests = list.children.map(readRequest);
  let extensions: Extension[] = [];
  if (fields[at]?.tag === REQUEST_EXTENSIONS)
    extensions = readRawExtensions(explicitInner(fields[at++]!, MALFORMED, 'requestExtensions'), MALFORMED);
  if (at !== fields.length) throw faultAt(MALFORMED, fields[at]!, 'tbsRequest has a field out of place or unknown');
  const nonce = readNonce(extensions);
  const signatureWrapper = root.children[1];
  let signatureAlgorithmOid: string | undefined;
  if (signatureWrapper !== undefined) {
    if (signatureWrapper.tag !== OPTIONAL_SIGNATURE)
      throw faultAt(MALFORMED, signatureWrapper, 'an OCSPRequest has a field other than optionalSignature');
    signatureAlgorithmOid = readSignatureShape(signatureWrapper);
  }
  return { der: input, requestorName, requests, nonce, extensions, isSigned: signatureWrapper !== undefined, signatureAlgorithmOid };
}

/**
 * Parses one DER OCSPRequest strictly (RFC 6960 4.1.1). Every fault is an OCSP code, so that a
 * responder can answer malformedRequest for any of them: `OCSP_REQUEST_TOO_LARGE` over
 * MAX_OCSP_REQUEST_BYTES, `OCSP_UNSUPPORTED_VERSION`, `OCSP_UNSUPPORTED_HASH` for a CertID that
 * is not SHA-1 or SHA-256, `OCSP_BAD_NONCE` (RFC 8954 lengths), `OCSP_MALFORMED_REQUEST` for the
 * rest (bad DER, truncation, trailing bytes, wrong fields). Several requests are accepted; the
 * caller decides how many it answers.
 */
export function parseOcspRequest(input: Uint8Array): OcspRequest {
  if (input.length > MAX_OCSP_REQUEST_BYTES)
    throw new SymbolonError(
      'OCSP_REQUEST_TOO_LARGE',
      `an OCSP request of ${input.length} bytes is over the limit of ${MAX_OCSP_REQUEST_BYTES}`,
    );
  const copy = Buffer.from(input);
  return deepFreeze(inOcsp(MALFORMED, () => readOcspRequest(decodeDer(copy, { maxBytes: MAX_OCSP_REQUEST_BYTES }), copy)));
}
