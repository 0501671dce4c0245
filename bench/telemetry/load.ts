// A load process of bench:telemetry (never run alone): real `@switchyard/sdk` clients, each with the
// environment's rules bootstrapped and no stream, evaluating every flag once a second and reporting
// metrics every interval to its replica. It times every POST /sdk/metrics through the client's
// `fetch` option. Driven over IPC: start -> (measure -> collect) -> finish -> exit.
import { readFileSync } from 'node:fs';
import { createClient, type FlagsClient, type Snapshot } from '@switchyard/sdk';

export type LoadConfig = {
  replicas: string[];
  sdkKey: string;
  snapshotFile: string;
  /** This process runs instances [first, first + count) of the whole population, on replicas round-robin. */
  first: number;
  count: number;
  metricsIntervalMs: number;
  /** Instances start spread evenly over this long, so that their reports are too. */
  rampMs: number;
};

export type ParentMessage =
  | { type: 'start'; config: LoadConfig }
  | { type: 'measure' }
  | { type: 'collect' }
  | { type: 'finish' }
  | { type: 'exit' };

export type LoadStats = {
  /** Metrics requests answered 2xx while measuring, and their latencies (ms). */
  accepted: number;
  latenciesMs: number[];
  /** Metrics requests that failed or were answered otherwise while measuring. */
  failed: number;
};

export type ChildMessage =
  | { type: 'started' }
  | { type: 'stats'; stats: LoadStats }
  /** After every client closed (and sent its last report): evaluations made, in all. */
  | { type: 'finished'; evaluations: number; events: number; failedTotal: number }
  | { type: 'error'; message: string };

const send = (message: ChildMessage) => process.send!(message);

let clients: FlagsClient[] = [];
let flagKeys: string[] = [];
let evaluations = 0;
let events = 0;
let measuring = false;
let stats: LoadStats = { accepted: 0, latenciesMs: [], failed: 0 };
let failedTotal = 0;
let ticker: NodeJS.Timeout | undefined;
let tick = 0;

/** The client's fetch, timing the metrics posts. */
const timedFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.endsWith('/sdk/metrics')) return fetch(input, init);
  const started = performance.now();
  try {
    const response = await fetch(input, init);
    if (response.ok) {
      if (measuring) {
        stats.accepted++;
        stats.latenciesMs.push(performance.now() - started);
      }
    } else {
      failedTotal++;
      if (measuring) stats.failed++;
    }
    return response;
  } catch (err) {
    failedTotal++;
    if (measuring) stats.failed++;
    throw err;
  }
};

async function start(config: LoadConfig): Promise<void> {
  const snapshot = JSON.parse(readFileSync(config.snapshotFile, 'utf8')) as Snapshot;
  flagKeys = Object.keys(snapshot.flags);
  const gap = config.rampMs / Math.max(1, config.count);
  for (let i = 0; i < config.count; i++) {
    const n = config.first + i;
    clients.push(
      createClient({
        url: config.replicas[n % config.replicas.length]!,
        sdkKey: config.sdkKey,
        bootstrap: snapshot,
        streaming: false,
        // Rules come from the bootstrap; the one poll at start confirms them and the next is an hour away.
        pollIntervalMs: 3_600_000,
        metricsIntervalMs: config.metricsIntervalMs,
        fetch: timedFetch,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, gap));
  }
  // Every second a tenth of the instances evaluates every flag once, for a context of its own that
  // changes every time (so rollouts serve both variations), and tracks one event with a value: each
  // instance's report then counts every flag. (Evaluating everything every second made this process
  // the machine's busiest, and its event loop delays inflated the latencies measured.)
  ticker = setInterval(() => {
    tick++;
    let evaluated = 0;
    for (let c = tick % 10; c < clients.length; c += 10) {
      evaluated++;
      const client = clients[c]!;
      const context = { key: `user-${config.first + c}-${tick}`, email: `u${c}@example.com` };
      for (let f = 0; f < flagKeys.length; f++) client.isEnabled(flagKeys[f]!, context);
      client.track('bench-latency-ms', context, (tick % 100) + 1);
    }
    evaluations += evaluated * flagKeys.length;
    events += evaluated;
  }, 1000);
}

async function finish(): Promise<void> {
  clearInterval(ticker);
  measuring = false;
  // Instances stop a few at a time, as a fleet does: each close() sends a last report and waits for it
  // at most 2 s, so a thousand at once would measure the server's burst capacity instead.
  for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.close()));
  clients = [];
  send({ type: 'finished', evaluations, events, failedTotal });
}

process.on('message', (message: ParentMessage) => {
  const run = async () => {
    switch (message.type) {
      case 'start':
        await start(message.config);
        send({ type: 'started' });
        return;
      case 'measure':
        stats = { accepted: 0, latenciesMs: [], failed: 0 };
        measuring = true;
        return;
      case 'collect':
        measuring = false;
        send({ type: 'stats', stats });
        return;
      case 'finish':
        await finish();
        return;
      case 'exit':
        process.exit(0);
    }
  };
  run().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
