import type { CertificateSearch } from './certificate-search.js';
import { searchRanges } from './search-terms.js';
import type { TermKind } from './search-terms.js';
import { CERTIFICATE_COLUMNS } from './store-rows.js';

/**
 * Below this many matching terms a text filter drives the search (the matches are fetched by the
 * terms index and sorted); at or above it the matches are dense enough that walking the expiry
 * index and checking each certificate finds a page sooner. Either way a page costs a bounded
 * amount of work, whatever the size of the inventory.
 */
export const DRIVING_MATCHES = 2000;

export type Dialect = 'sqlite' | 'postgres';

/** A text filter of a search, as ranges of terms. */
export interface TextFilter {
  readonly ranges: readonly { readonly from: string; readonly to: string }[];
}

/** The text filters of a search, each with the kinds of term it looks in. */
export function textFilters(search: CertificateSearch): TextFilter[] {
  const filters: [string | undefined, TermKind[]][] = [
    [search.text, ['s', 'a', 'n']],
    [search.subject, ['s']],
    [search.san, ['a']],
    [search.serial, ['n']],
  ];
  return filters
    .filter(([value]) => value !== undefined && value !== '')
    .map(([value, kinds]) => ({ ranges: searchRanges(value!, kinds) }));
}

/** SQL and its parameters, with placeholders of the dialect. */
export interface Query {
  readonly sql: string;
  readonly params: unknown[];
}

function placeholders(dialect: Dialect): { params: unknown[]; param: (value: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    param(value) {
      params.push(value);
      return dialect === 'sqlite' ? '?' : `$${params.length}`;
    },
  };
}

function rangeClause(filter: TextFilter, column: string, param: (value: unknown) => string): string {
  return filter.ranges.map((range) => `(${column} >= ${param(range.from)} AND ${column} < ${param(range.to)})`).join(' OR ');
}

/** Counts the terms a filter matches, up to `DRIVING_MATCHES`: how the search picks its driver. */
export function termCountQuery(filter: TextFilter, dialect: Dialect): Query {
  const { params, param } = placeholders(dialect);
  const sql = `SELECT COUNT(*) AS count FROM (SELECT 1 FROM certificate_terms WHERE ${rangeClause(filter, 'term', param)} LIMIT ${DRIVING_MATCHES}) AS matches`;
  return { sql, params };
}

/** How a search reads: from one text filter's matches, from the revocations, or along an expiry index. */
export type SearchDriver =
  { readonly kind: 'terms'; readonly filter: TextFilter } | { readonly kind: 'revocations' } | { readonly kind: 'expiry' };

/**
 * The page query of a search (`limit + 1` rows, so the caller knows whether another page
 * follows). On SQLite the join order and index are pinned (CROSS JOIN, INDEXED BY): its planner
 * has no statistics to choose by; PostgreSQL's has, and is left to it.
 */
export function searchQuery(search: CertificateSearch, driver: SearchDriver, dialect: Dialect): Query {
  const { params, param } = placeholders(dialect);
  const isSqlite = dialect === 'sqlite';
  const where: string[] = [];
  const filters = textFilters(search);
  let from: string;
  if (driver.kind === 'terms') {
    from = `(SELECT DISTINCT certificate_id FROM certificate_terms WHERE ${rangeClause(driver.filter, 'term', param)}) AS m
      ${isSqlite ? 'CROSS JOIN' : 'JOIN'} certificates c ON c.id = m.certificate_id
      LEFT JOIN revocations r ON r.certificate_id = c.id`;
  } else if (driver.kind === 'revocations') {
    from = `revocations r ${isSqlite ? 'CROSS JOIN' : 'JOIN'} certificates c ON c.id = r.certificate_id`;
  } else {
    const index = search.profile === undefined ? 'certificates_expiry' : 'certificates_profile_expiry';
    from = `certificates c ${isSqlite ? `INDEXED BY ${index}` : ''} LEFT JOIN revocations r ON r.certificate_id = c.id`;
  }
  for (const filter of filters) {
    if (driver.kind === 'terms' && filter === driver.filter) continue;
    where.push(`EXISTS (SELECT 1 FROM certificate_terms t WHERE t.certificate_id = c.id AND (${rangeClause(filter, 't.term', param)}))`);
  }
  const now = search.now.getTime();
  if (search.profile !== undefined) where.push(`c.profile = ${param(search.profile)}`);
  if (search.status === 'revoked') where.push('r.sequence IS NOT NULL');
  if (search.status === 'valid') where.push(`r.sequence IS NULL AND c.not_after > ${param(now)}`);
  if (search.status === 'expired') where.push(`r.sequence IS NULL AND c.not_after <= ${param(now)}`);
  if (search.expiresAfter !== undefined) where.push(`c.not_after >= ${param(search.expiresAfter.getTime())}`);
  if (search.expiresBefore !== undefined) where.push(`c.not_after < ${param(search.expiresBefore.getTime())}`);
  if (search.after !== undefined) {
    const { notAfter, serial, id } = search.after;
    where.push(`(c.not_after, c.serial, c.id) > (${param(notAfter)}, ${param(serial)}, ${param(id)})`);
  }
  const columns = CERTIFICATE_COLUMNS.slice(0, CERTIFICATE_COLUMNS.indexOf('FROM'));
  const sql = `SELECT ${columns} FROM ${from}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}
    ORDER BY c.not_after, c.serial, c.id LIMIT ${param(search.limit + 1)}`;
  return { sql, params };
}

/** Reads a page of a search with the store's query runner: picks the driver, then runs the page query. */
export async function runSearch<Row extends { id: number; not_after: number; serial: string }>(
  search: CertificateSearch,
  dialect: Dialect,
  run: (query: Query) => Promise<readonly Row[]>,
): Promise<{ rows: readonly Row[]; next: { notAfter: number; serial: string; id: number } | null }> {
  let driver: SearchDriver = { kind: 'expiry' };
  let fewest = DRIVING_MATCHES;
  for (const filter of textFilters(search)) {
    const [row] = await run(termCountQuery(filter, dialect));
    const count = Number((row as unknown as { count: number | string }).count);
    if (count < fewest) {
      fewest = count;
      driver = { kind: 'terms', filter };
    }
  }
  if (driver.kind === 'expiry' && search.status === 'revoked') {
    const [row] = await run({
      sql: `SELECT COUNT(*) AS count FROM (SELECT 1 FROM revocations LIMIT ${DRIVING_MATCHES}) AS revoked`,
      params: [],
    });
    if (Number((row as unknown as { count: number | string }).count) < DRIVING_MATCHES) driver = { kind: 'revocations' };
  }
  const rows = await run(searchQuery(search, driver, dialect));
  if (rows.length <= search.limit) return { rows, next: null };
  const page = rows.slice(0, search.limit);
  const last = page.at(-1)!;
  return { rows: page, next: { notAfter: Number(last.not_after), serial: last.serial, id: Number(last.id) } };
}
