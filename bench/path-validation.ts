/**
 * Path validations per second of one 3-certificate P-256 chain (root, intermediate with name
 * constraints, leaf with DNS and SPIFFE SANs) in one process: Symbolon's `validatePath` beside
 * pkijs's CertificateChainValidationEngine, in the same run, rounds alternating, min/median/max
 * over the rounds. Like with like:
 *   - cold means fresh objects: each validation gets certificate objects parsed for it alone
 *     (parsed before the timing starts), so nothing memoised by an earlier call (name keys, name
 *     constraints, public keys) is reused; the same for pkijs. "From DER" parses inside the timing.
 *   - both sides run with the same number of validations in flight (each figure at 1 and at
 *     --in-flight), through the same loop of awaited calls: Symbolon's is synchronous, pkijs's
 *     verifies signatures on WebCrypto's thread pool, so the CPU time per validation (the whole
 *     process's, pool threads included) is printed beside each rate.
 * Also printed, without a peer: Symbolon on the same objects again (warm memo) and the gateway's
 * ValidationCache look-ups. Exit non-zero only on error (a chain that does not validate is one).
 *   node --import tsx bench/path-validation.ts [seconds-per-round=1] [rounds=3] [in-flight=16]
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { createSigner } from '../src/keys/index.js';
import { TrustBundle, ValidationCache, validatePath } from '../src/path/index.js';
import { buildCertificate, buildSelfSignedCertificate, encodeName, keyIdentifier, parseCertificate, parseName } from '../src/x509/index.js';
import type { Certificate } from '../src/x509/index.js';
import { median, spread } from './rate.js';

const secondsPerRound = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);
const inFlightMany = Number(process.argv[4] ?? 16);
const at = new Date('2030-01-01T00:00:00Z');

// --- The chain ---------------------------------------------------------------------------------
function party(subject: string) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createSigner(privateKey);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}
const root = party('/C=US/O=Bench/CN=Bench Root');
const intermediate = party('/C=US/O=Bench/CN=Bench Partner CA');
const leaf = party('/C=US/O=Bench/CN=device-1');
const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2045-01-01T00:00:00Z') };
const rootDer = await buildSelfSignedCertificate(
  { serialNumber: 1n, subject: root.name, ...validity, basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] },
  root.signer,
);
const intermediateDer = await buildCertificate(
  {
    serialNumber: 2n,
    issuer: root.name,
    subject: intermediate.name,
    subjectPublicKey: intermediate.spki,
    authorityKeyIdentifier: root.keyId,
    ...validity,
    basicConstraints: { isCa: true, pathLenConstraint: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
    nameConstraints: {
      permitted: [
        { type: 'dns', value: 'partner.example' },
        { type: 'uri', value: '.partner.example' },
        { type: 'ip', value: '10.0.0.0/8' },
        { type: 'dirName', value: parseName('/C=US/O=Bench') },
      ],
      excluded: [{ type: 'dns', value: 'admin.partner.example' }],
    },
  },
  root.signer,
);
const leafDer = await buildCertificate(
  {
    serialNumber: 3n,
    issuer: intermediate.name,
    subject: leaf.name,
    subjectPublicKey: leaf.spki,
    authorityKeyIdentifier: intermediate.keyId,
    ...validity,
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
    subjectAltName: [
      { type: 'dns', value: 'device-1.partner.example' },
      { type: 'uri', value: 'spiffe://prod.partner.example/device/1' },
      { type: 'ip', value: '10.1.2.3' },
    ],
  },
  intermediate.signer,
);

// --- Symbolon ----------------------------------------------------------------------------------
const bundle = new TrustBundle([parseCertificate(rootDer)]);
const options = { anchors: bundle, at, purpose: 'client' as const };
const checked = (result: ReturnType<typeof validatePath>): void => {
  if (!result.ok) throw new Error(`the bench chain does not validate: ${result.code} ${result.detail}`);
};
const freshPair = (): [Certificate, Certificate] => [parseCertificate(leafDer), parseCertificate(intermediateDer)];
const warm = freshPair();

const cache = new ValidationCache();
const context = `${bundle.version}:client`;
const nowMs = at.getTime();
cache.set(warm[0].fingerprintSha256, context, validatePath(warm[0], { ...options, intermediates: [warm[1]] }), nowMs);
const fingerprint = warm[0].fingerprintSha256;
let cacheHits = 0;

// --- pkijs -------------------------------------------------------------------------------------
pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto }));
const toArrayBuffer = (der: Buffer): ArrayBuffer => der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
const pkiRoot = pkijs.Certificate.fromBER(toArrayBuffer(rootDer));
const pkiFreshPair = (): [pkijs.Certificate, pkijs.Certificate] => [
  pkijs.Certificate.fromBER(toArrayBuffer(leafDer)),
  pkijs.Certificate.fromBER(toArrayBuffer(intermediateDer)),
];
async function pkijsValidate(pair: readonly [pkijs.Certificate, pkijs.Certificate]): Promise<void> {
  const engine = new pkijs.CertificateChainValidationEngine({ trustedCerts: [pkiRoot], certs: [pair[0], pair[1]], checkDate: at });
  const result = await engine.verify();
  if (!result.result) throw new Error(`pkijs refuses the bench chain: ${result.resultMessage}`);
}

// --- Measurement -------------------------------------------------------------------------------
interface Figure {
  readonly perSecond: number;
  /** Process CPU time per call (all threads), microseconds. */
  readonly cpuMicros: number;
}

/**
 * Runs `count` calls with `inFlight` of them awaited at a time (the same loop for every
 * contender); `prepare` makes each call's input before the timing starts.
 */
async function measure<T>(count: number, inFlight: number, prepare: () => T, call: (input: T) => unknown): Promise<Figure> {
  const inputs = Array.from({ length: count }, prepare);
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) await call(inputs[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / elapsed, cpuMicros: (used.user + used.system) / count };
}

/** Warms `contender` up for a while (JIT, pkijs's lazy schema objects); returns how many calls fill a round at its rate then. */
async function sizeRound(contender: Contender): Promise<number> {
  const until = performance.now() + 500;
  let trial = await contender.run(100);
  while (performance.now() < until) trial = await contender.run(Math.max(100, Math.ceil(trial.perSecond / 10)));
  return Math.max(100, Math.ceil(trial.perSecond * secondsPerRound));
}

const same =
  <T>(value: T) =>
  (): T =>
    value;
interface Contender {
  readonly name: string;
  readonly inFlight: number;
  run(count: number): Promise<Figure>;
  count: number;
}
const contenders: Contender[] = [];
const add = <T>(name: string, inFlight: number, prepare: () => T, call: (input: T) => unknown): void => {
  contenders.push({ name, inFlight, count: 0, run: (count) => measure(count, inFlight, prepare, call) });
};
const ours = (pair: readonly [Certificate, Certificate]): void => checked(validatePath(pair[0], { ...options, intermediates: [pair[1]] }));
const oursDer = (): void => checked(validatePath(leafDer, { ...options, intermediates: [intermediateDer] }));
for (const inFlight of [1, inFlightMany]) {
  add(`symbolon, fresh objects (cold), ${inFlight} in flight`, inFlight, freshPair, ours);
  add(`pkijs, fresh objects (cold), ${inFlight} in flight`, inFlight, pkiFreshPair, pkijsValidate);
  add(`symbolon, from DER, ${inFlight} in flight`, inFlight, () => undefined, oursDer);
  add(
    `pkijs, from DER, ${inFlight} in flight`,
    inFlight,
    () => undefined,
    () => pkijsValidate(pkiFreshPair()),
  );
}
add('symbolon, the same objects again (warm memo)', 1, same(warm), ours);
add(
  'symbolon ValidationCache look-up',
  1,
  () => undefined,
  () => {
    if (cache.get(fingerprint, context, nowMs)?.ok === true) cacheHits++;
  },
);

// Warm up every contender and size its rounds, then alternate:
// each round runs the contenders in the order of the last one reversed.
for (const contender of contenders) contender.count = await sizeRound(contender);
const results = new Map<string, Figure[]>(contenders.map((contender) => [contender.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse())
    results.get(contender.name)!.push(await contender.run(contender.count));
}
if (cacheHits === 0) throw new Error('the cache never answered');

const rates = (name: string): number[] => results.get(name)!.map((figure) => figure.perSecond);
const cpuOf = (name: string): string => `${median(results.get(name)!.map((figure) => figure.cpuMicros)).toFixed(0)} µs CPU each`;
const lines = [
  `path validation, 3-certificate P-256 chain (name-constrained intermediate, leaf with SANs), one process, ${rounds} rounds alternating, about ${secondsPerRound} s per figure per round`,
];
for (const contender of contenders)
  lines.push(`  ${contender.name.padEnd(46)} ${spread(rates(contender.name), 'validations/s')}; ${cpuOf(contender.name)}`);
for (const inFlight of [1, inFlightMany]) {
  const ratio = (what: string): string =>
    (median(rates(`symbolon, ${what}, ${inFlight} in flight`)) / median(rates(`pkijs, ${what}, ${inFlight} in flight`))).toFixed(1);
  lines.push(
    `  ratio symbolon / pkijs (medians), ${inFlight} in flight: fresh objects ${ratio('fresh objects (cold)')}x, from DER ${ratio('from DER')}x`,
  );
}
lines.push('  goals: >= 5,000 cold/s, >= 10x pkijs, >= 1,000,000 cached/s', '');
process.stdout.write(lines.join('\n'));
