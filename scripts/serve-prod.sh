#!/usr/bin/env bash
# Serve SafetyNet in production: collect static files, migrate, then run the background worker
# and gunicorn (WhiteNoise serves the static files) until either stops; Ctrl-C/TERM stops both.
# Behind the reverse proxy of docs/deploy.md. Environment: see docs/deploy.md.
set -euo pipefail
BIN=${BIN:-.venv/bin}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-safetynet.settings.prod}

"$BIN/safetynet" check --deploy --fail-level ERROR
"$BIN/safetynet" collectstatic --noinput --verbosity 0
if [ "${SAFETYNET_MIGRATE:-1}" = 1 ]; then
  "$BIN/safetynet" migrate --noinput --verbosity 0
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait; }
trap cleanup EXIT INT TERM

# The worker never autoreloads here: it finishes its task on TERM instead of being restarted.
"$BIN/safetynet" db_worker --no-reload --interval "${SAFETYNET_WORKER_INTERVAL:-1}" &
pids+=($!)
"$BIN/gunicorn" --config python:safetynet.gunicorn_conf &
pids+=($!)
# Whichever stops first (a crash, a signal) stops the other.
wait -n
