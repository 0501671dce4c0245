import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ChangeBus } from './change-bus.ts';
import { type BeforeCommit, ChangeWriter } from './write-unit.ts';

declare module 'fastify' {
  interface FastifyInstance {
    changeBus: ChangeBus;
    /** The write unit every service writes through. */
    changes: ChangeWriter;
  }
}

export type ChangesPluginOptions = { changeBus: ChangeBus; beforeCommit?: BeforeCommit };

/** The change bus and the write unit on it. */
export default fp(
  async function changes(app: FastifyInstance, opts: ChangesPluginOptions) {
    app.decorate('changeBus', opts.changeBus);
    app.decorate(
      'changes',
      new ChangeWriter({
        prisma: app.prisma,
        bus: opts.changeBus,
        ...(opts.beforeCommit ? { beforeCommit: opts.beforeCommit } : {}),
        onPublishError: (err) => app.log.warn({ err }, 'could not publish a change notice'),
      }),
    );
  },
  { name: 'changes', dependencies: ['prisma'] },
);
