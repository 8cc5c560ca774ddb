import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { AuditEntry, AuditPage as AuditPageData } from '../api.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../format.js';

const PAGE_SIZE = 100;

type Listing =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: Error }
  | { readonly state: 'loaded'; readonly first: AuditPageData; readonly items: readonly AuditEntry[]; readonly nextCursor: string | null };

export function AuditPage() {
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  useEffect(() => {
    api.audit(PAGE_SIZE).then(
      (page) => setListing({ state: 'loaded', first: page, items: page.items, nextCursor: page.nextCursor }),
      (error: unknown) => setListing({ state: 'failed', error: error as Error }),
    );
  }, []);
  const loadMore = () => {
    if (listing.state !== 'loaded' || listing.nextCursor === null) return;
    api.audit(PAGE_SIZE, listing.nextCursor).then(
      (page) => setListing({ ...listing, items: [...listing.items, ...page.items], nextCursor: page.nextCursor }),
      (error: unknown) => setListing({ state: 'failed', error: error as Error }),
    );
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {listing.state === 'loading' && <Loading what="the audit log" />}
      {listing.state === 'failed' && <ErrorNotice error={listing.error} />}
      {listing.state === 'loaded' && (
        <>
          <ChainStatus chain={listing.first.chain} />
          <table class="data">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {listing.items.map((entry) => (
                <tr key={entry.sequence}>
                  <td class="number">{entry.sequence}</td>
                  <td class="nowrap">{formatTime(entry.at)}</td>
                  <td class="actor">{entry.actor}</td>
                  <td class="nowrap">{entry.action}</td>
                  <td class="wrap details">{detailsOf(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {listing.nextCursor !== null && (
            <button type="button" class="load-more" onClick={loadMore}>
              Load {PAGE_SIZE} more
            </button>
          )}
        </>
      )}
    </section>
  );
}

/** The target and the payload's fields, on one line (a payload that is not JSON is shown as stored). */
function detailsOf(entry: AuditEntry): string {
  const payload =
    entry.payload !== null && typeof entry.payload === 'object'
      ? Object.entries(entry.payload as Record<string, unknown>).map(
          ([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
        )
      : [JSON.stringify(entry.payload)];
  return [entry.target, ...payload].filter(Boolean).join('; ');
}

function ChainStatus({ chain }: { readonly chain: AuditPageData['chain'] }) {
  return chain.status === 'intact' ? (
    <div class="notice notice-ok" role="status">
      <strong>Hash chain intact:</strong> {chain.checkedEntries} entries verified.
    </div>
  ) : (
    <div class="notice notice-error" role="alert">
      <strong>Hash chain broken</strong> at entry {chain.brokenAt ?? '?'} ({chain.checkedEntries} entries checked): the log was altered
      after it was written.
    </div>
  );
}
