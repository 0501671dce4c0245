// A load process of bench:release (never run alone): real `@switchyard/sdk` clients, streaming, each
// re-evaluating one flag for one probe context at every 'change' event that names it, as an
// application reacting to changes would. It records when each client's evaluation first gives the
// round's expected variation, on the system-wide monotonic clock (process.hrtime) that the parent,
// who rolls the plan back, also uses. Driven over IPC: connect -> (arm -> collect)* -> exit.
import { type Context, createClient, type FlagsClient } from '@switchyard/sdk';

export type ClientsConfig = {
  replicas: string[];
  sdkKey: string;
  /** This process runs clients [first, first + count) of the whole population; client n streams from replica n mod R. */
  first: number;
  count: number;
  flagKey: string;
};

export type ParentMessage =
  | { type: 'connect'; config: ClientsConfig }
  /** From now on, record each client's first evaluation of the flag for `probe` giving `variation`. */
  | { type: 'arm'; probe: Context; variation: number }
  | { type: 'collect'; deadline: number }
  | { type: 'exit' };
export type ChildMessage =
  | { type: 'connected'; perReplica: number[]; notReady: number }
  /** `already`: clients whose evaluation gave the variation when armed (their seenAt is the arming time). */
  | { type: 'armed'; already: number }
  /** When each client first evaluated the round's variation (monotonic ms; 0: not by the deadline). */
  | { type: 'seen'; seenAt: number[]; notStreaming: number; errors: number }
  | { type: 'error'; message: string };

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every process of the machine. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

const send = (message: ChildMessage) => process.send!(message);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let config: ClientsConfig;
let clients: FlagsClient[] = [];
let seenAt = new Float64Array(0);
let probe: Context | null = null;
let expected = -1;
let waiting = 0;
let allSeen: (() => void) | null = null;
let errors = 0;

function check(i: number, t: number): void {
  if (probe === null || seenAt[i] !== 0) return;
  if (clients[i]!.evaluate(config.flagKey, probe).variationIndex !== expected) return;
  seenAt[i] = t;
  if (--waiting === 0) allSeen?.();
}

async function connect(): Promise<void> {
  clients = [];
  seenAt = new Float64Array(config.count);
  const perReplica = config.replicas.map(() => 0);
  let notReady = 0;
  const batch = 100;
  for (let i = 0; i < config.count; i += batch) {
    const opened: Promise<boolean>[] = [];
    for (let j = i; j < Math.min(config.count, i + batch); j++) {
      const replica = (config.first + j) % config.replicas.length;
      perReplica[replica]!++;
      const client = createClient({ url: config.replicas[replica]!, sdkKey: config.sdkKey, sendMetrics: false, logger: silent });
      client.on('error', () => errors++);
      client.on('change', (keys) => {
        if (keys.includes(config.flagKey)) check(j, monotonicMs());
      });
      clients.push(client);
      opened.push(client.ready(30_000));
    }
    for (const ready of await Promise.all(opened)) if (!ready) notReady++;
  }
  send({ type: 'connected', perReplica, notReady });
}

function arm(context: Context, variation: number): void {
  probe = context;
  expected = variation;
  seenAt.fill(0);
  waiting = config.count;
  const t = monotonicMs();
  for (let i = 0; i < config.count; i++) check(i, t);
  send({ type: 'armed', already: config.count - waiting });
}

async function collect(deadline: number): Promise<void> {
  if (waiting > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - monotonicMs()));
      allSeen = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  allSeen = null;
  probe = null;
  const notStreaming = clients.filter((c) => c.status !== 'streaming').length;
  send({ type: 'seen', seenAt: Array.from(seenAt), notStreaming, errors });
}

process.on('message', (message: ParentMessage) => {
  const task = async () => {
    switch (message.type) {
      case 'connect':
        config = message.config;
        return connect();
      case 'arm':
        return arm(message.probe, message.variation);
      case 'collect':
        return collect(message.deadline);
      case 'exit':
        await Promise.all(clients.map((c) => c.close()));
        process.exit(0);
    }
  };
  task().catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));
});
