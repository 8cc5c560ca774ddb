import { SymbolonError } from '../../errors.js';
import { assertKeySupported } from '../../keys/index.js';
import type { PublicKeyInfo } from '../../x509/index.js';
import type { Profile, ProfileKeyType } from './profile.js';

const CURVE_TYPES: Readonly<Record<string, ProfileKeyType>> = { 'P-256': 'p256', 'P-384': 'p384', 'P-521': 'p521' };
/** Curves under 256 bits give less than 128-bit security (NIST SP 800-57 part 1, table 2). */
const WEAK_CURVES = new Set([
  'P-192',
  'P-224',
  'prime192v1',
  'secp192k1',
  'secp224r1',
  'secp224k1',
  'secp160r1',
  'secp160k1',
  'secp112r1',
  'secp128r1',
]);

function keyLabel(key: PublicKeyInfo): string {
  if (key.algorithm === 'ec') return `EC ${key.curve ?? 'with unnamed curve'}`;
  if (key.algorithm === 'rsa') return `RSA ${key.bits ?? '?'}`;
  return key.algorithm;
}

/**
 * Checks the subject's public key against the profile: its type is allowed and it is strong
 * enough. Returns the profile key type. Throws `CA_KEY_TOO_WEAK` (RSA under the minimum, curves
 * under 256 bits), `CA_KEY_TYPE_NOT_ALLOWED`, or `KEY_UNSUPPORTED_TYPE` for a key Symbolon
 * cannot use at all (a bad RSA exponent, say).
 */
export function checkSubjectKey(profile: Profile, key: PublicKeyInfo): ProfileKeyType {
  const allowed = profile.keyTypes.join(', ');
  let type: ProfileKeyType | undefined;
  if (key.algorithm === 'ec') {
    const curve = key.curve ?? '';
    if (WEAK_CURVES.has(curve) || (key.bits !== undefined && key.bits < 256)) {
      throw new SymbolonError(
        'CA_KEY_TOO_WEAK',
        `an ${keyLabel(key)} key is too weak; use P-256 or stronger (profile ${profile.name} allows ${allowed})`,
      );
    }
    type = CURVE_TYPES[curve];
  } else if (key.algorithm === 'rsa') {
    const bits = key.bits ?? 0;
    const minimum = Math.max(2048, profile.minRsaBits);
    if (bits < minimum)
      throw new SymbolonError(
        'CA_KEY_TOO_WEAK',
        `an RSA key of ${bits} bits is too weak; profile ${profile.name} wants RSA of at least ${minimum} bits, or P-256`,
      );
    type = 'rsa';
  } else if (key.algorithm === 'ed25519') {
    type = 'ed25519';
  }
  if (type === undefined || !profile.keyTypes.includes(type)) {
    throw new SymbolonError(
      'CA_KEY_TYPE_NOT_ALLOWED',
      `a ${keyLabel(key)} key is not allowed by profile ${profile.name}; use one of ${allowed}`,
    );
  }
  if (key.keyObject === undefined) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `the ${keyLabel(key)} key cannot be loaded`);
  assertKeySupported(key.keyObject);
  return type;
}
