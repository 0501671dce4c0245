import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { type AppOptions, buildApp } from '../../server/src/app.ts';
import { displayPrefix, generateSecret, hashSecret, type TokenKind } from '../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../server/src/bootstrap.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export type TestApp = {
  app: FastifyInstance;
  db: TestDatabase;
  adminToken: string;
  /** Creates a token directly in the database and returns its secret. */
  createToken(kind: TokenKind, environmentKey?: string, name?: string): Promise<string>;
  /** Sends a request with the admin token unless `token` says otherwise (null: no Authorization header). */
  request(
    method: string,
    url: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
};

/** A Switchyard app on a fresh database of its own, seeded as on first start, with an admin token. */
export async function createTestApp(options: Partial<AppOptions> = {}): Promise<TestApp> {
  const db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
  const adminToken = generateSecret('admin');
  await seedOnFirstStart(db.prisma, { adminToken });
  const app = await buildApp({ prisma: db.prisma, ...options });
  await app.ready();

  return {
    app,
    db,
    adminToken,
    async createToken(kind, environmentKey, name = `${kind} token`) {
      const secret = generateSecret(kind);
      const environment = environmentKey ? await db.prisma.environment.findUniqueOrThrow({ where: { key: environmentKey } }) : null;
      await db.prisma.apiToken.create({
        data: { name, kind, environmentId: environment?.id ?? null, secretHash: hashSecret(secret), prefix: displayPrefix(secret) },
      });
      return secret;
    },
    request(method, url, { body, token, headers = {} } = {}) {
      const auth = token === null ? {} : { authorization: `Bearer ${token ?? adminToken}` };
      return app.inject({
        method: method as 'GET',
        url,
        headers: { ...auth, ...headers },
        ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
      });
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
