import { SymbolonError } from '../errors.js';

/** Longest database URL taken: a connection string, not a document. */
const MAX_URL_LENGTH = 2048;

/** Whether `location` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Checks a PostgreSQL URL given on the command line or in config.yaml: `postgres://` or
 * `postgresql://`, a host and a database name. Throws `STORE_DATABASE_URL_INVALID`.
 */
export function parsePostgresUrl(text: string): URL {
  const invalid = (detail: string): SymbolonError =>
    new SymbolonError(
      'STORE_DATABASE_URL_INVALID',
      `the database URL ${text.length > 80 ? `${text.slice(0, 80)}...` : redactedUrl(text)} ${detail}; expected postgres://user@host:port/database`,
    );
  if (text.length > MAX_URL_LENGTH) throw invalid(`is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw invalid('is not a postgres:// URL');
  if (url.hostname === '' && !url.searchParams.has('host')) throw invalid('names no host');
  if (url.pathname.length <= 1) throw invalid('names no database');
  return url;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** The URL without its password: what config.yaml may record (the password goes in PGPASSWORD or ~/.pgpass). */
export function passwordlessUrl(text: string): string {
  const url = parsePostgresUrl(text);
  url.password = '';
  return url.toString();
}
