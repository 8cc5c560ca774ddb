import type { GatewayHealth } from '../monitoring/index.js';
import { queryParameters } from './api-input.js';
import { sendJson } from './api-response.js';
import type { ApiRoute } from './api-route.js';

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
