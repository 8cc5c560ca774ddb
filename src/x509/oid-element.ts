import { der } from '../asn1/index.js';
import { BoundedCache } from '../bounded-cache.js';
import { Asn1Error, SymbolonError } from '../errors.js';

const elements = new BoundedCache<string, Buffer>(4096);

/**
 * The DER OBJECT IDENTIFIER for a dotted OID taken from a template, memoised whole (a CA writes
 * the same few OIDs into every certificate). Throws `CERT_INVALID_INPUT` naming `what` when the
 * text is not an OID.
 */
export function oidElement(dotted: string, what: string): Buffer {
  const cached = elements.get(dotted);
  if (cached !== undefined) return cached;
  let element: Buffer;
  try {
    element = der.oid(dotted);
  } catch (error) {
    if (error instanceof Asn1Error)
      throw new SymbolonError('CERT_INVALID_INPUT', `${what} "${dotted}" is not a dotted object identifier`, { cause: error });
    throw error;
  }
  elements.set(dotted, element);
  return element;
}
