import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got: its headers and its raw body, byte for byte. */
export type Received = { headers: IncomingHttpHeaders; body: string; path: string };

/** A status code (the body is then `ok` below 300, else `nope`), or a status code with a body of its own. */
type Answer = number | { status: number; body: string };

/**
 * What the receiver does with the n-th request (0-based): answer (now, or when the promise settles),
 * or `hang` (never answer; the request stays open until the sender gives up).
 */
export type Behaviour = (n: number, request: Received) => Answer | Promise<Answer> | 'hang';

export type Receiver = {
  url: string;
  received: Received[];
  /** The requests whose X-Switchyard-Delivery is `id`. */
  deliveriesOf(id: string): Received[];
  close(): Promise<void>;
};

/** A real HTTP receiver on 127.0.0.1 and a free port, answering as `behaviour` says (default: 200 to all). */
export async function startReceiver(behaviour: Behaviour = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' };
      const answer = behaviour(received.length, request);
      received.push(request);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      void Promise.resolve(answer).then((answer) => {
        const { status, body } = typeof answer === 'number' ? { status: answer, body: answer < 300 ? 'ok' : 'nope' } : answer;
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchyard`,
    received,
    deliveriesOf: (id) => received.filter((r) => r.headers['x-switchyard-delivery'] === id),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
