import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import type { Gateways } from '../api.js';
import { LineChart } from '../charts/line-chart.js';
import { ResourceView } from '../components/resource-view.js';
import { formatTime } from '../format.js';
import { perInterval } from './gateway-rates.js';
import { useResource } from '../use-resource.js';

/** The page follows the samples `up` scrapes. */
const REFRESH_MS = 15_000;

export function GatewaysPage() {
  const [resource, reload] = useResource(() => api.gateways(), 'gateways');
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <section aria-labelledby="gateways-title">
      <h1 id="gateways-title">Gateway health</h1>
      <ResourceView resource={resource} what="gateway metrics">
        {(data) => <GatewaysView data={data} />}
      </ResourceView>
    </section>
  );
}

function GatewaysView({ data }: { readonly data: Gateways }) {
  if (data.gateways.length === 0) return <p class="muted">No gateway runs with this CA (start `symbolon up` with a gateway.yaml).</p>;
  return (
    <>
      {data.gateways.map((gateway) => {
        const { times, requests, rejections } = perInterval(gateway.series);
        const last = gateway.series[gateway.series.length - 1];
        const totalRejections = last === undefined ? 0 : Object.values(last.rejections).reduce((sum, count) => sum + count, 0);
        return (
          <article key={gateway.name} class="panel" aria-labelledby={`gateway-${gateway.name}`}>
            <h2 id={`gateway-${gateway.name}`}>
              {gateway.name} <span class={`badge ${gateway.up ? 'badge-valid' : 'badge-revoked'}`}>{gateway.up ? 'up' : 'down'}</span>
            </h2>
            <p class="muted">
              Metrics from {gateway.metricsUrl}
              {last !== undefined && (
                <>
                  , last sample {formatTime(last.at)}: {last.requests} requests, {totalRejections} rejected since the gateway started
                </>
              )}
            </p>
            {times.length === 0 ? (
              <p class="muted">Not enough samples yet for a chart.</p>
            ) : (
              <>
                <h3>Requests per interval</h3>
                <LineChart title={`Requests per interval at gateway ${gateway.name}`} times={times} series={requests} />
                <h3>Rejections per interval, by reason</h3>
                {rejections.length === 0 ? (
                  <p class="muted">No rejection yet.</p>
                ) : (
                  <LineChart title={`Rejections per interval by reason at gateway ${gateway.name}`} times={times} series={rejections} />
                )}
              </>
            )}
          </article>
        );
      })}
    </>
  );
}
