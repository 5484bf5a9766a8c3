// A loopback TCP proxy in front of a server, to see from outside when a client's connection to
// it closes (the model request being cancelled), without changing the server.
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /**
   * Requests in flight: connections whose last request has not been answered to its end (a
   * chunked body's last chunk) and that are still open. An idle keep-alive connection does not
   * count, so this falls to 0 when a request is cancelled even if its connection is reused.
   */
  readonly open: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("data", () => {
      if (!client.destroyed) open.add(client);
    });
    // The end of a chunked response: the connection is idle again (kept alive for the next request).
    let tail = "";
    upstream.on("data", (data: Buffer) => {
      tail = (tail + data.toString("latin1")).slice(-5);
      if (tail === "0\r\n\r\n") open.delete(client);
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
