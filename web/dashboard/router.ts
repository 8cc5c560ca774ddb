import { useEffect, useState } from 'preact/hooks';

/**
 * A page of the dashboard and its parameters, read from the location's hash
 * (`#/certificates/0a1b`, `#/certificates?profile=server&status=valid`).
 */
export interface Route {
  readonly page: 'inventory' | 'certificate' | 'expiry' | 'tokens' | 'oauth-clients' | 'audit' | 'gateways' | 'unknown';
  readonly serial?: string;
  /** The hash's query: the inventory's filters. */
  readonly params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const [first, second] = path.split('/').filter(Boolean);
  if (first === undefined || first === 'certificates') {
    if (second === undefined) return { page: 'inventory', params };
    try {
      return { page: 'certificate', serial: decodeURIComponent(second), params };
    } catch {
      // A hand-edited hash with a broken escape (`%E0%A4`) names no certificate.
      return { page: 'unknown', params };
    }
  }
  if (first === 'expiry' || first === 'tokens' || first === 'audit' || first === 'gateways') return { page: first, params };
  if (first === 'oauth-clients') return { page: 'oauth-clients', params };
  return { page: 'unknown', params };
}

/** The current route, following hash changes (the back button included). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}

export function certificateHref(serial: string): string {
  return `#/certificates/${encodeURIComponent(serial)}`;
}

/** The inventory with these filters (empty ones left out). */
export function inventoryHref(filters: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
  const query = params.toString();
  return query === '' ? '#/certificates' : `#/certificates?${query}`;
}
