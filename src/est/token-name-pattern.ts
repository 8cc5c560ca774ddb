import { SymbolonError } from '../errors.js';
import { compileNameGlob } from '../x509/index.js';
import type { NameGlobOptions } from '../x509/index.js';

/** Token names are DNS-like: labels split on `.`, compared case-insensitively, `*` within a label. */
const TOKEN_GLOB: NameGlobOptions = { separator: '.', isCaseInsensitive: true, isStarWithinSegment: true };

/** Longest name pattern a token takes (RFC 1035: a DNS name is at most 253 characters). */
const MAX_PATTERN_LENGTH = 253;
const PATTERN = /^[A-Za-z0-9*._@:-]+$/;

/**
 * Checks a token's `--name` pattern: letters, digits, `.`, `-`, `_`, `@`, `:` and `*`, where
 * `*` stands for one or more characters other than `.` (within one DNS label: `sensor-*` takes
 * `sensor-17`, not `sensor-17.evil.example`). Throws `USAGE`.
 */
export function checkTokenNamePattern(pattern: string): void {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH || !PATTERN.test(pattern) || pattern.includes('**')) {
    throw new SymbolonError(
      'USAGE',
      `--name takes a name or a pattern with "*" for one or more characters within a label (sensor-*, *.fleet.example), not "${pattern}"`,
    );
  }
}

/** Whether `name` matches `pattern` (see `checkTokenNamePattern`), label by label, case-insensitively. */
export function matchesTokenName(pattern: string, name: string): boolean {
  return compileNameGlob(pattern, TOKEN_GLOB).matches(name);
}
