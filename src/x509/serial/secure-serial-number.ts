import { randomBytes, randomFillSync } from 'node:crypto';
import { randomSerialNumber } from './serial-number-encoding.js';

// One call into OpenSSL's CSPRNG per 256 serials: a 16-byte randomBytes call costs as much as
// encoding half a certificate.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function pooledRandom(size: number): Uint8Array {
  if (size > pool.length) return randomBytes(size);
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

/** A random 16-octet serial number from node:crypto's CSPRNG (see `randomSerialNumber`). */
export function secureRandomSerialNumber(): Buffer {
  return randomSerialNumber(pooledRandom);
}
