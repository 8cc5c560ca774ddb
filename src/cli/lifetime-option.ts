import { parseLifetime } from '../ca/index.js';
import { isSymbolonError, SymbolonError } from '../errors.js';

/**
 * A lifetime given on the command line (`--ttl 30d`): its seconds, or `USAGE` naming the option,
 * so a malformed option exits 2 ("nothing was done") like every other usage error.
 */
export function parseLifetimeOption(value: string, option: string): number {
  try {
    return parseLifetime(value, option);
  } catch (error) {
    if (isSymbolonError(error) && error.code === 'CA_LIFETIME_INVALID') throw new SymbolonError('USAGE', error.message, { cause: error });
    throw error;
  }
}

/** The commander parser for a lifetime option. */
export function lifetimeOption(option: string): (value: string) => number {
  return (value: string) => parseLifetimeOption(value, option);
}
