import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { dropRunDatabases, prepareTemplateDatabase } from './database.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, portAnswers } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    /** Names this run's databases, so its teardown can drop any a test file left behind. */
    testRunId: string;
    redisUrl: string;
  }
}

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds real PostgreSQL and Redis servers for the suite: DATABASE_URL / REDIS_URL when set, else
 * servers answering on their default local ports, else containers when a Docker engine answers,
 * else stops with a message saying what to provide.
 */
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;

  if (!databaseUrl && (await portAnswers('127.0.0.1', 5432))) databaseUrl = DEFAULT_DATABASE_URL;
  if (!redisUrl && (await portAnswers('127.0.0.1', 6379))) redisUrl = DEFAULT_REDIS_URL;

  if ((!databaseUrl || !redisUrl) && dockerAnswers()) {
    if (!databaseUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:17-alpine').start();
      stops.push(() => container.stop());
      databaseUrl = container.getConnectionUri();
    }
    if (!redisUrl) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      stops.push(() => container.stop());
      redisUrl = container.getConnectionUrl();
    }
  }

  if (!databaseUrl || !redisUrl) {
    throw new Error(
      'The test suite needs a real PostgreSQL and Redis. Set DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) ' +
        'and REDIS_URL (e.g. redis://127.0.0.1:6379), run them on their default local ports, ' +
        'or start a Docker engine for testcontainers. ' +
        `Missing: ${[!databaseUrl && 'PostgreSQL', !redisUrl && 'Redis'].filter(Boolean).join(' and ')}.`,
    );
  }

  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('templateDatabase', await prepareTemplateDatabase(databaseUrl));
  const runId = randomBytes(3).toString('hex');
  project.provide('testRunId', runId);

  return async () => {
    await dropRunDatabases(databaseUrl, runId);
    for (const stop of stops) await stop();
  };
}
