import { createServer } from 'node:net';
import type { OnReadOpts, Socket } from 'node:net';
import { checkServerIdentity as tlsCheckServerIdentity, connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { SymbolonError } from '../errors.js';
import type { CredentialSource } from './credential-source.js';
import { StagedRelay } from './staged-relay.js';
import { listening, splice } from './tunnel-sockets.js';
import type { HostPort, Tunnel } from './tunnel-sockets.js';

export interface TunnelClientOptions {
  /** The plaintext side: 127.0.0.1 unless the caller says otherwise. */
  readonly listen: HostPort;
  /** The mTLS server each connection is forwarded to. */
  readonly target: HostPort;
  /** The name the server's certificate must carry (SNI and RFC 6125 check). */
  readonly serverName: string;
  /** PEM of the CAs the server must chain to; default: the agent's ca.pem. */
  readonly ca?: string | undefined;
  readonly credentials: CredentialSource;
  readonly connectTimeoutMs: number;
  /** A connection that failed (never its data). */
  readonly onError: (error: SymbolonError) => void;
}

/**
 * `symbolon tunnel client`: each plaintext connection on `listen` is forwarded over mTLS to
 * `target` with the agent's current certificate (read at each new connection, so a renewal is
 * used at once), the server verified against the CA and `serverName`. Connections in flight keep
 * the certificate they started with.
 */
export async function startTunnelClient(options: TunnelClientOptions): Promise<Tunnel> {
  const sockets = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true }, (plain) => {
    sockets.add(plain);
    plain.on('close', () => sockets.delete(plain));
    plain.on('error', () => plain.destroy());
    void forward(plain);
  });

  async function forward(plain: Socket): Promise<void> {
    let credential;
    try {
      credential = await options.credentials.current();
    } catch (error) {
      plain.destroy();
      options.onError(error instanceof SymbolonError ? error : new SymbolonError('CLIENT_CREDENTIAL_DIR_INVALID', String(error)));
      return;
    }
    const toPlain = new StagedRelay(plain);
    // Node's tls.connect takes `onread` (since v15.1) though @types/node does not list it.
    const connectOptions: ConnectionOptions & { onread: OnReadOpts } = {
      host: options.target.host,
      port: options.target.port,
      servername: options.serverName,
      key: credential.keyPem,
      cert: credential.chainPem,
      ca: options.ca ?? credential.caPem,
      // RFC 6125: the name the user gave, whatever address was dialled.
      checkServerIdentity: (_host, cert) => tlsCheckServerIdentity(options.serverName, cert),
      onread: toPlain.onread,
    };
    const secure = connect(connectOptions);
    sockets.add(secure);
    secure.on('close', () => sockets.delete(secure));
    const timer = setTimeout(
      () => secure.destroy(new Error(`no TLS session within ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    );
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      splice(plain, secure, toPlain);
      plain.resume();
    });
    secure.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      plain.destroy();
      options.onError(
        new SymbolonError(
          'TUNNEL_TARGET_UNREACHABLE',
          `${options.target.host}:${options.target.port} (${options.serverName}): ${error.code ?? ''} ${error.message}`.trim(),
        ),
      );
    });
  }

  const address = await listening(server, options.listen);
  return {
    address,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
