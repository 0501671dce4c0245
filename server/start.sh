#!/bin/sh
# Runs the compiled server (server/dist, built by `npm run build`) with the memory settings every
# benchmark measures it with: a 1 MiB young generation and two malloc arenas (instead of one per
# thread) keep a replica holding 1,000 streams near 110 MB resident (bench/README.md).
# Arguments are passed to node (e.g. --cpu-prof).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-semi-space-size=1 "$@" "$(dirname "$0")/dist/main.js"
