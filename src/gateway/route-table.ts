import { isIPv6 } from 'node:net';
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
  | {
      readonly ok: true;
      readonly entry: RouteEntry<T>;
      /** The normalized request-target (path normalized, query as sent): what the upstream is sent. */
      readonly target: string;
    }
  | { readonly ok: false; readonly reason: 'no_route' | 'path_invalid' | 'host_invalid' | 'misdirected' };

export interface RouteTable<T> {
  /**
   * The route for a request's Host (`''` when the request has none) and request-target. Refuses
   * a Host that is not a host name, IPv4 address or bracketed IPv6 literal with an optional port
   * (`host_invalid`), one that names no host of the table's host routes when it has any
   * (`misdirected`), and a path `routablePath` refuses (`path_invalid`).
   */
  lookup(host: string, target: string): RouteLookup<T>;
}

const HOST_NAME = /^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}\.?$/;
const PORT = /^[0-9]{0,5}$/;

/**
 * Lowercase host without port or trailing dot; undefined when it is not a host name (labels of
 * letters, digits, `-` and `_`, at most 253 characters), an IPv4 address or a bracketed IPv6
 * literal (RFC 3986 3.2.2), with an optional port. A reg-name's percent-encoding and sub-delims
 * (`a%2eb`, `a,b`, `a;b`) are refused: back ends read them differently.
 */
export function normalizeHost(host: string): string | undefined {
  let name: string;
  let port = '';
  if (host.charCodeAt(0) === 0x5b) {
    // RFC 3986 3.2.2: an IPv6 literal is bracketed; the port follows the bracket.
    const close = host.indexOf(']');
    if (close < 0) return undefined;
    name = host.slice(0, close + 1).toLowerCase();
    const rest = host.slice(close + 1);
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 0x3a) return undefined;
      port = rest.slice(1);
    }
    if (!isIPv6(name.slice(1, -1))) return undefined;
  } else {
    const colon = host.indexOf(':');
    name = (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
    if (colon >= 0) port = host.slice(colon + 1);
    if (name.length > 254 || !HOST_NAME.test(name)) return undefined;
    if (name.endsWith('.')) name = name.slice(0, -1);
  }
  if (!PORT.test(port) || (port !== '' && Number(port) > 65535)) return undefined;
  return name;
}

/**
 * The path of a request-target, normalized as RFC 3986 6.2.2 says (percent-encoded unreserved
 * characters decoded, the other percent-encodings' hex uppercased, dot segments removed), or
 * undefined when it must be refused because back ends would read it differently: not absolute,
 * an empty segment (`//x`, `/a//b`: many collapse them), a dot segment carrying `;` parameters
 * (`/a/..;/b`, `/a/..%3B/b`: Tomcat, Jetty and Spring drop the parameters, then resolve the
 * dot segment), encoded `/` or `\`, encoded control characters, bad percent-encoding, raw
 * backslashes, control characters or non-ASCII. The query is not part of it.
 *
 * The first loop is the one pass every ordinary path takes: it returns the path as it came
 * when there is nothing to normalize, and hands any other path to `normalizeSegments`.
 */
export function routablePath(target: string): string | undefined {
  const scanned = scanTarget(target);
  if (scanned === undefined) return undefined;
  const normalized = typeof scanned === 'string' ? scanned : scanned.target;
  const end = targetPathEnd(normalized);
  return end === normalized.length ? normalized : normalized.slice(0, end);
}

/** A target whose path had to be normalized: the target to forward, and the path to match routes on. */
interface Normalized {
  readonly target: string;
  readonly matchPath: string;
}

/**
 * The target itself when its path needs nothing done (what almost every request takes: no
 * allocation), else its normalized form, or undefined when refused.
 */
function scanTarget(target: string): string | Normalized | undefined {
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
      if (i === segmentStart || isDotSegment(target, segmentStart, i)) return normalizeSegments(target);
      segmentStart = i + 1;
    } else if (code === PERCENT || code === SEMICOLON) return normalizeSegments(target);
  }
  if (isDotSegment(target, segmentStart, end)) return normalizeSegments(target);
  return target;
}

/**
 * The path a route is chosen on: `routablePath`'s with each segment's `;` parameters (RFC 3986
 * 3.3, `;` or `%3B`) left out, as Tomcat, Jetty and Spring read it, so `/denied;jsessionid=1/x`
 * is matched as `/denied/x`. The upstream is sent the path with its parameters.
 */
export function routeMatchPath(path: string): string {
  if (path.indexOf(';') < 0 && path.indexOf('%3B') < 0) return path;
  // A normalized path has its hex uppercased: "%3B" is the one spelling of an encoded ";".
  return path
    .split('/')
    .map((segment) => withoutParameters(segment))
    .join('/');
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const QUESTION_MARK = 0x3f;
const HASH = 0x23;
const DOT = 0x2e;
const SEMICOLON = 0x3b;

function isDotSegment(text: string, start: number, end: number): boolean {
  const length = end - start;
  return (
    (length === 1 && text.charCodeAt(start) === DOT) ||
    (length === 2 && text.charCodeAt(start) === DOT && text.charCodeAt(start + 1) === DOT)
  );
}

function withoutParameters(segment: string): string {
  const semicolon = segment.indexOf(';');
  const encoded = segment.indexOf('%3B');
  const cut = semicolon < 0 ? encoded : encoded < 0 ? semicolon : Math.min(semicolon, encoded);
  return cut < 0 ? segment : segment.slice(0, cut);
}

/** RFC 3986 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === DOT ||
    code === 0x5f ||
    code === 0x7e
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** One segment with percent-encodings normalized (RFC 3986 6.2.2.1-2), or undefined when one must be refused. */
function normalizeSegment(segment: string): string | undefined {
  if (segment.indexOf('%') < 0) return segment;
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code !== PERCENT) {
      out += segment[i];
      continue;
    }
    const high = hexValue(segment.charCodeAt(i + 1));
    const low = hexValue(segment.charCodeAt(i + 2));
    if (high < 0 || low < 0) return undefined;
    const value = high * 16 + low;
    // Encoded "/" and "\" split segments for some back ends and not for others; controls are never a path.
    if (value === SLASH || value === BACKSLASH || value < 0x20 || value === 0x7f) return undefined;
    out += isUnreserved(value) ? String.fromCharCode(value) : '%' + segment.slice(i + 1, i + 3).toUpperCase();
    i += 2;
  }
  return out;
}

/** `target` with its path normalized segment by segment, the query as sent; undefined when refused. */
function normalizeSegments(target: string): Normalized | undefined {
  let end = target.length;
  for (let i = 1; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === QUESTION_MARK || code === HASH) {
      end = i;
      break;
    }
    if (code <= 0x20 || code >= 0x7f || code === BACKSLASH) return undefined;
  }
  const raw = target.slice(1, end).split('/');
  const out: string[] = [];
  for (let index = 0; index < raw.length; index++) {
    const isLast = index === raw.length - 1;
    const segment = normalizeSegment(raw[index]!);
    if (segment === undefined) return undefined;
    const bare = withoutParameters(segment);
    if (bare === '.' || bare === '..') {
      // RFC 3986 5.2.4; a dot segment with parameters is one for some back ends and not for others.
      if (bare !== segment) return undefined;
      if (bare === '..') out.pop();
      if (isLast) out.push('');
      continue;
    }
    // An empty segment, or one that is only parameters, except the trailing one of "/a/".
    if (bare === '' && !(isLast && segment === '')) return undefined;
    out.push(segment);
  }
  const path = '/' + out.join('/');
  return { target: path + target.slice(end), matchPath: routeMatchPath(path) };
}

/** Where the path of a request-target ends: at `?` or `#`, or its end. */
function targetPathEnd(target: string): number {
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === QUESTION_MARK || code === HASH) return i;
  }
  return target.length;
}

/** Whether `prefix` covers the path of `target` (a path, perhaps followed by its query), on a segment boundary. */
function isPrefixOnSegment(prefix: string, target: string): boolean {
  if (prefix === '/') return true;
  if (!target.startsWith(prefix)) return false;
  const next = target.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === SLASH || next === QUESTION_MARK || next === HASH;
}

/** Builds the table once; throws `GATEWAY_ROUTE_INVALID` for a bad host, prefix or duplicate. */
export function compileRouteTable<T>(entries: readonly RouteEntry<T>[]): RouteTable<T> {
  const exact = new Map<string, RouteEntry<T>[]>();
  const wildcard = new Map<string, RouteEntry<T>[]>();
  const fallback: RouteEntry<T>[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const prefix = entry.pathPrefix.length > 1 && entry.pathPrefix.endsWith('/') ? entry.pathPrefix.slice(0, -1) : entry.pathPrefix;
    // A prefix is written as the paths it matches are: normalized, without parameters.
    if (routablePath(prefix) !== prefix || routeMatchPath(prefix) !== prefix)
      throw new SymbolonError(
        'GATEWAY_ROUTE_INVALID',
        `path prefix "${entry.pathPrefix}" must be a normalized absolute path: no query, empty or dot segments, ";" parameters, or percent-encoding of what needs none`,
      );
    const normalized = { ...entry, pathPrefix: prefix };
    let bucket: RouteEntry<T>[];
    let key: string;
    if (entry.host === '*') {
      bucket = fallback;
      key = '*';
    } else if (entry.host.startsWith('*.')) {
      const suffix = normalizeHost(entry.host.slice(2));
      if (suffix === undefined || suffix.includes('*'))
        throw new SymbolonError('GATEWAY_ROUTE_INVALID', `host "${entry.host}" is not a valid wildcard host`);
      key = `*.${suffix}`;
      bucket = wildcard.get(suffix) ?? [];
      wildcard.set(suffix, bucket);
    } else {
      const host = normalizeHost(entry.host);
      if (host === undefined || entry.host.includes('*'))
        throw new SymbolonError('GATEWAY_ROUTE_INVALID', `host "${entry.host}" is not a valid host`);
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
  for (const bucket of [...exact.values(), ...wildcard.values(), fallback])
    bucket.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);

  const namesRouteHost = (host: string | undefined): boolean => {
    if (host === undefined) return false;
    if (exact.has(host)) return true;
    for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) if (wildcard.has(host.slice(dot + 1))) return true;
    return false;
  };
  const inBucket = (bucket: readonly RouteEntry<T>[] | undefined, path: string) =>
    bucket?.find((entry) => isPrefixOnSegment(entry.pathPrefix, path));

  const hasHostRoutes = exact.size > 0 || wildcard.size > 0;
  // Most requests name the host the one before named: its normalized form is kept.
  let lastRawHost = '';
  let lastHost: string | undefined;
  return Object.freeze({
    lookup(rawHost: string, target: string): RouteLookup<T> {
      const scanned = scanTarget(target);
      if (scanned === undefined) return { ok: false, reason: 'path_invalid' };
      let host: string | undefined;
      if (rawHost !== '') {
        if (rawHost !== lastRawHost) {
          lastHost = normalizeHost(rawHost);
          lastRawHost = rawHost;
        }
        host = lastHost;
        if (host === undefined) return { ok: false, reason: 'host_invalid' };
      }
      // A target as sent is matched with its query on: isPrefixOnSegment stops at "?".
      const matchPath = typeof scanned === 'string' ? scanned : scanned.matchPath;
      let entry = host === undefined ? undefined : inBucket(exact.get(host), matchPath);
      // A wildcard covers one or more leading labels; the longest matching suffix wins.
      for (let dot = host?.indexOf('.') ?? -1; entry === undefined && host !== undefined && dot >= 0; dot = host.indexOf('.', dot + 1)) {
        entry = inBucket(wildcard.get(host.slice(dot + 1)), matchPath);
      }
      // RFC 9110 15.5.20: a listener with host routes answers no other host (as nginx does), not even through "*".
      if (entry === undefined && hasHostRoutes && !namesRouteHost(host)) return { ok: false, reason: 'misdirected' };
      entry ??= inBucket(fallback, matchPath);
      if (entry === undefined) return { ok: false, reason: 'no_route' };
      return { ok: true, entry, target: typeof scanned === 'string' ? scanned : scanned.target };
    },
  });
}
