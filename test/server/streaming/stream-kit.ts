import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import WebSocket from 'ws';
import { type AppOptions, buildApp } from '../../../server/src/app.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { connectRedis } from '../../../server/src/server.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

/** A Redis namespace of its own, so that test files and runs never see each other's keys and notices. */
export const testNamespace = () => `sy-test-${randomBytes(5).toString('hex')}`;

export type Replica = {
  app: FastifyInstance;
  redis: Redis | null;
  prisma: PrismaClient | null;
  baseUrl: string;
  wsUrl: string;
  close(): Promise<void>;
};

async function listen(app: FastifyInstance): Promise<{ baseUrl: string; wsUrl: string }> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl: address, wsUrl: `${address.replace(/^http/, 'ws')}/sdk/stream` };
}

/** A listening test app on its own database, with Redis (unless `redis: false`) under a fresh namespace. */
export async function startStreamingApp(
  options: { redis?: boolean; namespace?: string } & Partial<Omit<AppOptions, 'redis' | 'prisma'>> = {},
): Promise<{ t: TestApp; replica: Replica; namespace: string }> {
  const { redis: withRedis = true, namespace = testNamespace(), ...rest } = options;
  const redis = withRedis ? await connectRedis(inject('redisUrl'), () => {}) : null;
  const t = await createTestApp({ ...rest, redis, redisNamespace: namespace });
  const urls = await listen(t.app);
  const replica: Replica = {
    app: t.app,
    redis,
    prisma: null,
    ...urls,
    async close() {
      await t.close();
      redis?.disconnect();
    },
  };
  return { t, replica, namespace };
}

/** Another replica of `t`'s service: its own Fastify, Prisma pool and Redis connection, same database and namespace. */
export async function startReplica(
  t: TestApp,
  namespace: string,
  options: Partial<Omit<AppOptions, 'redis' | 'prisma'>> = {},
): Promise<Replica> {
  const redis = await connectRedis(inject('redisUrl'), () => {});
  const prisma = createPrisma(t.db.url, 5);
  const app = await buildApp({ ...options, prisma, redis, redisNamespace: namespace });
  const urls = await listen(app);
  return {
    app,
    redis,
    prisma,
    ...urls,
    async close() {
      await app.close();
      await prisma.$disconnect();
      redis.disconnect();
    },
  };
}

export type StreamMessage = { type: string; [field: string]: unknown };

/** A websocket client that records every message, so a test can wait for the next one it expects. */
export class StreamClient {
  readonly messages: StreamMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as StreamMessage);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => {});
  }

  /**
   * Opens a connection; `key` goes in the Authorization header unless `hello` says to send it as the first message.
   * `localAddress` (any of 127.0.0.0/8) makes the connection come from another client address.
   */
  static async connect(
    url: string,
    options: {
      key?: string;
      version?: number;
      hello?: boolean;
      headers?: Record<string, string>;
      answerPings?: boolean;
      localAddress?: string;
    } = {},
  ): Promise<StreamClient> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key && !options.hello) headers.authorization = `Bearer ${options.key}`;
    if (options.version !== undefined && !options.hello) headers['x-switchyard-version'] = String(options.version);
    const socket = new WebSocket(url, { headers, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const client = new StreamClient(socket);
    if (options.answerPings) {
      socket.on('message', (data) => {
        const m = JSON.parse(data.toString()) as StreamMessage;
        if (m.type === 'ping') client.send({ type: 'pong', t: m.t });
      });
    }
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    if (options.hello)
      client.send({ type: 'hello', sdkKey: options.key, ...(options.version === undefined ? {} : { version: options.version }) });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The next message (after those already taken) that matches; fails after `timeoutMs`. Pings are skipped unless asked for. */
  async next(match: string | ((m: StreamMessage) => boolean) = () => true, timeoutMs = 3000): Promise<StreamMessage> {
    const predicate = typeof match === 'string' ? (m: StreamMessage) => m.type === match : match;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const message = this.messages[this.cursor++]!;
        if (message.type === 'ping' && match !== 'ping') continue;
        if (predicate(message)) return message;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** Messages other than pings received after those already taken, waiting `ms` first. */
  async quietFor(ms: number): Promise<StreamMessage[]> {
    await new Promise((r) => setTimeout(r, ms));
    const rest = this.messages.slice(this.cursor).filter((m) => m.type !== 'ping');
    this.cursor = this.messages.length;
    return rest;
  }

  close(): void {
    this.socket.close();
  }
}

/** The admin API's kill switch. */
export async function toggle(t: TestApp, flag: string, environment: string, on: boolean): Promise<void> {
  const res = await t.request('POST', `/api/flags/${flag}/environments/${environment}/toggle`, { body: { on } });
  if (res.statusCode !== 200) throw new Error(`toggle failed: ${res.statusCode} ${res.body}`);
}

export async function createFlag(t: TestApp, key: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await t.request('POST', '/api/flags', { body: { key, name: key, kind: 'boolean', ...extra } });
  if (res.statusCode !== 201) throw new Error(`create flag failed: ${res.statusCode} ${res.body}`);
}

export async function environmentVersion(t: TestApp, environment: string): Promise<number> {
  return (await t.db.prisma.environment.findUniqueOrThrow({ where: { key: environment } })).version;
}
