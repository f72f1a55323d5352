import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';

/** An aedes broker in this process, for when no external broker is given. */
export interface InProcessBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts aedes on a plain TCP server bound to `host`, on a free port unless one is given. */
export async function startInProcessBroker(host = '127.0.0.1', port = 0): Promise<InProcessBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `mqtt://${host}:${boundPort}`,
    port: boundPort,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // aedes closes its clients, but a socket still in the CONNECT handshake is not one yet.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
