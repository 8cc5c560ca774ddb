import { SymbolonError } from '../errors.js';

/**
 * The one glob over names made of segments (URI paths and SPIFFE IDs split on `/`, DNS names and
 * email domains split on `.`): the gateway's route rules and the CA's name rules both match with it.
 *
 * Semantics, chosen so that no pattern can reach further than it reads:
 * - a segment that is exactly `*` matches exactly one non-empty segment;
 * - a segment that is exactly `**` matches one or more segments, each non-empty: never none, so
 *   `**.example.com` does not match `example.com` and `spiffe://td/ns/**` does not match
 *   `spiffe://td/ns` (an allow rule names what lies below, not the parent itself);
 * - every other segment matches itself literally (`?`, `[`, `.`, `(`, `+` are plain characters);
 * - a `*` anywhere else (`api-*`, `***`) is refused, so a pattern never means more than one thing,
 *   unless the caller allows stars within a segment (`isStarWithinSegment`, for enrollment tokens'
 *   `sensor-*`): then such a `*` matches one or more characters inside its one segment, and `**`
 *   is refused, so a pattern still never reaches past the segments it names.
 * Matching is segment-wise with no regular expression, and runs in O(pattern × name) time.
 */
export interface NameGlob {
  readonly pattern: string;
  matches(name: string): boolean;
}

export interface NameGlobOptions {
  readonly separator: '/' | '.';
  /** DNS names compare case-insensitively (RFC 4343); URI paths do not (RFC 3986 6.2.2.1). */
  readonly isCaseInsensitive: boolean;
  /** `*` inside a segment (`sensor-*`) matches one or more characters of that segment; `**` is refused. */
  readonly isStarWithinSegment?: boolean;
}

type Segment =
  | { readonly kind: 'one' }
  | { readonly kind: 'any' }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'starred'; readonly text: string };

/** Longest pattern accepted: real SPIFFE IDs and DNS names are far shorter (RFC 1035: 253). */
export const MAX_GLOB_LENGTH = 2048;

/** Compiles a glob once; throws `NAME_GLOB_INVALID` when it is malformed. */
export function compileNameGlob(pattern: string, options: NameGlobOptions): NameGlob {
  if (pattern.length === 0 || pattern.length > MAX_GLOB_LENGTH) {
    throw new SymbolonError('NAME_GLOB_INVALID', `a glob must be 1 to ${MAX_GLOB_LENGTH} characters`);
  }
  const text = options.isCaseInsensitive ? pattern.toLowerCase() : pattern;
  const segments: Segment[] = text.split(options.separator).map((part) => {
    if (part === '*') return { kind: 'one' };
    if (part === '**' && options.isStarWithinSegment !== true) return { kind: 'any' };
    if (options.isStarWithinSegment === true && part.includes('*')) {
      if (part.includes('**')) throw new SymbolonError('NAME_GLOB_INVALID', `glob "${pattern}": "**" cannot stand within a segment`);
      return { kind: 'starred', text: part };
    }
    if (part.includes('*')) {
      throw new SymbolonError('NAME_GLOB_INVALID', `glob "${pattern}": "*" and "**" must be a whole segment, not part of "${part}"`);
    }
    return { kind: 'literal', text: part };
  });
  const hasWildcard = segments.some((segment) => segment.kind !== 'literal');
  return Object.freeze({
    pattern,
    matches(name: string): boolean {
      const subject = options.isCaseInsensitive ? name.toLowerCase() : name;
      if (!hasWildcard) return subject === text;
      return matchSegments(segments, subject.split(options.separator));
    },
  });
}

function matchSegments(pattern: readonly Segment[], name: readonly string[]): boolean {
  // reachable[j]: the pattern prefix seen so far can consume exactly name[0..j).
  let reachable = new Uint8Array(name.length + 1);
  reachable[0] = 1;
  for (const segment of pattern) {
    const next = new Uint8Array(name.length + 1);
    for (let j = 0; j <= name.length; j++) {
      if (segment.kind === 'any') {
        // `**` consumes at least one non-empty segment from a reachable position, then any more.
        if (j > 0 && name[j - 1] !== '' && (reachable[j - 1] === 1 || next[j - 1] === 1)) next[j] = 1;
        continue;
      }
      if (j === 0 || reachable[j - 1] !== 1) continue;
      const part = name[j - 1]!;
      if (segment.kind === 'one' ? part !== '' : segment.kind === 'starred' ? matchesStarred(segment.text, part) : part === segment.text)
        next[j] = 1;
    }
    reachable = next;
  }
  return reachable[name.length] === 1;
}

/** Whether one segment matches a segment pattern whose every `*` is one or more characters. */
function matchesStarred(pattern: string, segment: string): boolean {
  // Two pointers, backing up to the last star (a star takes any character): O(|pattern| × |segment|).
  let pi = 0;
  let si = 0;
  let star = -1;
  let starEnd = 0;
  while (si < segment.length) {
    if (pattern[pi] === '*') {
      star = pi++;
      starEnd = ++si;
    } else if (pi < pattern.length && pattern[pi] === segment[si]) {
      pi++;
      si++;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++starEnd;
    } else return false;
  }
  return pi === pattern.length;
}
