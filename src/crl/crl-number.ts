import { readFile } from 'node:fs/promises';
import { parseCrl } from '../x509/index.js';

/**
 * The cRLNumber of the CRL last written to `path`, or undefined when there is none to read.
 * RFC 5280 5.2.3 wants the numbers to increase for as long as the issuer publishes, across
 * restarts; the file written last is where this process left off.
 */
export async function lastCrlNumber(path: string): Promise<bigint | undefined> {
  try {
    return parseCrl(await readFile(path)).crlNumber;
  } catch {
    return undefined;
  }
}

/**
 * The next cRLNumber: one more than the last, and never below the Unix time in seconds, so that
 * a lost file or a restored backup still moves forward.
 */
export function nextCrlNumber(last: bigint | undefined, now: Date): bigint {
  const floor = BigInt(Math.floor(now.getTime() / 1000));
  const next = last === undefined ? 1n : last + 1n;
  return next > floor ? next : floor;
}
