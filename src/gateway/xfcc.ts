import { formatName, toPem } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';
import { assertSafeHeaderValue, escapeRfc4514NonAscii, percentEncodeUnsafe } from './header-value.js';

export const XFCC_HEADER = 'x-forwarded-client-cert';

export interface XfccOptions {
  /** The gateway's own URI SAN, sent as `By` (Envoy: the SAN of the proxy's certificate). */
  readonly by?: string;
  /** Include `Cert` (the URL-encoded PEM); large, so it can be left out. Default true. */
  readonly includeCert?: boolean;
}

/**
 * Envoy XFCC value quoting: a value containing `,`, `;` or `=` is double-quoted, and `"` and `\`
 * inside a quoted value are escaped with a backslash. Envoy always quotes `Cert` and `Subject`.
 */
export function quoteXfccValue(value: string, isAlwaysQuoted = false): string {
  if (!isAlwaysQuoted && !/[,;="\\]/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * One XFCC element in Envoy's format: `By`, `Hash` (SHA-256 hex of the DER), `Cert` (URL-encoded
 * PEM), `Subject` (RFC 4514), one `URI` per URI SAN and one `DNS` per DNS SAN, joined by `;`.
 * Throws `GATEWAY_HEADER_UNSAFE` only if escaping failed to remove a control character.
 */
export function buildXfcc(certificate: Certificate, options: XfccOptions = {}): string {
  const pairs: string[] = [];
  if (options.by !== undefined) pairs.push(`By=${quoteXfccValue(percentEncodeUnsafe(options.by))}`);
  pairs.push(`Hash=${certificate.fingerprintSha256}`);
  if (options.includeCert !== false) pairs.push(`Cert=${quoteXfccValue(encodeURIComponent(toPem('CERTIFICATE', certificate.der)), true)}`);
  pairs.push(`Subject=${quoteXfccValue(escapeRfc4514NonAscii(formatName(certificate.subject)), true)}`);
  for (const uri of certificate.uris) pairs.push(`URI=${quoteXfccValue(percentEncodeUnsafe(uri))}`);
  for (const dns of certificate.dnsNames) pairs.push(`DNS=${quoteXfccValue(percentEncodeUnsafe(dns))}`);
  return assertSafeHeaderValue(XFCC_HEADER, pairs.join(';'));
}
