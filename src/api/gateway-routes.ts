import { queryParameters } from './api-input.js';
import { sendJson } from './api-response.js';
import type { ApiRoute } from './api-route.js';

/** One sample of a gateway's metrics: cumulative counts at `at`. */
export interface GatewaySample {
  readonly at: string;
  readonly requests: number;
  readonly rejections: Readonly<Record<string, number>>;
}

/** A gateway as the dashboard shows it: its last scrape's outcome and its recent samples, oldest first. */
export interface GatewayHealth {
  readonly name: string;
  readonly metricsUrl: string;
  readonly up: boolean;
  readonly series: readonly GatewaySample[];
}

export function gatewayRoutes(gateways: () => readonly GatewayHealth[]): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/gateways',
      isChange: false,
      handle(call) {
        queryParameters(call.query, []);
        sendJson(call.res, 200, { gateways: gateways() });
        return Promise.resolve();
      },
    },
  ];
}
