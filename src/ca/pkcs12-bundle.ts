import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der } from '../asn1/index.js';
import { exportPrivateKeyDer } from '../keys/index.js';

// RFC 7292 (PKCS #12 v1.1) object identifiers.
const OID_DATA = '1.2.840.113549.1.7.1';
const OID_KEY_BAG_SHROUDED = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const OID_X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';
const OID_FRIENDLY_NAME = '1.2.840.113549.1.9.20';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
/** OpenSSL's default MAC iteration count. */
const MAC_ITERATIONS = 2048;

/** BMPString content of a password with its two-byte terminator, as RFC 7292 B.1 wants for the MAC key. */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  return bytes;
}

function repeatTo(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = source[i % source.length]!;
  return out;
}

/** RFC 7292 B.2: the PKCS#12 key derivation, with SHA-256 (u = 32, v = 64). */
function pkcs12Kdf(password: Buffer, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const d = Buffer.alloc(v, id);
  const s = repeatTo(salt, v * Math.ceil(salt.length / v));
  const p = password.length === 0 ? Buffer.alloc(0) : repeatTo(password, v * Math.ceil(password.length / v));
  const i = Buffer.concat([s, p]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash('sha256').update(d).update(i).digest();
    for (let round = 1; round < iterations; round++) a = createHash('sha256').update(a).digest();
    out.push(a);
    const b = repeatTo(a, v);
    // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + b[k]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

function bmpString(text: string): Buffer {
  const content = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) content.writeUInt16BE(text.charCodeAt(i), i * 2);
  return der.tlv(0x1e, content);
}

function attributes(localKeyId: Buffer, friendlyName: string | undefined): Buffer {
  const list = [der.sequence(der.oid(OID_LOCAL_KEY_ID), der.set(der.octetString(localKeyId)))];
  if (friendlyName !== undefined) list.push(der.sequence(der.oid(OID_FRIENDLY_NAME), der.set(bmpString(friendlyName))));
  return der.setOf(list);
}

function dataContentInfo(content: Buffer): Buffer {
  return der.sequence(der.oid(OID_DATA), der.explicit(0, der.octetString(content)));
}

/**
 * A PKCS#12 file (RFC 7292) for browsers and Java: the private key in a pkcs8ShroudedKeyBag
 * (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, as `exportPrivateKeyDer` encrypts), the certificate
 * and its chain in certBags, and an HMAC-SHA256 integrity MAC keyed by the PKCS#12 KDF. OpenSSL
 * 3, Java 12+ and current browsers read it. Throws `KEY_WEAK_PASSPHRASE`.
 */
export async function buildPkcs12(options: {
  readonly privateKey: KeyObject;
  readonly certificate: Buffer;
  readonly chain: readonly Buffer[];
  readonly passphrase: string;
  readonly friendlyName?: string;
}): Promise<Buffer> {
  const localKeyId = createHash('sha256').update(options.certificate).digest().subarray(0, 20);
  const shroudedKey = await exportPrivateKeyDer(options.privateKey, { passphrase: options.passphrase });
  const keyBag = der.sequence(der.oid(OID_KEY_BAG_SHROUDED), der.explicit(0, shroudedKey), attributes(localKeyId, options.friendlyName));
  const certBag = (certificate: Buffer, attrs?: Buffer): Buffer => {
    const value = der.sequence(der.oid(OID_X509_CERTIFICATE), der.explicit(0, der.octetString(certificate)));
    return attrs === undefined
      ? der.sequence(der.oid(OID_CERT_BAG), der.explicit(0, value))
      : der.sequence(der.oid(OID_CERT_BAG), der.explicit(0, value), attrs);
  };
  const certBags = [certBag(options.certificate, attributes(localKeyId, options.friendlyName)), ...options.chain.map((c) => certBag(c))];
  const authenticatedSafe = der.sequence(dataContentInfo(der.sequenceOf(certBags)), dataContentInfo(der.sequence(keyBag)));
  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(bmpPassword(options.passphrase), salt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  macKey.fill(0);
  const macData = der.sequence(
    der.sequence(der.sequence(der.oid(OID_SHA256), der.nullValue()), der.octetString(mac)),
    der.octetString(salt),
    der.integer(MAC_ITERATIONS),
  );
  return der.sequence(der.integer(3), dataContentInfo(authenticatedSafe), macData);
}

/**
 * A PKCS#12 file of certificates only (a certificate and its chain, no key), for trust stores:
 * certBags in one unencrypted safe, with the same HMAC-SHA256 integrity MAC, under `passphrase`
 * (the empty one by default, which OpenSSL reads with `-passin pass:`).
 */
export function buildCertificatesPkcs12(certificates: readonly Buffer[], passphrase = ''): Buffer {
  const certBags = certificates.map((certificate) =>
    der.sequence(
      der.oid(OID_CERT_BAG),
      der.explicit(0, der.sequence(der.oid(OID_X509_CERTIFICATE), der.explicit(0, der.octetString(certificate)))),
    ),
  );
  const authenticatedSafe = der.sequence(dataContentInfo(der.sequenceOf(certBags)));
  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(bmpPassword(passphrase), salt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  macKey.fill(0);
  const macData = der.sequence(
    der.sequence(der.sequence(der.oid(OID_SHA256), der.nullValue()), der.octetString(mac)),
    der.octetString(salt),
    der.integer(MAC_ITERATIONS),
  );
  return der.sequence(der.integer(3), dataContentInfo(authenticatedSafe), macData);
}
