import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type RegisteredRoute = { method: string; url: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after this plugin (HEAD routes included), for the security tests' matrix. */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

export default fp(async function routeRegistry(app: FastifyInstance) {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
});
