#!/usr/bin/env bash
# Starts a single-node Kafka broker (KRaft) on 127.0.0.1:9092 from Maven Central jars, without
# Docker. Idempotent: does nothing when something already listens on 9092.
# KAFKA_DATA_DIR (default /tmp/booking-kafka) holds the classpath, the log segments and the logs;
# KAFKA_PORT / KAFKA_CONTROLLER_PORT (9092 / 9093) let a second broker run beside the first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${KAFKA_DATA_DIR:-/tmp/booking-kafka}"
port="${KAFKA_PORT:-9092}"
controller="${KAFKA_CONTROLLER_PORT:-9093}"

listening() { (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; }

if listening; then
  echo "kafka: already running on 127.0.0.1:$port"
  exit 0
fi

mkdir -p "$data/logs"
# Resolving the classpath downloads the jars on a new machine (tens of MB); ~/.m2 keeps them.
if [ ! -s "$data/classpath.txt" ] || [ "$here/pom.xml" -nt "$data/classpath.txt" ]; then
  echo "kafka: resolving jars with Maven"
  mvn -q -B -f "$here/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -DincludeScope=runtime -Dmdep.outputFile="$data/classpath.txt"
fi
cp="$(cat "$data/classpath.txt")"

config="$data/server.properties"
{ sed -e "s/:9092/:$port/g" -e "s/:9093/:$controller/g" "$here/server.properties"; echo "log.dirs=$data/kraft"; } > "$config"

java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$here/log4j2.xml" "-Dkafka.logs.dir=$data/logs")

if [ ! -f "$data/kraft/meta.properties" ]; then
  cluster_id="$(java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid | tail -1)"
  java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$config" >/dev/null
fi

nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$config" > "$data/logs/stdout.log" 2>&1 &
echo $! > "$data/kafka.pid"

# The listener opens only once the broker is unfenced, so a connect means ready.
for _ in $(seq 1 90); do
  if listening; then
    echo "kafka: ready on 127.0.0.1:$port (pid $(cat "$data/kafka.pid"), data in $data)"
    exit 0
  fi
  if ! kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then break; fi
  sleep 1
done
echo "kafka: did not start; last log lines:" >&2
tail -n 50 "$data/logs/stdout.log" "$data/logs/broker.log" 2>/dev/null >&2 || true
exit 1
