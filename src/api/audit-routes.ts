import type { AuditEntry } from '../audit/index.js';
import type { Store } from '../store/index.js';
import { badQuery, parseLimit, queryParameters } from './api-input.js';
import { sendJson } from './api-response.js';
import type { ApiRoute } from './api-route.js';
import type { ChainStatus } from './audit-chain-status.js';

export interface AuditRoutesOptions {
  readonly store: Store;
  readonly chainStatus: () => Promise<ChainStatus>;
}

function entryJson(entry: AuditEntry): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(entry.payload);
  } catch {
    // An edited payload may not even be JSON: shown as stored; the chain status says it is broken.
    payload = entry.payload;
  }
  return {
    sequence: entry.sequence,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    payload,
    entryHash: entry.entryHash,
  };
}

/** The audit log, newest first, in pages (`cursor`: the sequence the next page goes below), with the chain's status. */
export function auditRoutes(options: AuditRoutesOptions): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/audit',
      isChange: false,
      async handle(call) {
        const values = queryParameters(call.query, ['cursor', 'limit']);
        const limit = parseLimit(values.get('limit'), 50, 500);
        const cursorText = values.get('cursor');
        if (cursorText !== undefined && !/^[1-9]\d{0,15}$/.test(cursorText)) throw badQuery('the cursor is not one this API gave out');
        const head = await options.store.auditHead();
        const before = Math.min(cursorText === undefined ? head.sequence + 1 : Number(cursorText), head.sequence + 1);
        // Sequences run 1, 2, 3, ... without gaps: the page below `before` starts after `before - 1 - limit`.
        const from = Math.max(0, before - 1 - limit);
        const entries = before <= 1 ? [] : (await options.store.readAuditLog(from, before - 1 - from)).filter((e) => e.sequence < before);
        const lowest = entries[0]?.sequence;
        sendJson(call.res, 200, {
          items: entries.reverse().map(entryJson),
          nextCursor: lowest === undefined || lowest <= 1 ? null : String(lowest),
          chain: await options.chainStatus(),
        });
      },
    },
  ];
}
