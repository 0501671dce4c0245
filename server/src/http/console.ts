import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { MAX_PARAM_LENGTH, uriTooLong } from './client-errors.ts';

/**
 * The console's pages: scripts and styles from this origin's files only (Vite emits no inline script
 * or style; React sets styles through the CSSOM, which style-src does not govern), API calls to this
 * origin, nothing framed. The form-action is 'self' for the sign-in form.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Paths the server answers itself; everything else is the console's (a file, or its index.html). */
const SERVER_PREFIXES = ['/api', '/sdk', '/docs', '/triggers'];
const isServerPath = (url: string) => SERVER_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));

/** console/dist, from server/src/http (tsx, tests) and server/dist/http (the build) alike. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * Serves the console built into console/dist: hashed files under /assets/ cached for a year (a new
 * build has new names), index.html for every other path (the console routes in the browser), never
 * cached, so a new build is picked up on the next load. Paths of the API, the SDK, the docs and the
 * triggers keep their JSON 404.
 */
export default async function consoleRoutes(app: FastifyInstance, opts: { root?: string }) {
  const root = opts.root ?? CONSOLE_DIST;
  await app.register(fastifyStatic, { root, serve: false });

  // Runs after the global security headers (a child context's hooks come after its parent's).
  app.addHook('onSend', async (request, reply, payload) => {
    if (!isServerPath(request.url)) reply.header('Content-Security-Policy', CONSOLE_CSP);
    return payload;
  });

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (isServerPath(request.url)) {
      // No server route matched. One reason is a path parameter too long for the router, which would
      // have refused it with a 414 had this catch-all not taken it.
      const segments = request.url.split('?')[0]!.split('/');
      if (segments.some((segment) => segment.length > MAX_PARAM_LENGTH)) uriTooLong(request, reply);
      else reply.callNotFound();
      return reply;
    }
    const path = (request.params as { '*': string })['*'];
    if (path.startsWith('assets/')) return reply.sendFile(path, { maxAge: '365d', immutable: true });
    if (!existsSync(join(root, 'index.html'))) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built yet: run `npm run build`, then reload.\n');
    }
    reply.header('Cache-Control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });
}
