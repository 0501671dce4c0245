import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

/** API answers are data, never documents: nothing may load, run or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The Swagger UI at /docs loads its own scripts, styles and images from this origin (it needs no
 * inline script) and sets inline style attributes; it may call the API from the page.
 */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

/**
 * Security headers on every answer (errors and 404s included). No CORS headers are added here:
 * admin routes are not for browsers on other origins, so a cross-origin preflight gets none.
 */
export default fp(async function securityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    setSecurityHeaders(reply, request.url);
    return payload;
  });
});

export function setSecurityHeaders(reply: FastifyReply, url: string): void {
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('Content-Security-Policy', isDocs(url) ? DOCS_CSP : API_CSP);
  reply.removeHeader('X-Powered-By');
}
