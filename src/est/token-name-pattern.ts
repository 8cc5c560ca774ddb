import { SymbolonError } from '../errors.js';

/** Longest name pattern a token takes (RFC 1035: a DNS name is at most 253 characters). */
const MAX_PATTERN_LENGTH = 253;
const PATTERN = /^[A-Za-z0-9*._@:\-]+$/;

/**
 * Checks a token's `--name` pattern: letters, digits, `.`, `-`, `_`, `@`, `:` and `*`, where
 * `*` stands for one or more characters other than `.` (within one DNS label: `sensor-*` takes
 * `sensor-17`, not `sensor-17.evil.example`). Throws `USAGE`.
 */
export function checkTokenNamePattern(pattern: string): void {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH || !PATTERN.test(pattern) || pattern.includes('**')) {
    throw new SymbolonError('USAGE', `--name takes a name or a pattern with "*" for one or more characters within a label (sensor-*, *.fleet.example), not "${pattern}"`);
  }
}

/** Whether one label matches a label pattern in which `*` is one or more characters. */
function matchesLabel(pattern: string, label: string): boolean {
  // Two pointers, backtracking to the last star (correct when a star may take any character):
  // O(|pattern| * |label|) at worst.
  let pi = 0;
  let li = 0;
  let star = -1;
  let starEnd = 0;
  while (li < label.length) {
    if (pattern[pi] === '*') {
      star = pi++;
      starEnd = ++li;
    } else if (pi < pattern.length && pattern[pi] === label[li]) {
      pi++;
      li++;
    } else if (star >= 0) {
      pi = star + 1;
      li = ++starEnd;
    } else return false;
  }
  return pi === pattern.length;
}

/** Whether `name` matches `pattern` (see `checkTokenNamePattern`), label by label, case-insensitively. */
export function matchesTokenName(pattern: string, name: string): boolean {
  const patternLabels = pattern.toLowerCase().split('.');
  const labels = name.toLowerCase().split('.');
  return patternLabels.length === labels.length && patternLabels.every((label, i) => matchesLabel(label, labels[i]!));
}
