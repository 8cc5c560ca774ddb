/**
 * The bench's mTLS target: echoes every byte back. Started as its own process by bench/tunnel.ts
 * with the key, certificate and CA files as arguments; prints its port.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

const [key, cert, ca] = process.argv.slice(2).map((file) => readFileSync(file, 'utf8'));
const server = createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: true }, (socket) => {
  socket.setNoDelay(true);
  socket.pipe(socket);
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
