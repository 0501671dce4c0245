# syntax=docker/dockerfile:1
# Switchyard's production image: the compiled server and its production dependencies on Node 24, run as
# the unprivileged `node` user, with no compiler, test tool, Prisma CLI or embedded PostgreSQL in it.
# It needs a PostgreSQL (DATABASE_URL) and, to run more than one replica, a Redis (REDIS_URL): see
# docker-compose.yml. The base is pinned to a Node 24 LTS release (24.22.3, current when this was
# written); where your policy asks for it, pin its digest as well (node:24.22.3-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: every dependency, the Prisma client generated, the SDK and server compiled, the console built
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# The root postinstall generates the Prisma client from prisma/schema.prisma (`prisma generate` never
# runs the native schema engine, and PRISMA_SCHEMA_ENGINE_BINARY stops Prisma's CLI downloading it),
# then compiles the SDK and the server to JavaScript and builds the console: it needs their sources, so
# they come first.
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY sdk sdk
COPY server server
COPY console console
COPY bench/package.json bench/
COPY scripts scripts
COPY prisma prisma
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm ci

# /app: the compiled code, the migrations and the server's production dependencies only. The same
# script makes the tree that scripts/check-production-tree.mjs runs in CI, without Docker.
COPY deploy deploy
RUN sh deploy/production-tree.sh /src /app

# ---- runtime -----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# Owned by root and not writable by `node`: the server writes nothing to its own files.
COPY --from=build /app /app
WORKDIR /app
USER node

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4242 \
    LOG_LEVEL=info
EXPOSE 4242

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4242) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# Refuses to start without DATABASE_URL, then runs server/start.sh (the compiled server with its memory
# settings), which `exec`s Node: SIGTERM from `docker stop` reaches Switchyard, which drains and exits 0.
CMD ["sh", "deploy/docker-entrypoint.sh"]
