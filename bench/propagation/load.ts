// A load process of bench:propagation (never run alone): stream clients speaking the protocol
// directly with `ws`, one lightweight socket each. It records when each client receives the value
// of the current round on the system-wide monotonic clock (process.hrtime), which the parent, who
// issues the toggles, also uses. Driven over IPC: connect -> (arm -> collect)* -> exit.
import WebSocket from 'ws';

export type LoadConfig = {
  replicas: string[];
  serverKeys: string[];
  /** This process runs clients [first, first + count) of the whole population. */
  first: number;
  count: number;
  flagKey: string;
};

export type ParentMessage =
  | { type: 'connect'; config: LoadConfig }
  | { type: 'arm'; expected: boolean }
  | { type: 'collect'; deadline: number }
  | { type: 'exit' };
export type ChildMessage =
  | { type: 'connected'; perReplica: number[]; on: boolean[] }
  | { type: 'armed' }
  /** When each client had the round's value (monotonic ms; 0: not by the deadline). */
  | { type: 'seen'; seenAt: number[]; reconnects: number; closeCodes: Record<string, number> }
  | { type: 'error'; message: string };

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every process of the machine. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

const send = (message: ChildMessage) => process.send!(message);

let config: LoadConfig;
let sockets: WebSocket[] = [];
/** Per client: the flag's `on` as last received (-1: not yet), its environment version, when it had the round's value. */
let on: Int8Array;
let version: Float64Array;
let seenAt: Float64Array;
let expected = -1;
let waiting = 0;
let allSeen: (() => void) | null = null;
let closing = false;
let reconnects = 0;
const closeCodes: Record<string, number> = {};

function setOn(i: number, value: boolean | undefined, t: number): void {
  const v = value ? 1 : 0;
  if (on[i] === v) return;
  on[i] = v;
  if (v === expected && seenAt[i] === 0) {
    seenAt[i] = t;
    if (--waiting === 0) allSeen?.();
  }
}

function onMessage(i: number, socket: WebSocket, data: WebSocket.RawData): void {
  const t = monotonicMs();
  const message = JSON.parse(data.toString()) as Record<string, any>;
  switch (message.type) {
    case 'snapshot':
      version[i] = message.snapshot.version;
      setOn(i, message.snapshot.flags[config.flagKey]?.on, t);
      return;
    case 'patch':
      if (message.version <= version[i]!) return;
      if (message.fromVersion > version[i]!) {
        socket.send('{"type":"resync"}');
        return;
      }
      version[i] = message.version;
      if (Object.hasOwn(message.flags, config.flagKey)) setOn(i, message.flags[config.flagKey]?.on, t);
      return;
    case 'ping':
      socket.send(`{"type":"pong","t":${Number(message.t)}}`);
      return;
  }
}

/** Opens local client i; resolves at its first message. A dropped client reconnects and resumes, as an SDK does. */
function open(i: number, resume: boolean): Promise<void> {
  const global = config.first + i;
  const replica = config.replicas[global % config.replicas.length]!;
  const key = config.serverKeys[Math.floor(global / config.replicas.length) % config.serverKeys.length]!;
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (resume && version[i]! > 0) headers['x-switchyard-version'] = String(version[i]);
  const socket = new WebSocket(`${replica.replace(/^http/, 'ws')}/sdk/stream`, { headers, perMessageDeflate: false });
  sockets[i] = socket;
  return new Promise((resolve, reject) => {
    let first = true;
    socket.on('message', (data) => {
      onMessage(i, socket, data);
      if (first) {
        first = false;
        resolve();
      }
    });
    socket.on('error', (err) => {
      if (first) reject(err);
    });
    socket.on('close', (code) => {
      if (first) reject(new Error(`client ${global} closed with ${code} before its first message`));
      if (closing || first) return;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      reconnects++;
      setTimeout(() => void open(i, true).catch(() => {}), 100);
    });
  });
}

async function connectAll(): Promise<void> {
  const n = config.count;
  on = new Int8Array(n).fill(-1);
  version = new Float64Array(n);
  seenAt = new Float64Array(n);
  sockets = new Array(n);
  const batch = 100;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => open(i + j, false)));
  }
  const perReplica = config.replicas.map(() => 0);
  for (let i = 0; i < n; i++) perReplica[(config.first + i) % config.replicas.length]!++;
  send({ type: 'connected', perReplica, on: [...new Set(Array.from(on, (v) => v === 1))] });
}

/** Starts a round: from now on, the first receipt of `value` by each client is recorded. */
function arm(value: boolean): void {
  expected = value ? 1 : 0;
  seenAt.fill(0);
  waiting = 0;
  for (let i = 0; i < config.count; i++) if (on[i] !== expected) waiting++;
  send({ type: 'armed' });
}

/** Waits until every client has the round's value or the deadline passes, then reports the receipts. */
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
  expected = -1;
  send({ type: 'seen', seenAt: Array.from(seenAt), reconnects, closeCodes });
}

process.on('message', (message: ParentMessage) => {
  const task = async () => {
    switch (message.type) {
      case 'connect':
        config = message.config;
        return connectAll();
      case 'arm':
        return arm(message.expected);
      case 'collect':
        return collect(message.deadline);
      case 'exit':
        closing = true;
        for (const socket of sockets) socket?.terminate();
        process.exit(0);
    }
  };
  task().catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));
});
