import { Option } from 'commander';
import { SymbolonError } from '../errors.js';
import { KEY_TYPES, isKeyType } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';

/** Commander parser for `--type`: one of `KEY_TYPES`, else `KEY_UNSUPPORTED_TYPE`. */
export function parseKeyType(value: string): KeyType {
  const type = value.toLowerCase();
  if (!isKeyType(type)) throw new SymbolonError('KEY_UNSUPPORTED_TYPE', `"${value}" is not a key type; use one of ${KEY_TYPES.join(', ')}`);
  return type;
}

/**
 * Every command names the type of a new key `--key-type`. `--type`, the name `key create` and
 * `csr create` first had, stays as a hidden alias so scripts written for it keep working; giving
 * both is refused.
 */
export function keyTypeAlias(): Option {
  return new Option('--type <type>').argParser(parseKeyType).hideHelp();
}

/** The key type from `--key-type` or its alias `--type`; p256 when neither is given. Throws `USAGE` when both are. */
export function keyTypeOf(options: { readonly keyType?: KeyType | undefined; readonly type?: KeyType | undefined }): KeyType {
  if (options.keyType !== undefined && options.type !== undefined)
    throw new SymbolonError('USAGE', 'give --key-type once (--type is its old name)');
  return options.keyType ?? options.type ?? 'p256';
}
