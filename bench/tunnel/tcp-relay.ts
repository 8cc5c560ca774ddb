/**
 * The bench's floor for any sidecar: a plain TCP relay (no TLS of its own, TCP_NODELAY on both
 * hops, stream pipes) in front of the echo server; the client speaks mTLS through it. Prints its port.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

const target = Number(process.argv[2]);
const server = createServer((client) => {
  const upstream = connect(target, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
