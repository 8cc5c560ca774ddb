import { SymbolonError } from '../errors.js';

/**
 * An issuer identifier given by the operator (RFC 8414 2: an https URL with no query or
 * fragment; its metadata is at `/.well-known/oauth-authorization-server` under it), without a
 * trailing slash so the `iss` of tokens and the gateway's `issuer` compare equal. Throws
 * `OAUTH_ISSUER_INVALID`.
 */
export function checkIssuerIdentifier(text: string): string {
  let url: URL | undefined;
  try {
    url = text.length > 1024 ? undefined : new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw new SymbolonError(
      'OAUTH_ISSUER_INVALID',
      `"${text.slice(0, 200)}" is not an https:// URL without query, fragment or credentials (RFC 8414 2)`,
    );
  return url.href.replace(/\/+$/, '');
}
