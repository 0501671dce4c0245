/**
 * A real HTTP server standing in for Switchyard's SDK endpoints as far as metrics go: it serves a
 * snapshot on `GET /sdk/snapshot` (so a polling client gets ready) and records every
 * `POST /sdk/metrics`, validating each body with the shared MetricsReportSchema. It keeps each reportId
 * once, as the real server does, and can be told to answer with a status of choice or not at all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsReportSchema } from '@switchyard/sdk/schema';
import type { MetricsReport, Snapshot } from '../../../sdk/src/model/index.ts';

export type Answer = 'store' | 'hang' | number;

export type Post = { body: string; report: MetricsReport; authorization: string | undefined; answeredWith: Answer };

export class MetricsServer {
  /** Every POST /sdk/metrics received, in order (retries included). */
  readonly posts: Post[] = [];
  /** Reports stored, by reportId: the first copy of each. */
  readonly stored = new Map<string, MetricsReport>();
  /** Bodies the schema refused (a correct client sends none). */
  readonly invalid: { body: string; issues: unknown }[] = [];
  /** How the next POSTs are answered: 'store' (202), a status code, or 'hang' (never answered). */
  answer: Answer = 'store';
  private readonly hanging: ServerResponse[] = [];
  private readonly http: Server;

  private constructor(
    /** What GET /sdk/snapshot serves; replace it to change the rules. */
    public snapshot: Snapshot,
  ) {
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  static async start(snapshot: Snapshot): Promise<MetricsServer> {
    const server = new MetricsServer(snapshot);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Stored reports in the order they were first stored. */
  get reports(): MetricsReport[] {
    return [...this.stored.values()];
  }

  async waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits until `count` POSTs in all have arrived. */
  async waitForPosts(count: number): Promise<void> {
    await this.waitFor(() => this.posts.length >= count);
  }

  async close(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/sdk/snapshot') {
      res.writeHead(200, { 'content-type': 'application/json', etag: `"${this.snapshot.version}"` });
      res.end(JSON.stringify(this.snapshot));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/sdk/metrics') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const parsed = MetricsReportSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      this.invalid.push({ body, issues: parsed.error.issues });
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'BadRequest', message: 'invalid report' }));
      return;
    }
    const answer = this.answer;
    this.posts.push({ body, report: parsed.data, authorization: req.headers.authorization, answeredWith: answer });
    if (answer === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (answer === 'store') {
      if (!this.stored.has(parsed.data.reportId)) this.stored.set(parsed.data.reportId, parsed.data);
      res.writeHead(202).end();
      return;
    }
    res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Refused', message: `answered ${answer}` }));
  }
}

/** Evaluations counted in `reports`, plus their dropped.evaluations; and the same for events. */
export function totals(reports: MetricsReport[]) {
  let evaluations = 0;
  let droppedEvaluations = 0;
  let events = 0;
  let droppedEvents = 0;
  let droppedReports = 0;
  for (const r of reports) {
    for (const e of r.evaluations) evaluations += e.count;
    for (const e of r.events) events += e.count;
    droppedEvaluations += r.dropped.evaluations;
    droppedEvents += r.dropped.events;
    droppedReports += r.dropped.reports;
  }
  return { evaluations, droppedEvaluations, events, droppedEvents, droppedReports };
}

/** `{ 'flag/variation-or-error': count }` over `reports`. */
export function evaluationCounts(reports: MetricsReport[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of reports) {
    for (const e of r.evaluations) {
      const id = `${e.flag}/${'variation' in e ? e.variation : e.error}`;
      counts[id] = (counts[id] ?? 0) + e.count;
    }
  }
  return counts;
}
