#!/bin/sh
# Makes Switchyard's production file tree: the compiled server and SDK, the built console, the migrations, and the
# server's production dependencies; no TypeScript, vitest, testcontainers, Prisma CLI or benchmark
# peers. The Dockerfile runs it to make the image's /app, and scripts/check-production-tree.sh runs
# it to prove, without Docker, that such a tree starts and serves: one script, so both are the same.
#
# Usage: sh deploy/production-tree.sh SOURCE TARGET
#   SOURCE: a checkout where `npm ci` (or `npm run build`) has built server/dist and sdk/dist
#   TARGET: a directory to create (it must not exist yet)
set -eu

src=$(cd "$1" && pwd)
dst=$2
if [ -e "$dst" ]; then echo "production-tree.sh: $dst already exists" >&2; exit 1; fi
for built in server/dist/main.js sdk/dist/index.js console/dist/index.html; do
  if [ ! -f "$src/$built" ]; then echo "production-tree.sh: $src/$built is missing: build first (npm run build)" >&2; exit 1; fi
done

mkdir -p "$dst/sdk" "$dst/server" "$dst/console" "$dst/bench" "$dst/prisma" "$dst/deploy"
cp "$src/package.json" "$src/package-lock.json" "$dst/"
# npm ci reads every workspace's package.json from the lockfile's list; only the server's are installed.
for workspace in sdk server console bench; do cp "$src/$workspace/package.json" "$dst/$workspace/"; done
cd "$dst"

# --omit=peer: @prisma/client names the Prisma CLI and TypeScript as optional peers, which npm would
#   otherwise install (about 300 MB, with Prisma Studio's web stack).
# --omit=optional: the embedded PostgreSQL's binaries (60 MB; the image runs with DATABASE_URL) and
#   esbuild's binary (tsx runs `npm run dev`, never the image).
# --ignore-scripts: nothing to run: the Prisma client is generated and compiled into server/dist.
npm ci --omit=dev --omit=peer --omit=optional --ignore-scripts --no-audit --no-fund --workspace @switchyard/server
rm -rf bench

# Prisma ships its query compiler for five databases in two builds; keep the one the generated client
# loads (PostgreSQL, and prisma/schema.prisma's `compilerBuild = "small"`): about 60 MB less.
find node_modules/@prisma/client/runtime -name 'query_compiler_*' ! -name 'query_compiler_small_bg.postgresql.*' -exec rm -f {} +

cp -R "$src/sdk/dist" sdk/dist
cp -R "$src/server/dist" server/dist
# The console is static files the server serves (server/src/http/console.ts): its React and Vite stay behind.
cp -R "$src/console/dist" console/dist
rm -f sdk/dist/.tsbuildinfo server/dist/.tsbuildinfo
cp "$src/server/start.sh" server/
cp -R "$src/prisma/migrations" prisma/migrations
cp "$src/deploy/docker-entrypoint.sh" deploy/
