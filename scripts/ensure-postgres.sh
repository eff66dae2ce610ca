#!/usr/bin/env bash
# Make a local PostgreSQL available for the test suite and print its DATABASE_URL.
# Starts an installed-but-stopped cluster; installs one from Debian when possible.
# When no PostgreSQL can be had it prints nothing and warns loudly on stderr: exit 0 on a developer's
# machine (the SQLite half still runs), exit 1 under CI (CI=true), where passing on SQLite alone
# would hide the PostgreSQL half.
set -u
HOST=127.0.0.1
PORT=${SAFETYNET_PG_PORT:-5432}
WAIT=${SAFETYNET_PG_WAIT:-30}  # seconds to wait for a cluster we started
ROLE=safetynet
URL="postgres://$ROLE:$ROLE@$HOST:$PORT/$ROLE"

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

start_clusters() {
  [ -d /etc/postgresql ] || return 1
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  done
  for _ in $(seq 1 "$WAIT"); do ready && return 0; sleep 1; done
  return 1
}

as_superuser() {  # run psql as the postgres superuser: trust over TCP, else peer on the socket
  psql -h "$HOST" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1" 2>/dev/null \
    || su postgres -c "psql -p $PORT -d postgres -v ON_ERROR_STOP=1 -qtAc \"$1\"" 2>/dev/null
}

if ! command -v pg_isready >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing PostgreSQL from Debian..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || true
fi
if command -v pg_isready >/dev/null; then
  ready || start_clusters
fi
if ! ready; then
  if [ "${CI:-}" = true ]; then
    {
      echo "##########################################################################"
      echo "## ERROR: no PostgreSQL at $HOST:$PORT could be started, and CI=true:   ##"
      echo "## the suite must run on PostgreSQL too. Failing instead of passing on  ##"
      echo "## SQLite alone.                                                        ##"
      echo "##########################################################################"
    } >&2
    exit 1
  fi
  {
    echo "################################################################"
    echo "## WARNING: no PostgreSQL could be started: SQLite tests only. ##"
    echo "################################################################"
  } >&2
  exit 0
fi
exists=$(as_superuser "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")
if [ "$exists" != 1 ]; then
  as_superuser "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$ROLE'" >/dev/null
fi
dbexists=$(as_superuser "SELECT 1 FROM pg_database WHERE datname = '$ROLE'")
if [ "$dbexists" != 1 ]; then
  as_superuser "CREATE DATABASE $ROLE OWNER $ROLE" >/dev/null
fi
echo "$URL"
