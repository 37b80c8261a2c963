#!/usr/bin/env bash
# Stop the Kafka broker started by scripts/kafka-start.sh: SIGTERM (clean shutdown),
# wait up to KAFKA_STOP_TIMEOUT seconds (default 30), then SIGKILL.
# Harmless when no broker runs. Progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/kafka"
PID_FILE="$CACHE/broker.pid"
PORT_FILE="$CACHE/broker.port"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { printf 'kafka-stop: %s\n' "$*" >&2; }

if [[ ! -f "$PID_FILE" ]]; then
  log "no broker running (no pid file)"
  exit 0
fi

pid="$(cat "$PID_FILE" 2>/dev/null || true)"
cleanup() { rm -f "$PID_FILE" "$PORT_FILE"; }

if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "broker not running (stale pid file)"
  cleanup
  exit 0
fi
# Never signal a process that is not our broker (the pid may have been reused).
if ! ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'; then
  log "pid $pid is not a Kafka broker; removing the stale pid file"
  cleanup
  exit 0
fi

log "stopping broker (pid $pid)"
t0=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
while kill -0 "$pid" 2>/dev/null; do
  if (( SECONDS - t0 >= STOP_TIMEOUT )); then
    log "broker did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    break
  fi
  sleep 0.2
done
cleanup
log "broker stopped in $((SECONDS - t0)) s"
