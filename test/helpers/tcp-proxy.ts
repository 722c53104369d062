/**
 * A loopback TCP proxy between a client and a server, whose behaviour the test switches at any time:
 * `pass` forwards; `drop` swallows everything in both directions on open connections (a dead NAT
 * mapping, a cable pulled) and accepts new ones that go nowhere; `delay` holds each chunk back; `reset`
 * destroys every connection and each new one at once.
 */
import { createServer, createConnection, type Socket, type AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'drop' | 'delay' | 'reset';

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  delayMs: number;
  /** Silently drops everything on the connections open now, while new ones pass: a NAT that forgot them. */
  forgetOpenConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const forgotten = new WeakSet<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (forgotten.has(from)) return;
      if (proxy.mode === 'pass') to.write(chunk);
      else if (proxy.mode === 'delay') setTimeout(() => to.writable && to.write(chunk), proxy.delayMs);
      else if (proxy.mode === 'reset') {
        from.destroy();
        to.destroy();
      }
    });
  const server = createServer((client) => {
    track(client);
    if (proxy.mode === 'reset') return void client.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let mode: ProxyMode = 'pass';
  const proxy: TcpProxy = {
    port: (server.address() as AddressInfo).port,
    get mode() {
      return mode;
    },
    set mode(next: ProxyMode) {
      mode = next;
      if (next === 'reset') for (const socket of sockets) socket.destroy();
    },
    delayMs: 0,
    forgetOpenConnections: () => {
      for (const socket of sockets) forgotten.add(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** A TCP server that answers every chunk it receives with `reply` (garbage, or a well-formed wrong answer). */
export async function startGarbageServer(reply: Buffer | string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', () => socket.writable && socket.write(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
