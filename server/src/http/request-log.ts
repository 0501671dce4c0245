import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { redactUrl } from './log-redaction.ts';

/**
 * One log line per request, at `debug`, with the method, the URL (secrets censored, see redactUrl), the
 * status and the time in milliseconds. Fastify's default is two lines at `info` ("incoming request",
 * "request completed"), which turned the default level into an access log that polling SDKs and
 * health checks flood; `info` is left to start-up, warnings and errors.
 */
export class CompactRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.debug(line, 'request completed');
  }
}
