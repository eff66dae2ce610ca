#!/usr/bin/env bash
# Serve the demo: the simulated agencies and banks, the background worker and the web UI, stopped together.
# No scheduler: the daily casework job (`safetynet cases escalate`, which fills pending due dates
# first, ADR 0814) is a cron job in production (docs/deploy.md); the demo runs it once at start.
set -euo pipefail
BIN=${BIN:-.venv/bin}
CITY=${1:?usage: serve-demo.sh CITY_DIR [HOST] [PORT]}
HOST=${2:-127.0.0.1}
PORT=${3:-8000}
AGENCIES_PORT=${AGENCIES_PORT:-8701}
BANKS_PORT=${BANKS_PORT:-8702}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-safetynet.settings.dev}
export SAFETYNET_AGENCIES_URL="http://127.0.0.1:$AGENCIES_PORT"
mkdir -p var/log

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$BIN/safetynet" cases escalate >var/log/escalate.log 2>&1 || echo "daily job failed: var/log/escalate.log"
"$BIN/safetynet" agencies serve --city "$CITY" --port "$AGENCIES_PORT" >var/log/agencies.log 2>&1 &
pids+=($!)
# The simulated banks: answer the bank files downloaded from 银行代发 (docs/bank-files.md).
"$BIN/safetynet" banks serve --city "$CITY" --port "$BANKS_PORT" >var/log/banks.log 2>&1 &
pids+=($!)
# No autoreload: a reload would kill a dispatch half-way (the dev settings default to it).
"$BIN/safetynet" db_worker --no-reload --interval 0.5 >var/log/worker.log 2>&1 &
pids+=($!)
echo "Simulated agencies: $SAFETYNET_AGENCIES_URL  (log: var/log/agencies.log)"
echo "Simulated banks:    http://127.0.0.1:$BANKS_PORT  (log: var/log/banks.log; or: safetynet banks answer --city $CITY --file F --out DIR)"
echo "Background worker running                    (log: var/log/worker.log)"
echo "SafetyNet: http://$HOST:$PORT/   (Ctrl-C stops everything)"
"$BIN/safetynet" runserver "$HOST:$PORT" --noreload
