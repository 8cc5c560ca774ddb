/**
 * The peer of bench/flood.ts: plain Node https with the gateway's limits — client certificates
 * required against the same root (rejectUnauthorized), `server.maxConnections`, the handshake
 * timeout — relaying each request to the same upstream over a keep-alive agent, as the gateway
 * does. Listens on 127.0.0.1:`--port` until killed.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'upstream-port': { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    'max-connections': { type: 'string', default: '1024' },
    'handshake-timeout-ms': { type: 'string', default: '10000' },
  },
});

const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const server = createServer(
  {
    cert: readFileSync(values.cert!),
    key: readFileSync(values.key!),
    ca: readFileSync(values.ca!),
    requestCert: true,
    rejectUnauthorized: true,
    handshakeTimeout: Number(values['handshake-timeout-ms']),
  },
  (req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: Number(values['upstream-port']), path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  },
);
const maxConnections = Number(values['max-connections']);
if (maxConnections > 0) server.maxConnections = maxConnections;
server.on('tlsClientError', (_error, socket) => socket.destroy());
server.listen(Number(values.port), '127.0.0.1');
