import assert from 'node:assert/strict';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { revokeCertificate } from '../../src/ca/index.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { runProgram } from '../../src/cli/program.js';
import { OID, parseCertificate, parseCrl, readRevokedSerials, toPem } from '../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../ca/support.js';
import { runTool, startHarness } from '../support/revocation-harness.js';
import type { Harness } from '../support/revocation-harness.js';

const temp = makeTempDir('symbolon-delta-crl-');
let h: Harness;
const ISSUER = 'intermediate-1';

before(async () => {
  const template = await makeTemplateCa(temp.path);
  // The opt-in of config.yaml: certificates carry Freshest CRL, and up publishes delta CRLs.
  appendFileSync(join(template, 'config.yaml'), 'deltaCrl: true\n');
  h = await startHarness(template, temp.path, { deltaCrlIntervalSeconds: 300 });
});
after(async () => {
  await h?.close();
  temp.remove();
});

async function fetchCrl(url: string): Promise<{ der: Buffer; pem: string }> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
  const der = Buffer.from(await response.arrayBuffer());
  const pem = join(h.dir, `crl-${Date.now()}-${Math.random()}.pem`);
  writeFileSync(pem, toPem('X509 CRL', der));
  return { der, pem };
}

function deltaUrl(): string {
  const url = h.services.deltaCrlUrls[ISSUER];
  assert.ok(url !== undefined, 'a delta CRL URL is published');
  return url;
}

test('with deltaCrl: true, certificates carry Freshest CRL and the full CRL points at the delta CRL (RFC 5280 4.2.1.15, 5.2.6)', async () => {
  const leaf = await h.issue('freshest');
  const certificate = parseCertificate(leaf.issued.der);
  assert.ok(certificate.extensions.some((extension) => extension.oid === OID.freshestCrl));
  const text = await runTool('openssl', ['x509', '-in', leaf.certPem, '-noout', '-text']);
  assert.match(text.output, /Freshest CRL:\s+Full Name:\s+URI:https:\/\/ca\.test\.example\/crl\/intermediate-1-delta\.crl/);
  const full = parseCrl((await fetchCrl(h.services.crlUrls[ISSUER]!)).der);
  assert.ok(
    full.extensions.some((extension) => extension.oid === OID.freshestCrl),
    'the full CRL names its delta CRLs',
  );
  assert.equal(full.deltaCrlIndicator, undefined);
});

test('a delta CRL names the full CRL as its base, is written to the data dir, and openssl crl shows the Delta CRL Indicator', async () => {
  const full = parseCrl((await fetchCrl(h.services.crlUrls[ISSUER]!)).der);
  const served = await fetchCrl(deltaUrl());
  const delta = parseCrl(served.der);
  assert.equal(delta.deltaCrlIndicator, full.crlNumber);
  assert.ok(delta.crlNumber! > full.crlNumber!, 'full and delta CRLs share one increasing cRLNumber sequence');
  assert.ok(existsSync(join(h.dataDir.paths.root, 'crl', `${ISSUER}-delta.crl`)));
  const text = await runTool('openssl', ['crl', '-in', served.pem, '-noout', '-text']);
  assert.equal(text.code, 0, text.output);
  assert.match(
    text.output,
    new RegExp(
      `X509v3 Delta CRL Indicator: critical\\s+0x?${full.crlNumber!.toString(16).toUpperCase()}|Delta CRL Indicator: critical\\s+${full.crlNumber}`,
      'i',
    ),
  );
});

test('a revocation after the full CRL appears in the delta CRL at once, and openssl verify -use_deltas rejects the certificate', async () => {
  const leaf = await h.issue('carol');
  const full = await fetchCrl(h.services.crlUrls[ISSUER]!);
  await revokeCertificate(h.services.store, { issuerId: leaf.issued.record.issuerId, serial: leaf.issued.record.serial }, 'keyCompromise', {
    actor: 'test',
    now: new Date(),
  });
  // The revocation went through the services' publishing store: the feed has delivered it to the
  // CRL publisher before revoke resolved, and the handler waits for the build it started. Only a
  // revocation the feed was still reading from the store would come later: sync waits for that.
  await h.services.feed.sync();
  const delta = await fetchCrl(deltaUrl());
  assert.ok(
    readRevokedSerials(delta.der).entries.byKey.has(leaf.issued.record.serial),
    'the first delta CRL fetched after the revocation lists it',
  );
  // The full CRL stays the base: it is republished on its schedule, not per revocation.
  const fullAgain = parseCrl((await fetchCrl(h.services.crlUrls[ISSUER]!)).der);
  assert.equal(fullAgain.crlNumber, parseCrl(full.der).crlNumber);
  assert.ok(!fullAgain.revokedCertificates.some((entry) => entry.serialNumber === leaf.issued.record.serial));
  assert.equal(parseCrl(delta.der).deltaCrlIndicator, fullAgain.crlNumber);

  const verify = (crls: readonly string[], extra: readonly string[] = []) =>
    runTool('openssl', [
      'verify',
      '-crl_check',
      ...extra,
      '-CAfile',
      h.rootPem,
      '-untrusted',
      h.intermediatePem,
      ...crls.flatMap((crl) => ['-CRLfile', crl]),
      leaf.certPem,
    ]);
  const fullOnly = await verify([full.pem]);
  assert.equal(fullOnly.code, 0, fullOnly.output);
  const withDelta = await verify([full.pem, delta.pem], ['-use_deltas']);
  assert.notEqual(withDelta.code, 0, withDelta.output);
  assert.match(withDelta.output, /certificate revoked/);

  // `symbolon verify` applies the delta CRL to its base as well (the root CRL is not published here).
  const symbolonVerify = async (crls: readonly string[]): Promise<{ code: number; err: string }> => {
    let err = '';
    const code = await runProgram(
      [
        'verify',
        leaf.certPem,
        '--roots',
        h.rootPem,
        '--intermediates',
        h.intermediatePem,
        '--crl-check',
        'leaf',
        ...crls.flatMap((crl) => ['--crl', crl]),
      ],
      [verifyCommand],
      { out: () => undefined, err: (text) => void (err += text) },
      '0.0.0',
    );
    return { code, err };
  };
  const symbolonFullOnly = await symbolonVerify([full.pem]);
  assert.equal(symbolonFullOnly.code, 0, symbolonFullOnly.err);
  const symbolonWithDelta = await symbolonVerify([full.pem, delta.pem]);
  assert.equal(symbolonWithDelta.code, 1);
  assert.match(symbolonWithDelta.err, /^symbolon: PATH_REVOKED: certificate 0 .*delta CRL/);
});
