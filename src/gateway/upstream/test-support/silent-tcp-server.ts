/**
 * A TCP server that accepts connections and never says a word. Pointed at with `https://`, a
 * client's TLS handshake never completes, so its connect timeout fires: a reliable, offline way
 * to test connect timeouts (a full listen backlog or a black-hole address depends on the kernel
 * and the network; undici counts the TLS handshake as part of connecting).
 */
import { createServer, type Socket } from 'node:net';
import { type AddressInfo } from 'node:net';

export interface SilentTcpServer {
  /** `https://127.0.0.1:<port>` */
  readonly httpsUrl: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    httpsUrl: `https://127.0.0.1:${port}`,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
