import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';

/** A certificate serial number to write: big-endian magnitude bytes, or a bigint. */
export type SerialNumberInput = Uint8Array | bigint;

const MAX_SERIAL_OCTETS = 20;

function magnitudeOf(serial: SerialNumberInput): Uint8Array {
  if (typeof serial !== 'bigint') return serial;
  if (serial <= 0n) throw new SymbolonError('CERT_BAD_SERIAL', `the serial number must be positive, not ${serial}`);
  const hex = serial.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : '0' + hex, 'hex');
}

/**
 * The serialNumber INTEGER of a certificate. RFC 5280 4.1.2.2: positive, and at most 20 octets
 * as encoded, so a 20-octet magnitude with its high bit set (21 octets with the sign octet) is
 * refused. Throws `CERT_BAD_SERIAL`.
 */
export function encodeSerialNumber(serial: SerialNumberInput): Buffer {
  const magnitude = magnitudeOf(serial);
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const octets = magnitude.length - start;
  if (octets === 0) throw new SymbolonError('CERT_BAD_SERIAL', 'the serial number must be positive, not zero');
  const encodedOctets = octets + ((magnitude[start]! & 0x80) === 0 ? 0 : 1);
  if (encodedOctets > MAX_SERIAL_OCTETS) {
    throw new SymbolonError(
      'CERT_BAD_SERIAL',
      `the serial number takes ${encodedOctets} octets encoded, over the ${MAX_SERIAL_OCTETS} RFC 5280 allows`,
    );
  }
  return der.unsignedInteger(magnitude.subarray(start));
}

const RANDOM_SERIAL_OCTETS = 16;

/**
 * A fresh serial number of 16 octets holding 126 random bits from `random` (a CSPRNG such as
 * `crypto.randomBytes`): the CA/Browser Forum asks for at least 64. The top bit is cleared so
 * the INTEGER stays positive without a sign octet, and the next one set so it is never zero and
 * always the same length.
 */
export function randomSerialNumber(random: (size: number) => Uint8Array): Buffer {
  const bytes = Buffer.from(random(RANDOM_SERIAL_OCTETS));
  if (bytes.length !== RANDOM_SERIAL_OCTETS)
    throw new SymbolonError('CERT_INVALID_INPUT', `the random source gave ${bytes.length} bytes, not ${RANDOM_SERIAL_OCTETS}`);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes;
}
