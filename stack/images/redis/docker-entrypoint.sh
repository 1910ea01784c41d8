#!/bin/sh
# Entrypoint of vntp-local/redis, as the official image's: `redis-server [file.conf] [--option value]...`.
# Debian's redis-server keeps protected mode on without a config file, which refuses every client
# from another container; the official image turns it off, so this one does too (an explicit
# --protected-mode given later on the command line still wins).
set -eu

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ]; then
  shift
  if [ $# -gt 0 ] && [ "${1%.conf}" != "$1" ]; then
    conf=$1
    shift
    set -- redis-server "$conf" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
fi
exec "$@"
