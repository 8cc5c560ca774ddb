import { SymbolonError } from '../errors.js';
import type { TokenRow } from './store-rows.js';

/**
 * Why a token's use was refused. Both stores take a use with one conditional UPDATE (known, not
 * revoked, not expired at `at`, a use left): the check is its WHERE clause, so concurrent writers
 * cannot both take the last use. When it changed nothing, the row read back in the same
 * transaction says which condition failed, here, for both stores.
 */
export function tokenUseRefusal(id: string, row: TokenRow | undefined, at: Date): SymbolonError {
  if (row === undefined) return new SymbolonError('STORE_TOKEN_NOT_FOUND', `no enrollment token "${id}" is recorded`);
  if (row.revoked_at !== null) return new SymbolonError('STORE_TOKEN_REVOKED', `the enrollment token "${id}" was revoked`);
  if (at.getTime() >= row.expires_at) return new SymbolonError('STORE_TOKEN_EXPIRED', `the enrollment token "${id}" has expired`);
  return new SymbolonError('STORE_TOKEN_USED_UP', `the enrollment token "${id}" has no use left`);
}
