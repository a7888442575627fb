#!/usr/bin/env bash
# Stops the broker that start.sh started and waits for it to exit.
set -euo pipefail
data="${KAFKA_DATA_DIR:-/tmp/booking-kafka}"
pidfile="$data/kafka.pid"
[ -f "$pidfile" ] || { echo "kafka: not started by start.sh"; exit 0; }
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidfile"
echo "kafka: stopped"
