import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { PrismaClient } from './prisma.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
  }
}

/** Exposes the Prisma client. Its owner (main.ts or a test) creates and disconnects it. */
export default fp(
  async function prisma(app: FastifyInstance, opts: { prisma: PrismaClient }) {
    app.decorate('prisma', opts.prisma);
  },
  { name: 'prisma' },
);
