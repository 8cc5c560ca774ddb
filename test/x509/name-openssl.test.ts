import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCertificate } from '../../src/x509/certificate.js';
import { formatName } from '../../src/x509/name.js';
import { parsePem } from '../../src/asn1/pem.js';

// RFC 4514 text of names OpenSSL made, beside OpenSSL's own RFC 2253 output of them.

const dir = mkdtempSync(join(tmpdir(), 'symbolon-name-openssl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a subject value that begins with # is printed \\# as OpenSSL prints it, never as an encoded value', () => {
  // A value that is "#" alone is left out: OpenSSL prints it bare (its last-character rule wins
  // over its first-character one), where RFC 4514 2.4 escapes a leading "#" whatever follows.
  const subjects = ['/CN=#0c0561646d696e/O=Acme', '/CN=#x/OU=# tag/O=a#b', '/CN=\\#already'];
  subjects.forEach((subject, index) => {
    const name = `hash-${index}`;
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      '1',
      '-utf8',
      '-out',
      `${name}.pem`,
    );
    const printed = openssl('x509', '-in', `${name}.pem`, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb')
      .trim()
      .replace(/^subject=/, '');
    const certificate = parseCertificate(parsePem(readFileSync(join(dir, `${name}.pem`), 'latin1'), 'CERTIFICATE')[0]!);
    assert.equal(formatName(certificate.subject), printed, subject);
    assert.ok(!formatName(certificate.subject).includes('=#'), formatName(certificate.subject));
  });
});
