import { decodeDer } from '../asn1/index.js';
import type { DerNode } from '../asn1/index.js';
import { SymbolonError } from '../errors.js';
import { isPem, parsePemBlocks } from '../asn1/index.js';

/**
 * Largest key input read, PEM or DER. An encrypted RSA 8192 key in PEM is under 7 KiB; the
 * margin leaves room for the explanatory text OpenSSL writes around PEM blocks.
 */
export const MAX_KEY_INPUT_BYTES = 64 * 1024;

/** Key input reduced to one DER element, with the PEM label it came under (null for DER input). */
export interface KeyInput {
  readonly label: string | null;
  readonly der: Buffer;
  readonly root: DerNode;
}

/** RFC 1421 encryption headers, which OpenSSL writes for `-traditional` encrypted keys. */
const LEGACY_PEM_ENCRYPTION = /^Proc-Type:\s*4,\s*ENCRYPTED/m;

/** Strict DER decoding of key bytes; every DER fault becomes `KEY_MALFORMED`. */
export function decodeKeyDer(der: Buffer, what: string): DerNode {
  try {
    return decodeDer(der, { maxBytes: MAX_KEY_INPUT_BYTES });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SymbolonError('KEY_MALFORMED', `the ${what} is not well-formed DER: ${detail}`, { cause: error });
  }
}

/**
 * Reads a key given as PEM text or DER bytes (told apart by the PEM BEGIN line). PEM must hold
 * exactly one block whose label is one of `labels`; other blocks (`EC PARAMETERS`, say) are
 * ignored. Throws `KEY_MALFORMED` for empty or undecodable input, `INPUT_TOO_LARGE` past
 * `MAX_KEY_INPUT_BYTES`, `PEM_BAD_LABEL` when no block has a fitting label, and the PEM codes
 * of `parsePemBlocks`.
 */
export function readKeyInput(input: string | Uint8Array, labels: readonly string[], what: string): KeyInput {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length === 0) throw new SymbolonError('KEY_MALFORMED', `the ${what} is empty`);
  if (bytes.length > MAX_KEY_INPUT_BYTES) {
    throw new SymbolonError('INPUT_TOO_LARGE', `the ${what} is ${bytes.length} bytes, over the limit of ${MAX_KEY_INPUT_BYTES} for a key`);
  }
  if (!isPem(bytes)) return { label: null, der: bytes, root: decodeKeyDer(bytes, what) };

  const text = bytes.toString('utf8');
  if (LEGACY_PEM_ENCRYPTION.test(text)) {
    throw new SymbolonError(
      'KEY_UNSUPPORTED_ENCRYPTION',
      'the key uses legacy OpenSSL PEM encryption; convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`',
    );
  }
  const blocks = parsePemBlocks(text);
  const keyBlocks = blocks.filter((block) => labels.includes(block.label));
  if (keyBlocks.length === 0) {
    const found = blocks.map((block) => `"${block.label}"`).join(', ') || 'no complete PEM block';
    throw new SymbolonError(
      'PEM_BAD_LABEL',
      `a ${what} was expected (${labels.map((label) => `"${label}"`).join(' or ')}), found ${found}`,
    );
  }
  if (keyBlocks.length > 1)
    throw new SymbolonError('KEY_MALFORMED', `the input holds ${keyBlocks.length} keys where one ${what} was expected`);
  const block = keyBlocks[0]!;
  return { label: block.label, der: block.der, root: decodeKeyDer(block.der, what) };
}
