import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { SymbolonError } from '../../errors.js';
import { DEFAULT_DATA_DIR, dataDirPaths, ownRevocationStatus } from '../../ca/index.js';
import { TrustBundle, validatePath, VALIDATION_PROFILES } from '../../path/index.js';
import type { CrlRequirement, PathPurpose, PathResult, PeerIdentity, ValidationProfile } from '../../path/index.js';
import { formatName, parseCertificates, parseCrls } from '../../x509/index.js';
import type { Certificate, CertificateList } from '../../x509/index.js';
import { readInput } from '../input.js';
import { parseInstant } from '../instant-option.js';
import { parseWholeNumber } from '../program.js';
import type { CommandFactory, Output } from '../program.js';
import { withDataDir } from './ca/ca-options.js';

interface VerifyOptions {
  readonly roots?: string;
  readonly intermediates: readonly string[];
  readonly crl: readonly string[];
  readonly crlCheck?: CrlRequirement;
  readonly at?: Date;
  readonly purpose: PathPurpose;
  readonly dns?: string;
  readonly ip?: string;
  readonly email?: string;
  readonly uri?: string;
  readonly maxDepth?: number;
  readonly profile: ValidationProfile;
  readonly dir?: string;
  readonly json?: boolean;
}

/** `--at`: RFC 3339 (as ISO 8601) or Unix seconds. */
function parseAt(value: string): Date {
  if (/^\d{1,12}$/.test(value)) return new Date(Number(value) * 1000);
  return parseInstant(value.replace(/^(\d{4}-\d{2}-\d{2})t/, '$1T').replace(/z$/, 'Z'));
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function peerOf(options: VerifyOptions): PeerIdentity | undefined {
  const given: PeerIdentity[] = [];
  if (options.dns !== undefined) given.push({ type: 'dns', value: options.dns });
  if (options.ip !== undefined) given.push({ type: 'ip', value: options.ip });
  if (options.email !== undefined) given.push({ type: 'email', value: options.email });
  if (options.uri !== undefined) given.push({ type: 'uri', value: options.uri });
  if (given.length > 1) throw new SymbolonError('USAGE', 'give at most one of --dns, --ip, --email and --uri');
  return given[0];
}

async function readCertificates(path: string, what: string): Promise<[Certificate, ...Certificate[]]> {
  const [first, ...rest] = parseCertificates(await readInput(path));
  if (first === undefined) throw new SymbolonError('INPUT_UNRECOGNIZED', `${what} ${path} holds no certificate`);
  return [first, ...rest];
}

/**
 * The trust anchors: --roots, or the root of the data directory's CA with its intermediates
 * added to the pool. Without either it is a usage error: there is nothing to trust.
 */
async function trustOf(options: VerifyOptions): Promise<{ anchors: Certificate[]; extra: Certificate[]; isDataDir: boolean }> {
  if (options.roots !== undefined) return { anchors: await readCertificates(options.roots, 'the roots file'), extra: [], isDataDir: false };
  const paths = dataDirPaths(options.dir ?? DEFAULT_DATA_DIR);
  if (!existsSync(paths.rootCertificate)) {
    throw new SymbolonError('USAGE', `no --roots given and no CA in the data directory (${paths.rootCertificate} does not exist)`);
  }
  const extra: Certificate[] = [];
  for (const name of readdirSync(paths.caDir).sort()) {
    if (/^intermediate-\d+\.crt$/.test(name)) extra.push(...(await readCertificates(join(paths.caDir, name), 'the CA certificate')));
  }
  return { anchors: await readCertificates(paths.rootCertificate, 'the data directory root'), extra, isDataDir: true };
}

/** A chain of the data directory's CA, checked against its own records of issuance and revocation. */
async function ownRevocationResult(options: VerifyOptions, result: PathResult): Promise<PathResult> {
  if (!result.ok) return result;
  const finding = await withDataDir(options, (dataDir) => ownRevocationStatus(dataDir, result.path));
  if (finding === undefined) return result;
  return {
    ok: false,
    code: finding.status === 'revoked' ? 'PATH_REVOKED' : 'PATH_REVOCATION_UNKNOWN',
    certificateIndex: finding.certificateIndex,
    detail: finding.detail,
  };
}

function describe(certificate: Certificate | undefined): string {
  if (certificate === undefined) return '';
  const name = formatName(certificate.subject);
  return name === '' ? `serial ${certificate.serialNumber}` : name;
}

function jsonResult(result: PathResult): string {
  if (result.ok) {
    return (
      JSON.stringify(
        {
          valid: true,
          validUntil: result.validUntil.toISOString(),
          path: result.path.map((certificate) => ({
            subject: formatName(certificate.subject),
            issuer: formatName(certificate.issuer),
            serialNumber: certificate.serialNumber,
            notAfter: certificate.notAfter.toISOString(),
            fingerprintSha256: certificate.fingerprintSha256,
          })),
        },
        null,
        2,
      ) + '\n'
    );
  }
  return (
    JSON.stringify({ valid: false, code: result.code, certificateIndex: result.certificateIndex, detail: result.detail }, null, 2) + '\n'
  );
}

/**
 * `symbolon verify LEAF`: builds and validates the chain of LEAF (RFC 5280 section 6) with
 * Symbolon's own validator. Exit 0 when valid, 1 when not (the reason code and a sentence on one
 * line), 2 on a usage or input error.
 */
export const verifyCommand: CommandFactory = (output: Output) =>
  new Command('verify')
    .description('validate a certificate chain strictly (RFC 5280): path, usages, name constraints, peer name, CRLs')
    .argument(
      '<leaf>',
      'the certificate to verify (PEM or DER; more PEM certificates after it are used as intermediates), or - for standard input',
    )
    .option('--roots <file>', 'trusted root certificates (PEM, several per file, or DER); by default the data directory CA root')
    .option('--intermediates <file>', 'untrusted intermediate certificates, in any order; repeat for more files', collect, [] as string[])
    .option(
      '--crl <file>',
      'a CRL to check revocation with (PEM or DER; complete, partitioned or delta CRLs); repeat for more',
      collect,
      [] as string[],
    )
    .addOption(
      new Option(
        '--crl-check <which>',
        'which certificates the --crl CRLs must cover: available (those they cover), leaf, or chain (every one below the root; the default with --crl)',
      ).choices(['available', 'leaf', 'chain']),
    )
    .option('--at <time>', 'validate at this time: RFC 3339 (2030-01-01T00:00:00Z) or Unix seconds; default now', parseAt)
    .addOption(new Option('--purpose <purpose>', 'what the certificate is for').choices(['client', 'server', 'any']).default('any'))
    .option('--dns <name>', 'the DNS name the certificate must carry (RFC 6125 wildcards)')
    .option('--ip <address>', 'the IP address the certificate must carry')
    .option('--email <address>', 'the email address the certificate must carry')
    .option('--uri <uri>', 'the URI (a SPIFFE ID, say) the certificate must carry')
    .option(
      '--max-depth <n>',
      'most intermediate certificates between the leaf and the root (0: the leaf is issued by the root)',
      parseWholeNumber('--max-depth', 0, 64),
    )
    .addOption(
      new Option(
        '--profile <profile>',
        'strict: RFC 5280 conformance and the TLS profile rules; rfc5280: only what RFC 5280 path validation requires, for legacy CAs',
      )
        .choices(VALIDATION_PROFILES)
        .default('strict'),
    )
    .option('--dir <path>', `data directory whose CA is trusted when --roots is not given (default ./${DEFAULT_DATA_DIR})`)
    .option('--json', 'print the result as one JSON document')
    .action(async (leafFile: string, options: VerifyOptions) => {
      const peer = peerOf(options);
      const [leaf, ...chainRest] = await readCertificates(leafFile, 'the certificate file');
      const intermediates: Certificate[] = [];
      for (const file of options.intermediates) intermediates.push(...(await readCertificates(file, 'the intermediates file')));
      const crls: CertificateList[] = [];
      for (const file of options.crl) crls.push(...parseCrls(await readInput(file)));
      const { anchors, extra, isDataDir } = await trustOf(options);
      const crlRequirement = options.crlCheck ?? (crls.length > 0 ? 'chain' : undefined);
      const validated = validatePath(leaf, {
        anchors: new TrustBundle(anchors),
        intermediates: [...chainRest, ...intermediates, ...extra],
        at: options.at ?? new Date(),
        purpose: options.purpose,
        crls,
        ...(crlRequirement !== undefined && { crlRequirement }),
        profile: options.profile,
        ...(peer !== undefined && { peer }),
        ...(options.maxDepth !== undefined && { limits: { maxIntermediates: options.maxDepth } }),
      });
      // The data directory's CA answers for its own certificates from its records.
      const result = isDataDir ? await ownRevocationResult(options, validated) : validated;
      if (options.json === true) output.out(jsonResult(result));
      if (result.ok) {
        if (options.json !== true) output.out(`OK: ${result.path.map(describe).join(' <- ')}\n`);
        return;
      }
      if (options.json !== true) output.err(`symbolon: ${result.code}: ${result.detail}\n`);
      throw new SymbolonError('CLI_COMMAND_FAILED');
    });
