import { useEffect, useState } from 'preact/hooks';

/** A page of the dashboard and its parameter, read from the location's hash (`#/certificates/0a1b`). */
export interface Route {
  readonly page: 'inventory' | 'certificate' | 'expiry' | 'tokens' | 'audit' | 'gateways' | 'unknown';
  readonly serial?: string;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [first, second] = parts;
  if (first === undefined || first === 'certificates') {
    if (second === undefined) return { page: 'inventory' };
    try {
      return { page: 'certificate', serial: decodeURIComponent(second) };
    } catch {
      // A hand-edited hash with a broken escape (`%E0%A4`) names no certificate.
      return { page: 'unknown' };
    }
  }
  if (first === 'expiry' || first === 'tokens' || first === 'audit' || first === 'gateways') return { page: first };
  return { page: 'unknown' };
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
