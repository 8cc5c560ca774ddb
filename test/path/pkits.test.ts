import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrlRevocationSource } from '../../src/gateway/revocation/index.js';
import { TrustBundle, validatePath } from '../../src/path/index.js';
import { SymbolonError } from '../../src/errors.js';
import { parseCertificate, parseCrl, toPem } from '../../src/x509/index.js';
import type { CertificateList } from '../../src/x509/index.js';

// NIST PKITS (the Public Key Interoperability Test Suite), every case of the shared manifest
// through validatePath with revocation required for the whole chain, and every case of the
// revocation sections (4.4 CRLs, 4.5 self-issued key rollover, 4.14 distribution points, 4.15
// delta CRLs) through the gateway's CRL source as well. The vectors live beside the repository
// (`../shared/vectors/pkits`, or SYMBOLON_VECTORS_DIR/pkits); their absence is a failure.

interface PkitsCase {
  readonly id: string;
  readonly section: string;
  readonly endEntity: string;
  readonly intermediates: readonly string[];
  readonly crls: readonly string[];
  readonly expect: 'valid' | 'invalid';
}

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(process.env.SYMBOLON_VECTORS_DIR ?? join(repository, '..', 'shared', 'vectors'), 'pkits');
/** PKITS certificates are valid 2010-2030; the manifest's outcomes hold at any time inside. */
const AT = new Date('2020-01-01T00:00:00Z');
const ANCHOR = 'TrustAnchorRootCertificate.crt';
const ANCHOR_CRL = 'TrustAnchorRootCRL.crl';

/** DSA signatures: knowingly unsupported (README), refused with this code, never accepted. */
const UNSUPPORTED_ALGORITHM = new Set(['4.1.4', '4.1.5']);
const GATEWAY_SECTIONS = ['4.4.', '4.5.', '4.14.', '4.15.'];

test('the PKITS vectors are present', () => {
  assert.ok(existsSync(join(root, 'manifest.json')), `no PKITS manifest at ${root}: set SYMBOLON_VECTORS_DIR`);
});

const cases: readonly PkitsCase[] = existsSync(join(root, 'manifest.json'))
  ? (JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { cases: PkitsCase[] }).cases
  : [];
const certificate = (name: string): Buffer => readFileSync(join(root, 'certs', name));
const crl = (name: string): Buffer => readFileSync(join(root, 'crls', name));

/** The case's CRLs that parse: one that does not (4.4.4's bad signature encoding) is left out, as the gateway leaves it out. */
function readableCrls(vector: PkitsCase): CertificateList[] {
  return [ANCHOR_CRL, ...vector.crls].flatMap((name) => {
    try {
      return [parseCrl(crl(name))];
    } catch (error) {
      assert.ok(error instanceof SymbolonError && error.code.startsWith('CRL_'), String(error));
      return [];
    }
  });
}

for (const vector of cases) {
  test(`PKITS ${vector.section} ${vector.id}: ${UNSUPPORTED_ALGORITHM.has(vector.section) ? 'refused as unsupported' : vector.expect} with revocation required for the chain`, () => {
    const anchor = parseCertificate(certificate(ANCHOR));
    const result = validatePath(certificate(vector.endEntity), {
      anchors: new TrustBundle([anchor]),
      intermediates: vector.intermediates.map(certificate),
      at: AT,
      crls: readableCrls(vector),
      crlRequirement: 'chain',
      // PKITS's valid paths break rules of the strict TLS profile (non-critical policyConstraints, CA certificates as end entities).
      profile: 'rfc5280',
    });
    if (UNSUPPORTED_ALGORITHM.has(vector.section)) {
      assert.equal(result.ok ? 'valid' : result.code, 'PATH_UNSUPPORTED_ALGORITHM');
      return;
    }
    assert.equal(result.ok ? 'valid' : 'invalid', vector.expect, result.ok ? 'accepted' : `${result.code}: ${result.detail}`);
  });
}

for (const vector of cases.filter((each) => GATEWAY_SECTIONS.some((section) => each.section.startsWith(section)))) {
  test(`PKITS ${vector.section} ${vector.id}: ${vector.expect} through the gateway's CRL source`, async () => {
    const anchor = parseCertificate(certificate(ANCHOR));
    // The gateway validates the chain first (OpenSSL, then validatePath without CRLs), then asks the source.
    const chain = validatePath(certificate(vector.endEntity), {
      anchors: new TrustBundle([anchor]),
      intermediates: vector.intermediates.map(certificate),
      at: AT,
      profile: 'rfc5280',
    });
    if (!chain.ok) {
      assert.equal(vector.expect, 'invalid', `${chain.code}: ${chain.detail}`);
      return;
    }
    // The CRL file carries the case's CA certificates too: CRL signers off the path (separate CRL keys, indirect CRL issuers).
    const pem = Buffer.from(
      [
        ...[ANCHOR_CRL, ...vector.crls].map((name) => toPem('X509 CRL', crl(name))),
        ...vector.intermediates.map((name) => toPem('CERTIFICATE', certificate(name))),
      ].join(''),
    );
    const errors: unknown[] = [];
    const source = createCrlRevocationSource({
      location: { file: `${vector.id}.pem` },
      readFile: () => Promise.resolve(pem),
      refreshSeconds: 3600,
      caCertificates: [anchor],
      staleCrl: { policy: 'reject', graceSeconds: 0 },
      profile: 'rfc5280',
      onError: (error) => errors.push(error),
    });
    await source.start();
    try {
      const answer = await source.check(chain.path, AT);
      // The bundle's failurePolicy hard-fail (the default) refuses an unavailable status.
      const outcome = answer.status === 'good' ? 'valid' : 'invalid';
      assert.equal(
        outcome,
        vector.expect,
        `${answer.status}${answer.status === 'good' ? '' : `: ${answer.status === 'revoked' ? answer.reason : answer.detail}`}`,
      );
    } finally {
      await source.close();
    }
  });
}
