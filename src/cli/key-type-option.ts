import { SymbolonError } from '../errors.js';
import { KEY_TYPES, isKeyType } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';

/** Commander parser for `--type`: one of `KEY_TYPES`, else `KEY_UNSUPPORTED_TYPE`. */
export function parseKeyType(value: string): KeyType {
  const type = value.toLowerCase();
  if (!isKeyType(type)) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `"${value}" is not a key type; use one of ${KEY_TYPES.join(', ')}`);
  return type;
}
