import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../http/index.js';
import type { ServiceHandler, ServiceRequest } from '../http/index.js';
import type { GatewayAccess } from './gateway-access.js';
import type { RevocationEvent } from '../events/index.js';
import type { RevocationFeed } from '../events/index.js';

export interface FeedRouteOptions {
  readonly feed: RevocationFeed;
  /** Decides from the client certificate's DER whether it holds the gateway role. */
  readonly access: (peer: Uint8Array | undefined) => Promise<GatewayAccess>;
  /**
   * Lowercase hex of the subjectKeyIdentifier of the CA with this store id: each revocation
   * carries it, so a gateway keys its revoked set by issuing key, not by our internal ids.
   */
  readonly issuerKeyId: (issuerId: string) => string | undefined;
  /**
   * A `heartbeat` event this often keeps idle proxies from closing the stream and tells the
   * gateway how old the feed's knowledge is (`ageMs`: since its last complete read of the store;
   * null before the first), so a gateway sees staleness when the database is away even though
   * this server still answers.
   */
  readonly heartbeatMs: number;
  /** A live client this far behind is cut off; it resumes from its last sequence. */
  readonly maxBufferedBytes: number;
}

export interface FeedRoute {
  /** Mount it at `FEED_PATH` on the service listener. */
  readonly handle: ServiceHandler;
  /** Ends every open stream (before the listener closes). */
  close(): void;
}

/** Revocations read per store query while a client catches up. */
const PAGE = 1000;
export const FEED_PATH = '/feed';
const POSITION = /^\d{1,15}$/;

function eventFrame(event: RevocationEvent, issuerKeyId: string | undefined): string {
  // null for an issuer the server cannot name by key: the client reports and skips that entry.
  const data = {
    sequence: event.sequence,
    issuer: event.issuerId,
    issuerKeyId: issuerKeyId ?? null,
    serial: event.serial,
    reason: event.reason,
    revokedAt: event.revokedAt.toISOString(),
  };
  return `id: ${event.sequence}\nevent: revocation\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Ages, not times, cross the wire: the gateway's clock need not agree with ours. */
function heartbeatFrame(currentAt: Date | undefined): string {
  const ageMs = currentAt === undefined ? null : Math.max(0, Date.now() - currentAt.getTime());
  return `event: heartbeat\ndata: ${JSON.stringify({ ageMs })}\n\n`;
}

function readyFrame(sequence: number): string {
  return `id: ${sequence}\nevent: ready\ndata: ${JSON.stringify({ sequence })}\n\n`;
}

/** Resolves when `res` can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  if (!res.writableNeedDrain || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The position a client resumes from: `?after=N`, else `Last-Event-ID: N`, else 0 (everything). */
function positionOf(req: IncomingMessage, url: URL): number | undefined {
  const given = url.searchParams.get('after') ?? req.headers['last-event-id'];
  if (given === undefined || given === null) return 0;
  const text = Array.isArray(given) ? (given[0] ?? '') : given;
  return POSITION.test(text) ? Number(text) : undefined;
}

/**
 * The feed as a route of the HTTPS service listener: `GET /feed` streams Server-Sent Events,
 * first every stored revocation after the client's position (its snapshot), then `ready`, then
 * each revocation as it happens. Every event's `id` is its sequence, so a client that reconnects
 * with `Last-Event-ID` (or `?after=`) misses none. A client without a certificate that TLS
 * verified against the CA, or whose certificate lacks the gateway role, gets 403 FEED_ROLE_REQUIRED.
 */
export function createFeedRoute(options: FeedRouteOptions): FeedRoute {
  const { feed } = options;
  const streams = new Set<ServerResponse>();

  async function stream(res: ServerResponse, after: number, client: { issuerId: string; serial: string }): Promise<void> {
    let written = after;
    let isLive = false;
    let pending: RevocationEvent[] = [];
    // Ended (close(), or the client's own revocation) or destroyed: nothing more may be written.
    const isOpen = (): boolean => !res.writableEnded && !res.destroyed;
    const write = (event: RevocationEvent): void => {
      if (event.sequence <= written || !isOpen()) return;
      written = event.sequence;
      res.write(eventFrame(event, options.issuerKeyId(event.issuerId)));
    };
    const unsubscribe = feed.subscribe((event) => {
      if (!isLive) {
        pending.push(event);
        return;
      }
      write(event);
      // The client's own certificate was revoked: its role ends now.
      if (event.issuerId === client.issuerId && event.serial === client.serial) res.end();
      else if (res.writableLength > options.maxBufferedBytes) res.destroy();
    });
    const heartbeat = setInterval(() => isOpen() && res.write(heartbeatFrame(feed.currentAt)), options.heartbeatMs);
    heartbeat.unref();
    streams.add(res);
    res.once('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      streams.delete(res);
    });
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    for (;;) {
      const page = await feed.readSince(written, PAGE);
      for (const event of page) write(event);
      await drained(res);
      if (page.length < PAGE || res.destroyed) break;
    }
    for (const event of pending) write(event);
    pending = [];
    isLive = true;
    if (isOpen()) res.write(readyFrame(written));
  }

  async function handle({ req, res, path, socket }: ServiceRequest): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://feed.invalid');
    if (path !== FEED_PATH) return sendProblem(res, 404, 'HTTP_NOT_FOUND', `the feed is at ${FEED_PATH}`);
    if (req.method !== 'GET') return sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', 'the feed takes GET', { Allow: 'GET' });
    const peer = socket.authorized ? socket.getPeerCertificate(false).raw : undefined;
    const access = await options.access(peer);
    if (!access.ok) return sendProblem(res, 403, 'FEED_ROLE_REQUIRED', `refused: ${access.reason}`);
    const after = positionOf(req, url);
    if (after === undefined) return sendProblem(res, 400, 'FEED_BAD_POSITION');
    await stream(res, after, access);
  }

  return {
    handle,
    close(): void {
      for (const res of streams) res.end();
    },
  };
}
