#!/bin/sh
# The image's command. The image carries no embedded PostgreSQL (a database inside an application
# container lives and dies with it, and a replica's must be shared): it needs DATABASE_URL.
if [ -z "${DATABASE_URL:-}" ]; then
  echo 'Invalid configuration:' >&2
  echo '  - DATABASE_URL: must be set: the Switchyard image has no embedded PostgreSQL (postgresql://user:pass@host:5432/db)' >&2
  exit 1
fi
# start.sh `exec`s Node, so SIGTERM from `docker stop` reaches Switchyard, which drains and exits 0.
exec sh "$(dirname "$0")/../server/start.sh" "$@"
