# Switchyard server. Configure it with environment variables (see docker-compose.yml):
# DATABASE_URL and REDIS_URL point at your PostgreSQL and Redis; without DATABASE_URL it runs an
# embedded PostgreSQL keeping its files in /app/data (mount a volume there).
FROM node:20-slim

WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# The root postinstall generates the Prisma client from prisma/schema.prisma (`prisma generate`
# never runs the native schema engine, and PRISMA_SCHEMA_ENGINE_BINARY stops Prisma's CLI
# downloading it), then compiles the SDK and the server to JavaScript: it needs their sources, so
# they are copied before the install.
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY sdk sdk
COPY server server
COPY bench/package.json bench/
COPY scripts scripts
COPY prisma prisma
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm ci

RUN mkdir -p /app/data && chown node:node /app/data
USER node

ENV HOST=0.0.0.0 \
    PORT=4242 \
    LOG_LEVEL=info
EXPOSE 4242

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4242) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# server/start.sh runs the compiled server with its memory settings and `exec`s Node, so SIGTERM
# from `docker stop` reaches Switchyard, which drains requests, closes its connections and exits 0.
CMD ["sh", "server/start.sh"]
