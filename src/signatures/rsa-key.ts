/**
 * Why `modulus` and `publicExponent` cannot be an RSA public key, or undefined when they can
 * (RFC 8017 3.1): the modulus odd (a product of odd primes) and above 1, the exponent odd (it is
 * coprime to λ(n), which is even), at least 3 and below the modulus. Checked before OpenSSL
 * loads the key, for SubjectPublicKeyInfo and private keys alike.
 */
export function rsaPublicKeyFault(modulus: bigint, publicExponent: bigint): string | undefined {
  if (modulus <= 1n || (modulus & 1n) === 0n) return 'an RSA modulus is not an odd number above 1';
  if (publicExponent < 3n || (publicExponent & 1n) === 0n) return 'an RSA public exponent is not odd and at least 3';
  if (publicExponent >= modulus) return 'an RSA public exponent is not smaller than the modulus';
  return undefined;
}
