import { SymbolonError } from '../errors.js';
import { EXTENDED_KEY_USAGES, KEY_USAGES } from '../x509/index.js';
import type { KeyUsage } from '../x509/index.js';

const DOTTED_OID = /^[0-2](\.(0|[1-9]\d*))+$/;

function isKeyUsage(value: string): value is KeyUsage {
  return (KEY_USAGES as readonly string[]).includes(value);
}

/** `--key-usage` values: RFC 5280 4.2.1.3 names (digitalSignature, keyEncipherment, ...). Throws `USAGE`. */
export function keyUsagesFrom(values: readonly string[]): KeyUsage[] {
  // RFC 5280 4.2.1.3: a keyUsage extension asserts at least one bit.
  if (values.length === 0) throw new SymbolonError('USAGE', '--key-usage needs at least one usage');
  return values.map((value) => {
    if (!isKeyUsage(value)) throw new SymbolonError('USAGE', `"${value}" is not a key usage; use ${KEY_USAGES.join(', ')}`);
    return value;
  });
}

/** `--eku` values: RFC 5280 4.2.1.12 names (serverAuth, clientAuth, ...) or dotted OIDs, as OIDs. Throws `USAGE`. */
export function extendedKeyUsagesFrom(values: readonly string[]): string[] {
  // RFC 5280 4.2.1.12: ExtKeyUsageSyntax is SEQUENCE SIZE (1..MAX).
  if (values.length === 0) throw new SymbolonError('USAGE', '--eku needs at least one usage');
  return values.map((value) => {
    if (Object.hasOwn(EXTENDED_KEY_USAGES, value)) return EXTENDED_KEY_USAGES[value as keyof typeof EXTENDED_KEY_USAGES];
    if (DOTTED_OID.test(value)) return value;
    throw new SymbolonError(
      'USAGE',
      `"${value}" is not an extended key usage; use ${Object.keys(EXTENDED_KEY_USAGES).join(', ')} or a dotted OID`,
    );
  });
}
