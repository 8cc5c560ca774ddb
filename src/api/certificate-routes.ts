import { z } from 'zod';
import { buildCertificatesPkcs12, findCertificate, parseLifetime, parseRevocationReason, revokeCertificate } from '../ca/index.js';
import type { CertificateAuthority } from '../ca/index.js';
import { SymbolonError } from '../errors.js';
import type { CertificateRecord, CertificateStatus, IssuerRecord, Store } from '../store/index.js';
import { parseCertificate, parseCsr, parsePem, toPem } from '../x509/index.js';
import { badQuery, parseInstant, parseLimit, parseText, queryParameters, readJsonBody } from './api-input.js';
import { sendJson } from './api-response.js';
import { adminActor } from './api-route.js';
import type { ApiCall, ApiRoute } from './api-route.js';
import { certificateDetail, certificateSummary, issuerChain } from './certificate-json.js';
import { decodeCursor, encodeCursor } from './search-cursor.js';

export interface CertificateRoutesOptions {
  readonly store: Store;
  /** The CA that issues and renews: undefined when the active intermediate is locked. */
  readonly ca: CertificateAuthority | undefined;
  readonly clock: () => Date;
}

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;
const STATUSES: readonly CertificateStatus[] = ['valid', 'revoked', 'expired'];
const PROFILE = /^[a-z][a-z0-9-]{0,39}$/;
/** Lowercase hex without separators, at most 20 octets (RFC 5280 4.1.2.2). */
const SERIAL = /^[0-9a-f]{1,40}$/;
const LIST_PARAMETERS = ['q', 'subject', 'san', 'serial', 'profile', 'status', 'expiresAfter', 'expiresBefore', 'limit', 'cursor'];

function serialPrefix(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const serial = text.toLowerCase();
  if (!SERIAL.test(serial)) throw badQuery(`serial takes hex digits (lowercase, no separators), not "${text.slice(0, 64)}"`);
  return serial;
}

async function list(call: ApiCall, options: CertificateRoutesOptions): Promise<void> {
  const values = queryParameters(call.query, LIST_PARAMETERS);
  const status = values.get('status');
  if (status !== undefined && !STATUSES.includes(status as CertificateStatus)) throw badQuery(`status takes ${STATUSES.join(', ')}`);
  const profile = values.get('profile');
  if (profile !== undefined && !PROFILE.test(profile)) throw badQuery(`"${profile.slice(0, 64)}" is not a profile name`);
  const now = options.clock();
  const limit = parseLimit(values.get('limit'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const page = await options.store.searchCertificates({
    now,
    text: parseText(values.get('q'), 'q'),
    subject: parseText(values.get('subject'), 'subject'),
    san: parseText(values.get('san'), 'san'),
    serial: serialPrefix(values.get('serial')),
    profile,
    status: status as CertificateStatus | undefined,
    expiresAfter: parseInstant(values.get('expiresAfter'), 'expiresAfter'),
    expiresBefore: parseInstant(values.get('expiresBefore'), 'expiresBefore'),
    limit,
    after: decodeCursor(values.get('cursor')),
  });
  sendJson(call.res, 200, {
    items: page.records.map((record) => certificateSummary(record, now)),
    nextCursor: page.next === null ? null : encodeCursor(page.next),
  });
}

/** The certificate a path's `{serial}` names; `API_QUERY_INVALID`, `CA_CERT_NOT_FOUND` or `CA_CERT_AMBIGUOUS`. */
async function pathCertificate(call: ApiCall, store: Store): Promise<CertificateRecord> {
  const serial = call.params['serial'] ?? '';
  if (!SERIAL.test(serial)) throw badQuery(`"${serial.slice(0, 64)}" is not a serial: lowercase hex without separators`);
  return findCertificate(store, serial);
}

function issuingCa(options: CertificateRoutesOptions): CertificateAuthority {
  if (options.ca === undefined)
    throw new SymbolonError(
      'API_ISSUANCE_UNAVAILABLE',
      'the active intermediate key is locked in this process: start up with its passphrase',
    );
  return options.ca;
}

async function sendDetail(call: ApiCall, options: CertificateRoutesOptions, record: CertificateRecord, status: number): Promise<void> {
  sendJson(call.res, status, certificateDetail(record, await options.store.listIssuers(), options.clock()));
}

const DOWNLOADS = {
  pem: { type: 'application/x-pem-file', extension: 'pem' },
  der: { type: 'application/pkix-cert', extension: 'cer' },
  p12: { type: 'application/x-pkcs12', extension: 'p12' },
} as const;

async function download(call: ApiCall, options: CertificateRoutesOptions): Promise<void> {
  const format = queryParameters(call.query, ['format']).get('format') ?? 'pem';
  if (!Object.hasOwn(DOWNLOADS, format)) throw badQuery('format takes pem, der or p12');
  const record = await pathCertificate(call, options.store);
  const chain = issuerChain(record.issuerId, await options.store.listIssuers()).map((issuer: IssuerRecord) => issuer.certificate);
  const kind = DOWNLOADS[format as keyof typeof DOWNLOADS];
  const body =
    format === 'der'
      ? record.der
      : format === 'p12'
        ? buildCertificatesPkcs12([record.der, ...chain])
        : Buffer.from([record.der, ...chain].map((der) => toPem('CERTIFICATE', der)).join(''));
  call.res.writeHead(200, {
    'Content-Type': kind.type,
    'Content-Length': body.length,
    'Content-Disposition': `attachment; filename="${record.serial}.${kind.extension}"`,
    'Cache-Control': 'no-store',
  });
  call.res.end(body);
}

const issueBody = z
  .object({
    csr: z
      .string()
      .min(1)
      .max(32 * 1024),
    profile: z.string().regex(PROFILE, { message: 'expected a profile name' }),
    lifetime: z.string().max(32).optional(),
  })
  .strict();

async function issue(call: ApiCall, options: CertificateRoutesOptions): Promise<void> {
  queryParameters(call.query, []);
  const body = await readJsonBody(call.req, issueBody);
  const ca = issuingCa(options);
  const [der] = parsePem(body.csr, 'CERTIFICATE REQUEST');
  const csr = parseCsr(der!);
  const issued = await ca.issueFromCsr(csr, {
    profile: body.profile,
    ttlSeconds: body.lifetime === undefined ? undefined : parseLifetime(body.lifetime, 'lifetime'),
    actor: adminActor(call.admin),
  });
  await sendDetail(call, options, issued.record, 201);
}

async function renew(call: ApiCall, options: CertificateRoutesOptions): Promise<void> {
  queryParameters(call.query, []);
  const record = await pathCertificate(call, options.store);
  const issued = await issuingCa(options).renew(record, parseCertificate(record.der), { actor: adminActor(call.admin) });
  await sendDetail(call, options, issued.record, 201);
}

const revokeBody = z.object({ reason: z.string().min(1).max(64) }).strict();

async function revoke(call: ApiCall, options: CertificateRoutesOptions): Promise<void> {
  queryParameters(call.query, []);
  const body = await readJsonBody(call.req, revokeBody);
  const reason = parseRevocationReason(body.reason);
  const record = await pathCertificate(call, options.store);
  await revokeCertificate(options.store, record, reason, { actor: adminActor(call.admin), now: options.clock() });
  const revoked = await options.store.getCertificate(record);
  await sendDetail(call, options, revoked ?? record, 200);
}

/** The certificate operations: list and search, detail, download, issue from a CSR, renew, revoke. */
export function certificateRoutes(options: CertificateRoutesOptions): ApiRoute[] {
  return [
    { method: 'GET', path: '/certificates', isChange: false, handle: (call) => list(call, options) },
    { method: 'POST', path: '/certificates', isChange: true, handle: (call) => issue(call, options) },
    {
      method: 'GET',
      path: '/certificates/{serial}',
      isChange: false,
      handle: async (call) => {
        queryParameters(call.query, []);
        await sendDetail(call, options, await pathCertificate(call, options.store), 200);
      },
    },
    { method: 'GET', path: '/certificates/{serial}/download', isChange: false, handle: (call) => download(call, options) },
    { method: 'POST', path: '/certificates/{serial}/renew', isChange: true, handle: (call) => renew(call, options) },
    { method: 'POST', path: '/certificates/{serial}/revoke', isChange: true, handle: (call) => revoke(call, options) },
  ];
}
