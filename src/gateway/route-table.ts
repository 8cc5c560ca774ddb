import { SymbolonError } from '../errors.js';

export type ClientCertificateMode = 'required' | 'optional';

export interface RouteEntry<T> {
  /** Exact host, wildcard `*.example.com` (one or more leading labels), or `*` for any host. */
  readonly host: string;
  /** Starts with `/`; matches on segment boundaries (`/api` matches `/api`, `/api/x`, not `/apix`). */
  readonly pathPrefix: string;
  readonly clientCertificate: ClientCertificateMode;
  readonly route: T;
}

export type RouteLookup<T> =
  | { readonly ok: true; readonly entry: RouteEntry<T> }
  | { readonly ok: false; readonly reason: 'no_route' | 'path_invalid' };

export interface RouteTable<T> {
  /** The route for a request's Host (port stripped, any case) and request-target path. */
  lookup(host: string, path: string): RouteLookup<T>;
}

/** Lowercase host without port or trailing dot; undefined when it is not a plausible host. */
export function normalizeHost(host: string): string | undefined {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    // RFC 3986 3.2.2: an IPv6 literal is bracketed; the port follows the bracket.
    const close = name.indexOf(']');
    if (close < 0) return undefined;
    name = name.slice(0, close + 1);
  } else {
    const colon = name.indexOf(':');
    if (colon >= 0) name = name.slice(0, colon);
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  return /^[a-z0-9._\-[\]:]{1,253}$/.test(name) ? name : undefined;
}

/**
 * The path of a request-target without query, or undefined when it must be refused: not
 * absolute, `.`/`..` segments, encoded `/`, `\` or `.` (or NUL), backslashes, or control
 * characters — forms an upstream may normalize differently from the gateway (RFC 3986 5.2.4,
 * 6.2.2.2). One pass over the characters: it runs on every request.
 */
export function routablePath(target: string): string | undefined {
  if (target.charCodeAt(0) !== SLASH) return undefined;
  let end = target.length;
  let segmentStart = 1;
  for (let i = 1; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === QUESTION_MARK || code === HASH) {
      end = i;
      break;
    }
    if (code <= 0x20 || code >= 0x7f || code === BACKSLASH) return undefined;
    if (code === SLASH) {
      if (isDotSegment(target, segmentStart, i)) return undefined;
      segmentStart = i + 1;
    } else if (code === PERCENT && isEncodedSeparator(target.charCodeAt(i + 1), target.charCodeAt(i + 2) | 0x20)) return undefined;
  }
  if (isDotSegment(target, segmentStart, end)) return undefined;
  return end === target.length ? target : target.slice(0, end);
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const QUESTION_MARK = 0x3f;
const HASH = 0x23;
const DOT = 0x2e;

function isDotSegment(text: string, start: number, end: number): boolean {
  const length = end - start;
  return (length === 1 && text.charCodeAt(start) === DOT) || (length === 2 && text.charCodeAt(start) === DOT && text.charCodeAt(start + 1) === DOT);
}

/** `%2f`, `%5c`, `%2e` or `%00`, any case: `high` is the first hex digit, `lowLowercased` the second lowercased. */
function isEncodedSeparator(high: number, lowLowercased: number): boolean {
  if (high === 0x32) return lowLowercased === 0x66 || lowLowercased === 0x65; // 2f, 2e
  if (high === 0x35) return lowLowercased === 0x63; // 5c
  return high === 0x30 && lowLowercased === 0x30; // 00
}

function isPrefixOnSegment(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === '/');
}

/** Builds the table once; throws `GATEWAY_ROUTE_INVALID` for a bad host, prefix or duplicate. */
export function compileRouteTable<T>(entries: readonly RouteEntry<T>[]): RouteTable<T> {
  const exact = new Map<string, RouteEntry<T>[]>();
  const wildcard = new Map<string, RouteEntry<T>[]>();
  const fallback: RouteEntry<T>[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const prefix = entry.pathPrefix.length > 1 && entry.pathPrefix.endsWith('/') ? entry.pathPrefix.slice(0, -1) : entry.pathPrefix;
    if (routablePath(prefix) !== prefix) throw new SymbolonError('GATEWAY_ROUTE_INVALID', `path prefix "${entry.pathPrefix}" must be an absolute path without query, dot segments or encoded separators`);
    const normalized = { ...entry, pathPrefix: prefix };
    let bucket: RouteEntry<T>[];
    let key: string;
    if (entry.host === '*') {
      bucket = fallback;
      key = '*';
    } else if (entry.host.startsWith('*.')) {
      const suffix = normalizeHost(entry.host.slice(2));
      if (suffix === undefined || suffix.includes('*')) throw new SymbolonError('GATEWAY_ROUTE_INVALID', `host "${entry.host}" is not a valid wildcard host`);
      key = `*.${suffix}`;
      bucket = wildcard.get(suffix) ?? [];
      wildcard.set(suffix, bucket);
    } else {
      const host = normalizeHost(entry.host);
      if (host === undefined || entry.host.includes('*')) throw new SymbolonError('GATEWAY_ROUTE_INVALID', `host "${entry.host}" is not a valid host`);
      key = host;
      bucket = exact.get(host) ?? [];
      exact.set(host, bucket);
    }
    const id = `${key} ${prefix}`;
    if (seen.has(id)) throw new SymbolonError('GATEWAY_ROUTE_INVALID', `two routes have host "${entry.host}" and path prefix "${prefix}"`);
    seen.add(id);
    bucket.push(Object.freeze(normalized));
  }
  // Longest prefix first, so the first match in a bucket is the most specific.
  for (const bucket of [...exact.values(), ...wildcard.values(), fallback]) bucket.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);

  const inBucket = (bucket: readonly RouteEntry<T>[] | undefined, path: string) => bucket?.find((entry) => isPrefixOnSegment(entry.pathPrefix, path));

  // Most requests name the host the one before named: its normalized form is kept.
  let lastRawHost = '';
  let lastHost: string | undefined;
  return Object.freeze({
    lookup(rawHost: string, target: string): RouteLookup<T> {
      const path = routablePath(target);
      if (path === undefined) return { ok: false, reason: 'path_invalid' };
      if (rawHost !== lastRawHost) {
        lastHost = normalizeHost(rawHost);
        lastRawHost = rawHost;
      }
      const host = lastHost;
      let entry = host === undefined ? undefined : inBucket(exact.get(host), path);
      // A wildcard covers one or more leading labels; the longest matching suffix wins.
      for (let dot = host?.indexOf('.') ?? -1; entry === undefined && host !== undefined && dot >= 0; dot = host.indexOf('.', dot + 1)) {
        entry = inBucket(wildcard.get(host.slice(dot + 1)), path);
      }
      entry ??= inBucket(fallback, path);
      return entry === undefined ? { ok: false, reason: 'no_route' } : { ok: true, entry };
    },
  });
}
