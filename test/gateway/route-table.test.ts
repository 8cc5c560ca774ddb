import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRouteTable, normalizeHost, routablePath } from '../../src/gateway/index.js';
import type { RouteEntry } from '../../src/gateway/index.js';
import { errorCodeOf } from '../../src/errors.js';

const entry = (host: string, pathPrefix: string, route: string): RouteEntry<string> => ({ host, pathPrefix, clientCertificate: 'required', route });
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
  assert.equal(routeOf('example.com', '/'), 'default');
  assert.equal(routeOf('other.test', '/'), 'default');
  assert.equal(routeOf('bad host\r\n', '/'), 'default');
});

test('no default route gives no_route', () => {
  const only = compileRouteTable([entry('a.test', '/x', 'x')]);
  assert.deepEqual(only.lookup('a.test', '/y'), { ok: false, reason: 'no_route' });
  assert.deepEqual(only.lookup('b.test', '/x'), { ok: false, reason: 'no_route' });
});

test('refuses paths an upstream could normalize differently (path_invalid)', () => {
  for (const path of ['api', '/api/../admin', '/./api', '/api/%2e%2e/admin', '/api%2Fadmin', '/api\\admin', '/a\r\nb', '/caf\u00e9', '/%00']) {
    assert.equal(routeOf('api.example.com', path), 'path_invalid', JSON.stringify(path));
  }
  assert.equal(routablePath('/a/b?x=../y'), '/a/b');
});

/** routablePath's rules as regular expressions over the split path, the form they were first written in. */
function routablePathByPatterns(target: string): string | undefined {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  if (!path.startsWith('/') || /[\\\x00-\x20\x7f-\uffff]/.test(path) || /%(2f|5c|2e|00)/i.test(path)) return undefined;
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return path;
}

test('routablePath decides as the rules written as patterns do, on seeded random targets made of the characters that matter', () => {
  const pieces = ['/', '.', '..', '%', '2', 'f', 'F', '5', 'c', 'C', 'e', 'E', '0', '00', '?', '#', '\\', 'a', '-', ' ', '\r', '\u00e9', '\u007f', '%2', '%2f', '%2E', '%5C', '%00', 'x%', '/..', '/.', '../'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
      const target = parts.join('');
      assert.equal(routablePath(target), routablePathByPatterns(target), JSON.stringify(target));
    }),
    { seed: 0x5eed, numRuns: 20_000 },
  );
  for (const target of ['', '/', '/.', '/..', '/a/.', '/a/..?x', '/a/...', '/.a', '/a%2', '/a%', '/%2', '/%5', '/?#', '/#?']) {
    assert.equal(routablePath(target), routablePathByPatterns(target), JSON.stringify(target));
  }
});

test('normalizeHost handles IPv6 literals and refuses junk', () => {
  assert.equal(normalizeHost('[::1]:443'), '[::1]');
  assert.equal(normalizeHost('a b'), undefined);
});

test('refuses bad prefixes, hosts and duplicates with GATEWAY_ROUTE_INVALID', () => {
  const cases = [[entry('a.test', 'api', 'x')], [entry('a.*.test', '/', 'x')], [entry('*.*.test', '/', 'x')], [entry('a.test', '/x', '1'), entry('A.test', '/x/', '2')]];
  for (const entries of cases) assert.throws(() => compileRouteTable(entries), (error) => errorCodeOf(error) === 'GATEWAY_ROUTE_INVALID');
});
