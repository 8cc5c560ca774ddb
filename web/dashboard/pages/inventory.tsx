import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { CertificateFilters, CertificateStatus, CertificateSummary } from '../api.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatRelative, formatTime } from '../format.js';
import { certificateHref, inventoryHref } from '../router.js';
import { useResource } from '../use-resource.js';

/** Rows fetched per page: enough to fill a screen twice, few enough to render at once. */
const PAGE_SIZE = 100;
/** Typing settles this long before the search runs. */
const SEARCH_DELAY_MS = 250;

const EXPIRY_WINDOWS = [
  { label: 'Any time', days: 0 },
  { label: 'Within 7 days', days: 7 },
  { label: 'Within 30 days', days: 30 },
  { label: 'Within 90 days', days: 90 },
] as const;

interface FilterState {
  readonly q: string;
  readonly profile: string;
  readonly status: CertificateStatus | '';
  readonly expiresWithinDays: number;
}

const STATUSES: readonly string[] = ['valid', 'revoked', 'expired'];

/** The filters an address carries (`#/certificates?q=...&profile=...&status=...&expires=30`); anything else is ignored. */
function filtersOf(params: URLSearchParams): FilterState {
  const status = params.get('status') ?? '';
  const days = Number(params.get('expires') ?? '0');
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    profile: (params.get('profile') ?? '').slice(0, 64),
    status: STATUSES.includes(status) ? (status as CertificateStatus) : '',
    expiresWithinDays: EXPIRY_WINDOWS.some((window) => window.days === days) ? days : 0,
  };
}

function apiFilters(filters: FilterState): CertificateFilters {
  const window =
    filters.expiresWithinDays === 0
      ? {}
      : {
          expiresAfter: new Date().toISOString(),
          expiresBefore: new Date(Date.now() + filters.expiresWithinDays * 86_400_000).toISOString(),
        };
  return { q: filters.q.trim(), profile: filters.profile.trim(), status: filters.status, ...window };
}

type Listing =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: Error }
  | {
      readonly state: 'loaded';
      readonly items: readonly CertificateSummary[];
      readonly nextCursor: string | null;
      readonly isLoadingMore: boolean;
    };

export function InventoryPage({ params }: { readonly params: URLSearchParams }) {
  const [filters, setFilters] = useState<FilterState>(() => filtersOf(params));
  const [searchText, setSearchText] = useState(filters.q);
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const generation = useRef(0);
  // The profiles that hold certificates, offered as the profile filter's choices.
  const [stats] = useResource(() => api.stats(), 'stats');
  const profiles = stats.state === 'loaded' ? Object.keys(stats.value.byProfile).sort() : [];

  useEffect(() => {
    const timer = setTimeout(
      () => setFilters((current) => (current.q === searchText ? current : { ...current, q: searchText })),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [searchText]);

  useEffect(() => {
    // The address follows the filters (without a new history entry), so a view can be bookmarked and Back returns to it.
    history.replaceState(
      null,
      '',
      inventoryHref({
        q: filters.q,
        profile: filters.profile,
        status: filters.status,
        expires: filters.expiresWithinDays === 0 ? '' : String(filters.expiresWithinDays),
      }),
    );
    const mine = ++generation.current;
    setListing({ state: 'loading' });
    api.certificates(apiFilters(filters), PAGE_SIZE).then(
      (page) =>
        mine === generation.current &&
        setListing({ state: 'loaded', items: page.items, nextCursor: page.nextCursor, isLoadingMore: false }),
      (error: unknown) => mine === generation.current && setListing({ state: 'failed', error: error as Error }),
    );
  }, [filters]);

  const loadMore = () => {
    if (listing.state !== 'loaded' || listing.nextCursor === null) return;
    const mine = generation.current;
    setListing({ ...listing, isLoadingMore: true });
    api.certificates(apiFilters(filters), PAGE_SIZE, listing.nextCursor).then(
      (page) =>
        mine === generation.current &&
        setListing({ state: 'loaded', items: [...listing.items, ...page.items], nextCursor: page.nextCursor, isLoadingMore: false }),
      (error: unknown) => mine === generation.current && setListing({ state: 'failed', error: error as Error }),
    );
  };

  return (
    <section aria-labelledby="inventory-title">
      <h1 id="inventory-title">Certificates</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...filters, q: searchText });
        }}
      >
        <label>
          Search
          <input
            type="search"
            name="q"
            value={searchText}
            placeholder="subject, name or serial"
            autocomplete="off"
            onInput={(event) => setSearchText(event.currentTarget.value)}
          />
        </label>
        <label>
          Profile
          <input
            type="text"
            name="profile"
            value={filters.profile}
            placeholder="any"
            list="profiles"
            onChange={(event) => setFilters({ ...filters, profile: event.currentTarget.value })}
          />
          <datalist id="profiles">
            {profiles.map((profile) => (
              <option key={profile} value={profile} />
            ))}
          </datalist>
        </label>
        <label>
          Status
          <select
            name="status"
            value={filters.status}
            onChange={(event) => setFilters({ ...filters, status: event.currentTarget.value as CertificateStatus | '' })}
          >
            <option value="">Any</option>
            <option value="valid">Valid</option>
            <option value="revoked">Revoked</option>
            <option value="expired">Expired</option>
          </select>
        </label>
        <label>
          Expires
          <select
            name="expires"
            value={String(filters.expiresWithinDays)}
            onChange={(event) => setFilters({ ...filters, expiresWithinDays: Number(event.currentTarget.value) })}
          >
            {EXPIRY_WINDOWS.map((window) => (
              <option key={window.days} value={String(window.days)}>
                {window.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {listing.state === 'loading' && <Loading what="certificates" />}
      {listing.state === 'failed' && <ErrorNotice error={listing.error} />}
      {listing.state === 'loaded' && (
        <>
          <p class="muted" role="status" aria-live="polite">
            {listing.items.length === 0
              ? 'No certificate matches.'
              : `${listing.items.length} certificate${listing.items.length === 1 ? '' : 's'} shown${listing.nextCursor === null ? '' : ', more below'}.`}
          </p>
          {listing.items.length > 0 && <CertificateTable items={listing.items} />}
          {listing.nextCursor !== null && (
            <button type="button" class="load-more" onClick={loadMore} disabled={listing.isLoadingMore}>
              {listing.isLoadingMore ? 'Loading…' : `Load ${PAGE_SIZE} more`}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function CertificateTable({ items }: { readonly items: readonly CertificateSummary[] }) {
  return (
    <table class="data">
      <caption class="visually-hidden">Certificates, soonest expiry first</caption>
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Names</th>
          <th scope="col">Profile</th>
          <th scope="col">Status</th>
          <th scope="col">Expires</th>
          <th scope="col">Serial</th>
        </tr>
      </thead>
      <tbody>
        {items.map((certificate) => (
          <tr key={certificate.serial}>
            <td>
              <a href={certificateHref(certificate.serial)}>{certificate.subject || '(empty subject)'}</a>
            </td>
            <td class="names">
              {certificate.sans.slice(0, 2).join(', ')}
              {certificate.sans.length > 2 && <span class="muted"> +{certificate.sans.length - 2}</span>}
            </td>
            <td>{certificate.profile}</td>
            <td>
              <StatusBadge status={certificate.status} />
            </td>
            <td title={formatTime(certificate.notAfter)}>
              <time dateTime={certificate.notAfter}>{formatRelative(certificate.notAfter)}</time>
            </td>
            <td class="mono">
              {certificate.serial.slice(0, 16)}
              {certificate.serial.length > 16 ? '…' : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
