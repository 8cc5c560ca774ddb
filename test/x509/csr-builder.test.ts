import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, verify } from 'node:crypto';
import { decodeDer } from '../../src/asn1/index.js';
import { createSigner } from '../../src/keys/signer.js';
import { buildCsr } from '../../src/x509/csr/csr-builder.js';
import type { CsrTemplate } from '../../src/x509/csr/csr-builder.js';
import { parseName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const codeOf =
  (code: string) =>
  (error: unknown): boolean => {
    assert.equal((error as { code?: string }).code, code);
    return true;
  };

const key = generateKeyPairSync('ed25519');
const signer = createSigner(key.privateKey);
const spki = key.publicKey.export({ type: 'spki', format: 'der' });
const NAME_CN_A = '300c310a3008' + '0603550403' + '0c0161';
const EXTENSION_REQUEST = '06092a864886f70d01090e';
const CHALLENGE_PASSWORD = '06092a864886f70d010907';

function parts(csr: Buffer): { info: Buffer; algorithm: Buffer; signature: Buffer } {
  const [info, algorithm, signature] = decodeDer(csr).children;
  assert.equal(signature!.content[0], 0);
  return { info: info!.bytes, algorithm: algorithm!.bytes, signature: signature!.content.subarray(1) };
}

test('a CSR without extensions or password has an empty [0] attributes field and verifies', async () => {
  const csr = await buildCsr({ subject: parseName('CN=a') }, signer);
  const { info, algorithm, signature } = parts(csr);
  // RFC 2986 4.1: version 0, subject, subjectPKInfo, attributes [0] present even when empty.
  assert.equal(hex(info), '303f' + '020100' + NAME_CN_A + hex(spki) + 'a000');
  assert.deepEqual(algorithm, signer.algorithm.identifier);
  assert.ok(verify(null, info, key.publicKey, signature));
});

test('requested extensions travel in a PKCS#9 extensionRequest attribute', async () => {
  const csr = await buildCsr({ subject: parseName('CN=a'), keyUsage: ['digitalSignature'] }, signer);
  const extension = '300e' + '0603551d0f' + '0101ff' + '0404' + '03020780';
  const attribute = '301f' + EXTENSION_REQUEST + '3112' + '3010' + extension;
  assert.ok(hex(parts(csr).info).endsWith('a021' + attribute));
});

test('attributes are a DER SET OF, sorted by their encodings', async () => {
  const csr = await buildCsr({ subject: parseName('CN=a'), keyUsage: ['digitalSignature'], challengePassword: 'abc' }, signer);
  const challenge = '3012' + CHALLENGE_PASSWORD + '3105' + '1303' + ascii('abc');
  const extensionRequest = '301f' + EXTENSION_REQUEST + '3112' + '3010' + '300e0603551d0f0101ff040403020780';
  assert.ok(hex(parts(csr).info).endsWith('a035' + challenge + extensionRequest));
});

test('a challenge password is a PrintableString when it can be, a UTF8String otherwise', async () => {
  const csr = await buildCsr({ subject: parseName('CN=a'), challengePassword: 'Pässwört' }, signer);
  const utf8 = Buffer.from('Pässwört', 'utf8');
  assert.ok(
    hex(parts(csr).info).endsWith(
      CHALLENGE_PASSWORD +
        '31' +
        (utf8.length + 2).toString(16).padStart(2, '0') +
        '0c' +
        utf8.length.toString(16).padStart(2, '0') +
        hex(utf8),
    ),
  );
});

test('subjectAltName is requested critical when the subject is empty', async () => {
  const csr = await buildCsr({ subject: [], subjectAltName: [{ type: 'uri', value: 'spiffe://example.org/a' }] }, signer);
  const { info } = parts(csr);
  assert.ok(hex(info).startsWith('30') && hex(info).includes('0201003000'));
  assert.ok(hex(info).includes('0603551d110101ff'));
});

test('signs with ECDSA and RSA-PSS keys too', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ecCsr = parts(await buildCsr({ subject: parseName('CN=a'), extKeyUsage: ['clientAuth'] }, createSigner(ec.privateKey)));
  assert.ok(verify('sha384', ecCsr.info, ec.publicKey, ecCsr.signature));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pssSigner = createSigner(rsa.privateKey, { rsaPadding: 'pss' });
  const pssCsr = parts(await buildCsr({ subject: parseName('CN=a') }, pssSigner));
  assert.deepEqual(pssCsr.algorithm, pssSigner.algorithm.identifier);
  assert.ok(
    verify('sha256', pssCsr.info, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pssCsr.signature),
  );
});

test("takes the public key explicitly only when it is the signer's", async () => {
  const fromKey = parts(await buildCsr({ subject: parseName('CN=a'), publicKey: key.publicKey }, signer)).info;
  const fromBytes = parts(await buildCsr({ subject: parseName('CN=a'), publicKey: spki }, signer)).info;
  assert.deepEqual(fromKey, fromBytes);
  const other = generateKeyPairSync('ed25519').publicKey;
  await assert.rejects(buildCsr({ subject: parseName('CN=a'), publicKey: other }, signer), codeOf('CSR_KEY_MISMATCH'));
  await assert.rejects(
    buildCsr({ subject: parseName('CN=a'), publicKey: Buffer.from('3000', 'hex') }, signer),
    codeOf('CERT_INVALID_INPUT'),
  );
});

test('refuses requests that cannot be encoded', async () => {
  const raw = { oid: OID.subjectAltName, critical: false, value: Buffer.from('3000', 'hex') };
  const cases: Array<[CsrTemplate, string]> = [
    [{ subject: parseName('CN=a'), challengePassword: '' }, 'CERT_INVALID_INPUT'],
    [{ subject: parseName('CN=a'), challengePassword: 'x'.repeat(256) }, 'CERT_INVALID_INPUT'],
    [{ subject: parseName('CN=a'), keyUsage: ['keyCertSign'] }, 'CERT_INVALID_INPUT'],
    [{ subject: parseName('CN=a'), subjectAltName: [{ type: 'dns', value: 'a.example' }], extensions: [raw] }, 'CERT_DUPLICATE_EXTENSION'],
    [{ subject: parseName('CN=a'), subjectAltName: [{ type: 'ip', value: '1.2.3.4.5' }] }, 'CERT_BAD_NAME'],
    [{ subject: parseName('CN=a'), subjectAltName: [{ type: 'dns', value: 'ünicode.example' }] }, 'CERT_BAD_NAME'],
    [{ subject: [[{ type: OID.countryName, value: 'usa' }]] }, 'CERT_BAD_NAME'],
  ];
  for (const [template, code] of cases) await assert.rejects(buildCsr(template, signer), codeOf(code), JSON.stringify(template));
});
