#!/bin/sh
# The image's entrypoint. It runs as the `watchdog` user (uid 10001). Started as root
# instead (Railway with RAILWAY_RUN_UID=0, whose volumes are mounted owned by root), it
# gives the state directory to that user and drops to it: the daemon never runs as root.
set -eu
state="${WATCHDOG_STATE_DIR:-/var/lib/watchdog}"
if [ "$(id -u)" = "0" ]; then
  mkdir -p "$state"
  chown -R watchdog:watchdog "$state"
  exec setpriv --reuid=watchdog --regid=watchdog --init-groups -- "$@"
fi
exec "$@"
