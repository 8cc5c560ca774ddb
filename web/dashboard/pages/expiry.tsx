import { api } from '../api.js';
import type { Stats } from '../api.js';
import { StackedBarChart } from '../charts/stacked-bar-chart.js';
import { ResourceView } from '../components/resource-view.js';
import { formatRelative, formatTime } from '../format.js';
import { inventoryHref } from '../router.js';
import { useResource } from '../use-resource.js';

const DAYS = 90;

/** The next 90 days, from today (UTC), as `YYYY-MM-DD`. */
function nextDays(now = Date.now()): string[] {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Array.from({ length: DAYS }, (_, index) => new Date(today + index * 86_400_000).toISOString().slice(0, 10));
}

export function ExpiryPage() {
  const [resource] = useResource(() => api.stats(), 'stats');
  return (
    <section aria-labelledby="expiry-title">
      <h1 id="expiry-title">Expiry</h1>
      <ResourceView resource={resource} what="statistics">
        {(stats) => <ExpiryView stats={stats} />}
      </ResourceView>
    </section>
  );
}

function ExpiryView({ stats }: { readonly stats: Stats }) {
  const counts = new Map<string, number>();
  for (const point of stats.expiryTimeline)
    counts.set(`${point.day} ${point.profile}`, (counts.get(`${point.day} ${point.profile}`) ?? 0) + point.count);
  const profiles = [...new Set(stats.expiryTimeline.map((point) => point.profile))].sort();
  const inWindow = stats.expiryTimeline.reduce((sum, point) => sum + point.count, 0);
  const statuses = [...new Set(Object.values(stats.byProfile).flatMap((byStatus) => Object.keys(byStatus)))].sort();
  return (
    <>
      <div class="cards">
        <div class="card">
          <span class="card-label">Soonest expiry</span>
          <span class="card-value">{stats.soonestExpiry === null ? '—' : formatRelative(stats.soonestExpiry)}</span>
          <span class="muted">{formatTime(stats.soonestExpiry)}</span>
        </div>
        <div class="card">
          <span class="card-label">Expiring in {DAYS} days</span>
          <span class="card-value">{inWindow}</span>
        </div>
        <div class="card">
          <span class="card-label">Revocations</span>
          <span class="card-value">{stats.revocations}</span>
        </div>
      </div>
      <h2>Certificates expiring per day, next {DAYS} days, by profile</h2>
      {profiles.length === 0 ? (
        <p class="muted">No certificate expires in the next {DAYS} days.</p>
      ) : (
        <StackedBarChart
          title={`Certificates expiring per day over the next ${DAYS} days, by profile: ${inWindow} in all`}
          columns={nextDays()}
          series={profiles}
          value={(day, profile) => counts.get(`${day} ${profile}`) ?? 0}
        />
      )}
      <h2>Certificates by profile</h2>
      <table class="data narrow">
        <thead>
          <tr>
            <th scope="col">Profile</th>
            {statuses.map((status) => (
              <th scope="col" key={status} class="number">
                {status}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Object.entries(stats.byProfile)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([profile, byStatus]) => (
              <tr key={profile}>
                <th scope="row">
                  <a href={inventoryHref({ profile })}>{profile}</a>
                </th>
                {statuses.map((status) => (
                  <td key={status} class="number">
                    {byStatus[status] ?? 0}
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </>
  );
}
