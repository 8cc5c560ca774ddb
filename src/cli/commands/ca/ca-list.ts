import { Command, Option } from 'commander';
import { readInternalCertificates } from '../../../ca/index.js';
import type { CertificateRecord, CertificateStatus } from '../../../store/index.js';
import { lifetimeOption } from '../../lifetime-option.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliClock, withDataDir, DATABASE_OPTION_HELP } from './ca-options.js';

interface CaListOptions {
  readonly dir?: string;
  readonly status?: CertificateStatus;
  readonly profile?: string;
  readonly expiring?: number;
  readonly json?: boolean;
  readonly all?: boolean;
}

/** The status of a record at `now`. */
function statusOf(record: CertificateRecord, now: Date): CertificateStatus {
  if (record.revocation !== null) return 'revoked';
  return record.notAfter.getTime() <= now.getTime() ? 'expired' : 'valid';
}

/** A record as JSON for `--json`: no DER, dates as ISO text. */
export function recordJson(record: CertificateRecord, now: Date): Record<string, unknown> {
  return {
    issuer: record.issuerId,
    serial: record.serial,
    status: statusOf(record, now),
    profile: record.profile,
    subject: record.subject,
    subjectAltNames: record.subjectAltNames,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    issuedAt: record.issuedAt.toISOString(),
    sha256: record.fingerprint,
    renewalOf: record.renewalOf === null ? null : `${record.renewalOf.issuerId}/${record.renewalOf.serial}`,
    revocation:
      record.revocation === null
        ? null
        : { reason: record.revocation.reason, revokedAt: record.revocation.revokedAt.toISOString(), sequence: record.revocation.sequence },
  };
}

/** `symbolon ca list`: the inventory, filtered. */
export const caListCommand: CommandFactory = (output: Output) =>
  new Command('list')
    .description('list issued certificates')
    .addOption(new Option('--status <status>', 'only valid, revoked or expired certificates').choices(['valid', 'revoked', 'expired']))
    .option('--profile <name>', 'only certificates of this profile')
    .addOption(
      new Option('--expiring <lifetime>', 'only valid certificates expiring within this time, such as 30d').argParser(
        lifetimeOption('--expiring'),
      ),
    )
    .option('--json', 'print JSON, one array')
    .option('--all', "also list the CA's internal certificates (OCSP responder, revocation feed, gateway)")
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .action(async (options: CaListOptions) => {
      const now = cliClock();
      const { records, internal } = await withDataDir(options, async (dataDir) => ({
        internal: await readInternalCertificates(dataDir.paths),
        records: await dataDir.store.listCertificates({
          now,
          ...(options.expiring === undefined
            ? options.status === undefined
              ? {}
              : { status: options.status }
            : { status: 'valid', notAfterBefore: new Date(now.getTime() + options.expiring * 1000) }),
          ...(options.profile === undefined ? {} : { profile: options.profile }),
        }),
      }));
      const roleOf = (record: CertificateRecord): string | undefined => internal.get(`${record.issuerId}/${record.serial}`);
      // The certificates of up's own services are the CA's business, not the operator's inventory.
      const shown = options.all === true ? records : records.filter((record) => roleOf(record) === undefined);
      const hidden = records.length - shown.length;
      if (options.json === true) {
        output.out(
          JSON.stringify(
            shown.map((record) => ({ ...recordJson(record, now), internal: roleOf(record) ?? null })),
            null,
            2,
          ) + '\n',
        );
        return;
      }
      const lines = shown.map((r) => {
        const role = roleOf(r);
        return [
          r.serial,
          statusOf(r, now).padEnd(7),
          r.profile.padEnd(12),
          r.notAfter.toISOString(),
          (r.subject || r.subjectAltNames.join(',')) + (role === undefined ? '' : `  [internal: ${role}]`),
        ].join('  ');
      });
      const note = hidden === 0 ? '' : ` (and ${hidden} internal certificate${hidden === 1 ? '' : 's'} of up's services; --all lists them)`;
      output.out([`${shown.length} certificate${shown.length === 1 ? '' : 's'}${note}`, ...lines, ''].join('\n'));
    });
