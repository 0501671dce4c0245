/**
 * A TCP proxy in front of real servers, to cut the network between clients and a server (open
 * connections are destroyed and new ones refused) and to restore it. Given several targets it is a
 * round-robin load balancer: each new connection goes to the next target, and a target that refuses
 * the connection (a dead replica) is skipped for the next one, as a load balancer's health check would.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyTarget = { host: string; port: number };

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly open = new Map<string, number>();
  private cut = false;
  private next = 0;

  private constructor(
    private readonly server: Server,
    private readonly targets: ProxyTarget[],
  ) {}

  static async start(target: ProxyTarget | ProxyTarget[]): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, Array.isArray(target) ? target : [target]);
    server.on('connection', (inbound) => proxy.accept(inbound));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Connections currently relayed to `target`. */
  connectionsTo(target: ProxyTarget): number {
    return this.open.get(`${target.host}:${target.port}`) ?? 0;
  }

  /** Destroys every open connection and refuses new ones until restore(). */
  disconnect(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.disconnect();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(inbound: Socket): void {
    if (this.cut) {
      inbound.destroy();
      return;
    }
    inbound.pause();
    inbound.on('error', () => inbound.destroy());
    this.relay(inbound, this.targets.length);
  }

  /** Connects `inbound` to the next target, trying the following ones while targets refuse. */
  private relay(inbound: Socket, attemptsLeft: number): void {
    const target = this.targets[this.next++ % this.targets.length]!;
    const outbound = connect(target.port, target.host);
    let connected = false;
    outbound.once('error', () => {
      if (!connected && attemptsLeft > 1 && !inbound.destroyed && !this.cut) this.relay(inbound, attemptsLeft - 1);
      else inbound.destroy();
    });
    outbound.once('connect', () => {
      connected = true;
      if (this.cut || inbound.destroyed) {
        outbound.destroy();
        inbound.destroy();
        return;
      }
      const id = `${target.host}:${target.port}`;
      this.open.set(id, (this.open.get(id) ?? 0) + 1);
      outbound.once('close', () => this.open.set(id, (this.open.get(id) ?? 1) - 1));
      for (const [a, b] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
      inbound.resume();
    });
  }
}
