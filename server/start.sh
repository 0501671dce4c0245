#!/bin/sh
# Runs the compiled server (server/dist, built by `npm run build`) with the memory settings every
# benchmark measures it with: semi-spaces of at most 4 MiB (V8 grows them to 16 MiB by default) and
# two malloc arenas (instead of up to 8 per core) keep a replica holding 500 streams near 120 MB
# resident. 1 MiB semi-spaces would save about 6 MB more but cost a fifth of the admin API's
# throughput (bench/README.md, "Memory"). Arguments are passed to node, after these settings, so
# they can override them (e.g. --cpu-prof, --max-semi-space-size=16).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-semi-space-size=4 "$@" "$(dirname "$0")/dist/main.js"
