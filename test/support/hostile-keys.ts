import { der } from '../../src/asn1/index.js';
import { OID } from '../../src/x509/index.js';
import { makeCertificate } from '../x509/certificate-parser-fixtures.js';
import { makeCsr } from '../x509/csr-parser-fixtures.js';

// Issue 13, section 0: keys on which node:crypto aborts the process (GetEcKeyDetail: Assertion
// failed: (ec) != nullptr, exit 134) once OpenSSL has loaded them. Found by a seeded mutation run.

/** An SPKI whose P-256 point is the point at infinity (the single octet 00). */
export const P256_INFINITY_SPKI = Buffer.from('MBkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDAgAA', 'base64');
/** A PKCS#8 P-256 key whose scalar is 33 octets, longer than the curve. */
export const P256_LONG_SCALAR_PKCS8 = Buffer.from(
  'MEICAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEKDAmAgEBBCEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  'base64',
);
/** A certificate whose key is the point at infinity on secp256k1, a curve Symbolon does not list. */
export const SECP256K1_INFINITY_CERTIFICATE = Buffer.from(
  'MHUwYwIBATAKBggqhkjOPQQDAjAMMQowCAYDVQQDDAF4MB4XDTI2MDEwMTAwMDAwMFoXDTI3MDEwMTAwMDAwMFowDDEKMAgGA1UEAwwBeDAWMBAGByqGSM49AgEGBSuBBAAKAwIAADAKBggqhkjOPQQDAgMCAAA=',
  'base64',
);

const SECP256K1 = '1.3.132.0.10';
/** The secp256k1 point at infinity as an SPKI: what the certificate above carries. */
export const SECP256K1_INFINITY_SPKI = der.sequence(
  der.sequence(der.oid(OID.ecPublicKey), der.oid(SECP256K1)),
  der.bitString(Buffer.from([0])),
);

/** A certificate (signed by the fixtures' issuer key) with the P-256 point at infinity as its key. */
export const P256_INFINITY_CERTIFICATE = makeCertificate({ spki: P256_INFINITY_SPKI });
/** CSRs carrying those keys; no signature can be made for them, so the requester's key signs. */
export const P256_INFINITY_CSR = makeCsr({ spki: P256_INFINITY_SPKI });
export const SECP256K1_INFINITY_CSR = makeCsr({ spki: SECP256K1_INFINITY_SPKI });
