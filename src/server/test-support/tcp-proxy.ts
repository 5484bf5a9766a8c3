// A loopback TCP proxy in front of a server, to see from outside when a client's connection to
// it closes (the model request being cancelled), without changing the server.
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /**
   * Connections open now that have carried a request. (undici may open a spare connection and
   * keep it idle for its keep-alive time: that one carries nothing and is not counted.)
   */
  readonly open: number;
  /** Connections that carried a request so far. */
  readonly used: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const open = new Set<Socket>();
  let used = 0;
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once("data", () => {
      used++;
      if (!client.destroyed) open.add(client);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      open.delete(client);
    };
    // An HTTP client never half-closes: its FIN means it is gone.
    client.on("end", end);
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get open() {
      return open.size;
    },
    get used() {
      return used;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
