import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRouteTable, normalizeHost, routablePath, routeMatchPath } from '../../src/gateway/index.js';
import type { RouteEntry } from '../../src/gateway/index.js';
import { errorCodeOf } from '../../src/errors.js';

const entry = (host: string, pathPrefix: string, route: string): RouteEntry<string> => ({
  host,
  pathPrefix,
  clientCertificate: 'required',
  route,
});
const table = compileRouteTable([
  entry('*', '/', 'default'),
  entry('api.example.com', '/', 'api-root'),
  entry('api.example.com', '/api', 'api'),
  entry('api.example.com', '/api/admin/', 'admin'),
  entry('*.example.com', '/', 'wild'),
  entry('*.eu.example.com', '/', 'wild-eu'),
]);
const routeOf = (host: string, path: string) => {
  const found = table.lookup(host, path);
  return found.ok ? found.entry.route : found.reason;
};

test('longest path prefix wins on segment boundaries', () => {
  assert.equal(routeOf('api.example.com', '/api'), 'api');
  assert.equal(routeOf('api.example.com', '/api/x?y=1'), 'api');
  assert.equal(routeOf('api.example.com', '/apix'), 'api-root');
  assert.equal(routeOf('api.example.com', '/api/admin'), 'admin');
  assert.equal(routeOf('api.example.com', '/api/admin/users'), 'admin');
  assert.equal(routeOf('api.example.com', '/api/administrator'), 'api');
});

test('exact host beats wildcard beats default; case-insensitive, port and trailing dot stripped', () => {
  assert.equal(routeOf('API.Example.COM:8443', '/api'), 'api');
  assert.equal(routeOf('api.example.com.', '/'), 'api-root');
  assert.equal(routeOf('web.example.com', '/api'), 'wild');
  assert.equal(routeOf('a.b.example.com', '/'), 'wild');
  assert.equal(routeOf('x.eu.example.com', '/'), 'wild-eu');
});

test('a table with host routes answers no other host, not even through "*" (misdirected, 421)', () => {
  assert.equal(routeOf('example.com', '/'), 'misdirected');
  assert.equal(routeOf('other.test', '/'), 'misdirected');
  assert.equal(routeOf('', '/'), 'misdirected');
  const anyHost = compileRouteTable([entry('*', '/', 'default')]);
  assert.equal((anyHost.lookup('other.test', '/') as { entry: RouteEntry<string> }).entry.route, 'default');
  assert.equal((anyHost.lookup('', '/') as { entry: RouteEntry<string> }).entry.route, 'default', 'HTTP/1.0 without Host');
});

test('refuses a Host that is not a host name, IPv4 address or bracketed IPv6 literal with an optional port (host_invalid)', () => {
  const anyHost = compileRouteTable([entry('*', '/', 'default')]);
  const reasonOf = (host: string) => {
    const found = anyHost.lookup(host, '/');
    return found.ok ? found.entry.route : found.reason;
  };
  for (const host of [
    'denied.example,localhost',
    'denied.example;x',
    'denied%2eexample',
    '[denied.example]',
    'a b',
    'bad host\r\n',
    'a:b',
    'a:123456',
    'a:99999',
    '[::1',
    '[::1]x',
    'a..b',
    '.a',
    'user@a',
    'a/b',
    `${'a'.repeat(64)}.test`,
  ]) {
    assert.equal(reasonOf(host), 'host_invalid', JSON.stringify(host));
    assert.equal(routeOf(host, '/'), 'host_invalid', JSON.stringify(host));
  }
  for (const host of [
    'localhost',
    'localhost:8443',
    'a.example.',
    'A-B_c.test',
    '127.0.0.1',
    '127.0.0.1:443',
    '[::1]',
    '[::1]:443',
    '[2001:DB8::1]',
    'x:',
  ])
    assert.equal(reasonOf(host), 'default', host);
});

test('normalizeHost handles IPv6 literals and refuses junk', () => {
  assert.equal(normalizeHost('[::1]:443'), '[::1]');
  assert.equal(normalizeHost('API.example.com.:1'), 'api.example.com');
  assert.equal(normalizeHost('a b'), undefined);
});

test('no default route gives no_route', () => {
  const only = compileRouteTable([entry('a.test', '/x', 'x')]);
  assert.deepEqual(only.lookup('a.test', '/y'), { ok: false, reason: 'no_route' });
  assert.deepEqual(only.lookup('b.test', '/x'), { ok: false, reason: 'misdirected' });
});

/**
 * Request paths a back end may read as another path than the gateway, and what the gateway does:
 * the route it picks (matched on the normalized path) and the target it forwards, or the refusal.
 */
const PATH_FORMS: readonly (readonly [string, string, string | undefined])[] = [
  ['/denied/x', 'denied', '/denied/x'],
  ['/%64enied/x', 'denied', '/denied/x'],
  ['/DENIED/x', 'default', '/DENIED/x'],
  ['/%44ENIED/x', 'default', '/DENIED/x'],
  ['/denied%2fx', 'path_invalid', undefined],
  ['/denied%2Fx', 'path_invalid', undefined],
  ['/denied%5cx', 'path_invalid', undefined],
  ['/denied\\x', 'path_invalid', undefined],
  ['//denied/x', 'path_invalid', undefined],
  ['/public//denied', 'path_invalid', undefined],
  ['/public/../denied/x', 'denied', '/denied/x'],
  ['/public/%2e%2e/denied/x', 'denied', '/denied/x'],
  ['/public/.%2E/denied', 'denied', '/denied'],
  ['/public/./x', 'public', '/public/x'],
  ['/../denied', 'denied', '/denied'],
  ['/public/..', 'default', '/'],
  ['/public/x/.', 'public', '/public/x/'],
  ['/public/..;/denied', 'path_invalid', undefined],
  ['/public/..%3b/denied', 'path_invalid', undefined],
  ['/public/..%3B/denied', 'path_invalid', undefined],
  ['/public/.;x/denied', 'path_invalid', undefined],
  ['/public/%2e%2e;x/denied', 'path_invalid', undefined],
  ['/;x/denied', 'path_invalid', undefined],
  ['/denied;jsessionid=1/x', 'denied', '/denied;jsessionid=1/x'],
  ['/denied%3bjsessionid=1/x', 'denied', '/denied%3Bjsessionid=1/x'],
  ['/public;x', 'public', '/public;x'],
  ['/denied%00', 'path_invalid', undefined],
  ['/denied%0a', 'path_invalid', undefined],
  ['/denied%', 'path_invalid', undefined],
  ['/denied%4', 'path_invalid', undefined],
  ['/denied%zz', 'path_invalid', undefined],
  ['/caf%c3%a9?q=%2e%2e/x', 'default', '/caf%C3%A9?q=%2e%2e/x'],
  ['/%7Edenied', 'default', '/~denied'],
  ['/denied/x?a=..;/b', 'denied', '/denied/x?a=..;/b'],
  ['/a\r\nb', 'path_invalid', undefined],
  ['/caf\u00e9', 'path_invalid', undefined],
  ['denied', 'path_invalid', undefined],
  ['*', 'path_invalid', undefined],
];

test('the route table matches the normalized path and forwards it, and refuses the forms back ends read differently', () => {
  const forms = compileRouteTable([entry('*', '/', 'default'), entry('*', '/denied', 'denied'), entry('*', '/public', 'public')]);
  for (const [target, expected, forwarded] of PATH_FORMS) {
    const found = forms.lookup('localhost', target);
    assert.equal(found.ok ? found.entry.route : found.reason, expected, JSON.stringify(target));
    assert.equal(found.ok ? found.target : undefined, forwarded, JSON.stringify(target));
  }
  assert.equal(routablePath('/a/b?x=../y'), '/a/b');
  assert.equal(routeMatchPath('/a;b/c%3Bd/e'), '/a/c/e');
});

/** routablePath's rules written over the split path with patterns, for the equivalence test. */
function routablePathByPatterns(target: string): string | undefined {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  // eslint-disable-next-line no-control-regex -- the reference refuses a backslash, controls, space and non-ASCII in a path.
  if (!path.startsWith('/') || /[\\\x00-\x20\x7f-\uffff]/.test(path)) return undefined;
  if (/%(?![0-9a-fA-F]{2})/.test(path) || /%(2f|5c|[01][0-9a-f]|7f)/i.test(path)) return undefined;
  const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  const segments = decoded.slice(1).split('/');
  const out: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const bare = segment.split(/;|%3B/)[0]!;
    const isLast = index === segments.length - 1;
    if (bare === '.' || bare === '..') {
      if (bare !== segment) return undefined;
      if (bare === '..') out.pop();
      if (isLast) out.push('');
    } else if (bare === '' && !(isLast && segment === '')) return undefined;
    else out.push(segment);
  }
  return '/' + out.join('/');
}

test('routablePath decides as the rules written as patterns do, on seeded random targets made of the characters that matter', () => {
  const pieces = [
    '/',
    '.',
    '..',
    '%',
    '2',
    'f',
    'F',
    '5',
    'c',
    'C',
    'e',
    'E',
    '0',
    '00',
    '?',
    '#',
    '\\',
    'a',
    '-',
    ' ',
    '\r',
    '\u00e9',
    '\u007f',
    '%2',
    '%2f',
    '%2E',
    '%5C',
    '%00',
    'x%',
    '/..',
    '/.',
    '../',
    ';',
    '%3b',
    '%3B',
    '%41',
    '%7e',
    '%0a',
    '%c3',
    '//',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
      const target = parts.join('');
      assert.equal(routablePath(target), routablePathByPatterns(target), JSON.stringify(target));
    }),
    { seed: 0x5eed, numRuns: 20_000 },
  );
  for (const target of [
    '',
    '/',
    '/.',
    '/..',
    '/a/.',
    '/a/..?x',
    '/a/...',
    '/.a',
    '/a%2',
    '/a%',
    '/%2',
    '/%5',
    '/?#',
    '/#?',
    '/a/',
    '//',
    '/a;',
    '/;',
  ]) {
    assert.equal(routablePath(target), routablePathByPatterns(target), JSON.stringify(target));
  }
});

test('refuses bad prefixes, hosts and duplicates with GATEWAY_ROUTE_INVALID', () => {
  const cases = [
    [entry('a.test', 'api', 'x')],
    [entry('a.test', '/a;b', 'x')],
    [entry('a.test', '/%61', 'x')],
    [entry('a.test', '//a', 'x')],
    [entry('a.test', '/a/../b', 'x')],
    [entry('a.*.test', '/', 'x')],
    [entry('*.*.test', '/', 'x')],
    [entry('a.test', '/x', '1'), entry('A.test', '/x/', '2')],
  ];
  for (const entries of cases)
    assert.throws(
      () => compileRouteTable(entries),
      (error) => errorCodeOf(error) === 'GATEWAY_ROUTE_INVALID',
    );
});
