import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createCertificateAuthority,
  createIntermediate,
  findCertificate,
  initCertificateAuthority,
  openDataDir,
  revokeCertificate,
  unlockActiveIssuer,
  verifyStoreAudit,
} from '../../src/ca/index.js';
import type { CertificateAuthority, DataDir } from '../../src/ca/index.js';
import { createSigner } from '../../src/keys/index.js';
import { buildCsr, parseCertificate, parseCsr } from '../../src/x509/index.js';
import { assertCode, CA_PASSPHRASE, copyCa, makeTemplateCa, makeTempDir, ROOT_PASSPHRASE } from './support.js';

const temp = makeTempDir();
let template: string;
before(async () => {
  template = await makeTemplateCa(temp.path);
});
after(() => temp.remove());

const context = () => ({ actor: 'test', now: new Date() });

async function openCa(
  dir: string,
  random: (size: number) => Uint8Array = randomBytes,
): Promise<{ dataDir: DataDir; ca: CertificateAuthority }> {
  const dataDir = await openDataDir(dir, context());
  const issuer = await unlockActiveIssuer(dataDir, CA_PASSPHRASE);
  return {
    dataDir,
    ca: createCertificateAuthority({ store: dataDir.store, config: dataDir.config, issuer, clock: () => new Date(), random }),
  };
}

async function csrFor(
  subject: string,
  sans: { type: 'dns' | 'email' | 'uri'; value: string }[] = [],
): Promise<ReturnType<typeof parseCsr>> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = await buildCsr(
    { subject: [[{ type: '2.5.4.3', value: subject }]], ...(sans.length > 0 ? { subjectAltName: sans } : {}) },
    createSigner(privateKey),
  );
  return parseCsr(der);
}

describe('issuance', () => {
  test('issues from a CSR: recorded with its audit entry, signed by the intermediate', async () => {
    const { dataDir, ca } = await openCa(copyCa(template, temp.path));
    try {
      const issued = await ca.issueFromCsr(await csrFor('alice', [{ type: 'email', value: 'alice@test.example' }]), {
        profile: 'client',
        actor: 'alice-admin',
      });
      const leaf = new X509Certificate(issued.der);
      assert.ok(leaf.verify(new X509Certificate(issued.chain[0]!).publicKey));
      assert.ok(new X509Certificate(issued.chain[0]!).verify(new X509Certificate(issued.chain[1]!).publicKey));
      const parsed = parseCertificate(issued.der);
      assert.equal(parsed.serialNumber, issued.record.serial);
      assert.ok(parsed.serialNumberBytes.length <= 20 && (parsed.serialNumberBytes[0]! & 0x80) === 0);
      const stored = await dataDir.store.getCertificate({ issuerId: 'intermediate-1', serial: issued.record.serial });
      assert.deepEqual(stored?.subjectAltNames, ['email:alice@test.example']);
      const [entry] = await dataDir.store.readAuditLog(stored.auditSequence - 1, 1);
      assert.equal(entry?.action, 'certificate.issue');
      assert.equal(entry?.actor, 'alice-admin');
      assert.equal((JSON.parse(entry.payload) as { sha256: unknown }).sha256, parsed.fingerprintSha256);
      assert.ok((await verifyStoreAudit(dataDir.store)).ok);
    } finally {
      await dataDir.close();
    }
  });

  test('retries with a new serial when the store already has one, and gives up on a broken random source', async () => {
    const fixed = Buffer.alloc(16, 0x42);
    let calls = 0;
    // The first two serials are the same; then real randomness.
    const random = (size: number) => (++calls <= 2 ? fixed.subarray(0, size) : randomBytes(size));
    const { dataDir, ca } = await openCa(copyCa(template, temp.path), random);
    try {
      const first = await ca.issueFromCsr(await csrFor('one'), { profile: 'client', actor: 'test' });
      const second = await ca.issueFromCsr(await csrFor('two'), { profile: 'client', actor: 'test' });
      assert.notEqual(first.record.serial, second.record.serial);
      assert.equal(calls, 3);
      assert.equal((await dataDir.store.listCertificates({ now: new Date() })).length, 2);
      const broken = createCertificateAuthority({
        store: dataDir.store,
        config: dataDir.config,
        issuer: ca.issuer,
        clock: () => new Date(),
        random: (size) => fixed.subarray(0, size),
      });
      await assertCode(async () => broken.issueFromCsr(await csrFor('three'), { profile: 'client', actor: 'test' }), 'CA_SERIAL_EXHAUSTED');
      assert.ok((await verifyStoreAudit(dataDir.store)).ok);
    } finally {
      await dataDir.close();
    }
  });

  test('renews with the same names and a link to the old certificate; refuses to renew a revoked one', async () => {
    const { dataDir, ca } = await openCa(copyCa(template, temp.path));
    try {
      const issued = await ca.issueFromCsr(await csrFor('svc.test.example'), { profile: 'server', actor: 'test' });
      const renewed = await ca.renew(issued.record, parseCertificate(issued.der), { actor: 'test' });
      assert.deepEqual(renewed.record.renewalOf, { issuerId: 'intermediate-1', serial: issued.record.serial });
      assert.deepEqual(renewed.record.subjectAltNames, ['dns:svc.test.example']);
      assert.equal(renewed.record.profile, 'server');
      await revokeCertificate(dataDir.store, renewed.record, 'superseded', context());
      const revoked = await findCertificate(dataDir.store, renewed.record.serial);
      await assertCode(() => ca.renew(revoked, parseCertificate(revoked.der), { actor: 'test' }), 'CA_CERT_REVOKED');
      await assertCode(() => findCertificate(dataDir.store, 'abcdef'), 'CA_CERT_NOT_FOUND');
      await assertCode(() => findCertificate(dataDir.store, 'not-hex'), 'USAGE');
    } finally {
      await dataDir.close();
    }
  });

  test('a new intermediate takes over issuing; certificates of the old one stay recorded', async () => {
    const dir = copyCa(template, temp.path);
    const { dataDir, ca } = await openCa(dir);
    const old = await ca.issueFromCsr(await csrFor('before'), { profile: 'client', actor: 'test' });
    const options = {
      rootPassphrase: ROOT_PASSPHRASE,
      intermediatePassphrase: 'next intermediate pass',
      actor: 'test',
      now: new Date(),
      random: randomBytes,
    };
    await assertCode(() => createIntermediate(dataDir, { ...options, rootPassphrase: 'wrong root passphrase' }), 'KEY_BAD_PASSPHRASE');
    const created = await createIntermediate(dataDir, options);
    await dataDir.close();
    assert.equal(created.id, 'intermediate-2');
    const reopened = await openDataDir(dir, context());
    try {
      assert.equal(reopened.activeIssuer.id, 'intermediate-2');
      const issuer = await unlockActiveIssuer(reopened, 'next intermediate pass');
      const next = createCertificateAuthority({
        store: reopened.store,
        config: reopened.config,
        issuer,
        clock: () => new Date(),
        random: randomBytes,
      });
      const issued = await next.issueFromCsr(await csrFor('after'), { profile: 'client', actor: 'test' });
      assert.equal(issued.record.issuerId, 'intermediate-2');
      assert.equal((await findCertificate(reopened.store, old.record.serial)).issuerId, 'intermediate-1');
      assert.ok(new X509Certificate(issued.chain[0]!).verify(new X509Certificate(readFileSync(join(dir, 'ca/root.crt'))).publicKey));
    } finally {
      await reopened.close();
    }
  });

  test('records a configuration change in the audit log when config.yaml changes', async () => {
    const dir = copyCa(template, temp.path);
    await (await openDataDir(dir, context())).close();
    writeFileSync(join(dir, 'config.yaml'), readFileSync(join(dir, 'config.yaml'), 'utf8') + 'profiles:\n  device:\n    extends: client\n');
    const dataDir = await openDataDir(dir, context());
    try {
      const changes = (await dataDir.store.readAuditLog(0, 100)).filter((entry) => entry.action === 'config.change');
      assert.equal(changes.length, 2);
      assert.notEqual(
        (JSON.parse(changes[1]!.payload) as { sha256: unknown }).sha256,
        (JSON.parse(changes[0]!.payload) as { sha256: unknown }).sha256,
      );
      assert.ok(dataDir.config.profiles['device']);
    } finally {
      await dataDir.close();
    }
  });
});

describe('bad data directories and passphrases', () => {
  test('a wrong intermediate passphrase', async () => {
    const dataDir = await openDataDir(copyCa(template, temp.path), context());
    try {
      await assertCode(() => unlockActiveIssuer(dataDir, 'not the passphrase'), 'KEY_BAD_PASSPHRASE');
    } finally {
      await dataDir.close();
    }
  });

  test('a missing, empty or foreign directory', async () => {
    await assertCode(() => openDataDir(join(temp.path, 'nothing-here'), context()), 'CA_DATA_DIR_MISSING');
    const foreign = makeTempDir();
    try {
      await assertCode(() => openDataDir(foreign.path, context()), 'CA_DATA_DIR_MISSING');
      writeFileSync(join(foreign.path, 'notes.txt'), 'hello');
      await assertCode(() => openDataDir(foreign.path, context()), 'CA_DATA_DIR_FOREIGN');
      writeFileSync(join(foreign.path, 'symbolon.json'), '{"format":"something-else","version":1}');
      await assertCode(() => openDataDir(foreign.path, context()), 'CA_DATA_DIR_FOREIGN');
    } finally {
      foreign.remove();
    }
  });

  test('a corrupted marker, store, certificate or configuration', async () => {
    const marker = copyCa(template, temp.path);
    writeFileSync(join(marker, 'symbolon.json'), '{"format":');
    await assertCode(() => openDataDir(marker, context()), 'CA_DATA_DIR_CORRUPT');

    const newer = copyCa(template, temp.path);
    writeFileSync(join(newer, 'symbolon.json'), readFileSync(join(newer, 'symbolon.json'), 'utf8').replace('"version": 1', '"version": 9'));
    await assertCode(() => openDataDir(newer, context()), 'CA_DATA_DIR_VERSION');

    const garbage = copyCa(template, temp.path);
    writeFileSync(join(garbage, 'symbolon.db'), randomBytes(8192));
    rmSync(join(garbage, 'symbolon.db-wal'), { force: true });
    await assertCode(() => openDataDir(garbage, context()), 'STORE_CORRUPT');

    const missing = copyCa(template, temp.path);
    rmSync(join(missing, 'symbolon.db'));
    await assertCode(() => openDataDir(missing, context()), 'CA_DATA_DIR_CORRUPT');

    const swapped = copyCa(template, temp.path);
    const other = copyCa(template, temp.path);
    writeFileSync(
      join(other, 'symbolon.json'),
      readFileSync(join(other, 'symbolon.json'), 'utf8').replace(/"storeId": "[^"]+"/, '"storeId": "another-store"'),
    );
    await assertCode(() => openDataDir(other, context()), 'CA_DATA_DIR_CORRUPT');

    writeFileSync(join(swapped, 'ca/root.crt'), readFileSync(join(swapped, 'ca/intermediate-1.crt')));
    await assertCode(() => openDataDir(swapped, context()), 'CA_DATA_DIR_CORRUPT');

    const config = copyCa(template, temp.path);
    writeFileSync(join(config, 'config.yaml'), 'version: 1\nname: T\nprofiles:\n  server:\n    maxLifetime: ever\n');
    await assertCode(() => openDataDir(config, context()), 'CA_CONFIG_INVALID');
  });

  test('init refuses a directory that is not empty and a passphrase that is too short', async () => {
    const base = { name: 'X', keyType: 'p256' as const, actor: 'test', now: new Date(), random: randomBytes };
    await assertCode(
      () =>
        initCertificateAuthority({
          ...base,
          dir: copyCa(template, temp.path),
          rootPassphrase: ROOT_PASSPHRASE,
          intermediatePassphrase: CA_PASSPHRASE,
        }),
      'CA_DATA_DIR_EXISTS',
    );
    const dir = join(temp.path, 'short-pass');
    await assertCode(
      () => initCertificateAuthority({ ...base, dir, rootPassphrase: 'short', intermediatePassphrase: CA_PASSPHRASE }),
      'KEY_WEAK_PASSPHRASE',
    );
    await assertCode(() => openDataDir(dir, context()), 'CA_DATA_DIR_MISSING');
  });
});
