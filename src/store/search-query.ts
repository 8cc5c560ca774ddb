import type { CertificateSearch } from './certificate-search.js';
import { searchRanges } from './search-terms.js';
import type { TermKind } from './search-terms.js';
import { CERTIFICATE_COLUMNS } from './store-rows.js';

/**
 * How a search picks its driver: below this many matching terms a text filter drives the search
 * (its matches are fetched by the terms index and sorted, a cost that grows with the matches); at
 * or above it the matches are dense enough that walking the expiry index and checking each
 * certificate finds a page sooner (a cost that grows with inventory / matches). The two costs
 * meet near sqrt(page size x inventory) matches, so the cut grows with the inventory: about
 * 14,000 terms for pages of 50 among 1,000,000 certificates. Either way a page costs bounded work.
 */
export function drivingMatches(limit: number, inventory: number): number {
  return Math.min(50_000, Math.max(1000, Math.ceil(2 * Math.sqrt(limit * Math.max(1, inventory)))));
}

/** Below this many revocations a search of revoked certificates reads the revocations first. */
const REVOCATIONS_DRIVING = 1000;

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

/** Counts the terms a filter matches, up to `cap`: how the search picks its driver. */
export function termCountQuery(filter: TextFilter, dialect: Dialect, cap: number): Query {
  const { params, param } = placeholders(dialect);
  const sql = `SELECT COUNT(*) AS count FROM (SELECT 1 FROM certificate_terms WHERE ${rangeClause(filter, 'term', param)} LIMIT ${cap}) AS matches`;
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
  // `k` holds the sort keys and filter columns: the terms themselves when they drive (they carry
  // notAfter, serial and profile, so the certificates' table is not read until the page's rows),
  // else the certificates' table.
  let from: string;
  let k = 'c';
  if (driver.kind === 'terms') {
    k = 'm';
    from = `(SELECT DISTINCT certificate_id AS id, not_after, serial, profile FROM certificate_terms WHERE ${rangeClause(driver.filter, 'term', param)}) AS m`;
  } else if (driver.kind === 'revocations') {
    from = `revocations r ${isSqlite ? 'CROSS JOIN' : 'JOIN'} certificates c ON c.id = r.certificate_id`;
  } else {
    const index = search.profile === undefined ? 'certificates_expiry' : 'certificates_profile_expiry';
    from = `certificates c ${isSqlite ? `INDEXED BY ${index}` : ''}`;
  }
  for (const filter of filters) {
    if (driver.kind === 'terms' && filter === driver.filter) continue;
    where.push(`EXISTS (SELECT 1 FROM certificate_terms t WHERE t.certificate_id = ${k}.id AND (${rangeClause(filter, 't.term', param)}))`);
  }
  const now = search.now.getTime();
  if (search.profile !== undefined) where.push(`${k}.profile = ${param(search.profile)}`);
  // (NOT) EXISTS rather than a LEFT JOIN: PostgreSQL estimates an anti-join well and walks the
  // expiry index; an IS NULL after a LEFT JOIN it estimates at one row and sorts the whole table.
  const revoked = `EXISTS (SELECT 1 FROM revocations r WHERE r.certificate_id = ${k}.id)`;
  if (search.status === 'revoked' && driver.kind !== 'revocations') where.push(revoked);
  if (search.status === 'valid') where.push(`NOT ${revoked} AND ${k}.not_after > ${param(now)}`);
  if (search.status === 'expired') where.push(`NOT ${revoked} AND ${k}.not_after <= ${param(now)}`);
  if (search.expiresAfter !== undefined) where.push(`${k}.not_after >= ${param(search.expiresAfter.getTime())}`);
  if (search.expiresBefore !== undefined) where.push(`${k}.not_after < ${param(search.expiresBefore.getTime())}`);
  if (search.after !== undefined) {
    const { notAfter, serial, id } = search.after;
    where.push(`(${k}.not_after, ${k}.serial, ${k}.id) > (${param(notAfter)}, ${param(serial)}, ${param(id)})`);
  }
  // The sort keys only: a sort of a thousand matches moves small tuples, not rows with their DER.
  const sql = `SELECT ${k}.id AS id, ${k}.not_after AS not_after, ${k}.serial AS serial FROM ${from}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}
    ORDER BY ${k}.not_after, ${k}.serial, ${k}.id LIMIT ${param(search.limit + 1)}`;
  return { sql, params };
}

/** The whole rows of the certificates with these ids. */
function rowsQuery(ids: readonly number[], dialect: Dialect): Query {
  const { params, param } = placeholders(dialect);
  const list = ids.map((id) => param(id)).join(', ');
  return { sql: `SELECT ${CERTIFICATE_COLUMNS} WHERE c.id IN (${list})`, params };
}

/**
 * Reads a page of a search with the store's query runner: picks the driver, finds the page's
 * certificates in order (their sort keys), then reads their rows.
 */
export async function runSearch<Row extends { id: number; not_after: number; serial: string }>(
  search: CertificateSearch,
  dialect: Dialect,
  run: (query: Query) => Promise<readonly Row[]>,
): Promise<{ rows: readonly Row[]; next: { notAfter: number; serial: string; id: number } | null }> {
  let driver: SearchDriver = { kind: 'expiry' };
  const filters = textFilters(search);
  let cap = 0;
  if (filters.length > 0 || search.status === 'revoked') {
    // The highest row id: the inventory's size (ids are never reused), read from the end of an index.
    const [row] = await run({ sql: 'SELECT MAX(id) AS count FROM certificates', params: [] });
    cap = drivingMatches(search.limit, Number((row as unknown as { count: number | string | null }).count ?? 0));
  }
  let fewest = cap;
  for (const filter of filters) {
    const [row] = await run(termCountQuery(filter, dialect, cap));
    const count = Number((row as unknown as { count: number | string }).count);
    if (count < fewest) {
      fewest = count;
      driver = { kind: 'terms', filter };
    }
  }
  if (driver.kind === 'expiry' && search.status === 'revoked') {
    const [row] = await run({
      sql: `SELECT COUNT(*) AS count FROM (SELECT 1 FROM revocations LIMIT ${REVOCATIONS_DRIVING}) AS revoked`,
      params: [],
    });
    // Each revocation it reads costs a lookup of its certificate's row: worth it for a few only.
    if (Number((row as unknown as { count: number | string }).count) < REVOCATIONS_DRIVING) driver = { kind: 'revocations' };
  }
  const keys = await run(searchQuery(search, driver, dialect));
  const page = keys.slice(0, search.limit);
  const byId = new Map<number, Row>();
  if (page.length > 0)
    for (const row of await run(
      rowsQuery(
        page.map((key) => Number(key.id)),
        dialect,
      ),
    ))
      byId.set(Number(row.id), row);
  const rows = page.map((key) => byId.get(Number(key.id))).filter((row): row is Row => row !== undefined);
  if (keys.length <= search.limit) return { rows, next: null };
  const last = page.at(-1)!;
  return { rows, next: { notAfter: Number(last.not_after), serial: last.serial, id: Number(last.id) } };
}
