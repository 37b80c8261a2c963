#!/usr/bin/env bash
# Start a single-node Apache Kafka 3.9.1 broker (KRaft, broker+controller in one JVM)
# on 127.0.0.1 for integration tests and benchmarks.
#
#   scripts/kafka-start.sh            # broker on 127.0.0.1:9092, controller on :9093
#   KAFKA_PORT=19092 scripts/kafka-start.sh
#
# Idempotent: when a broker started by this script is already up and answering,
# it only prints its address. Progress goes to stderr; the last line on stdout is
#   KAFKA_BROKERS=127.0.0.1:<port>
#
# Environment:
#   KAFKA_PORT             client port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT + 1)
#   KAFKA_HEAP_OPTS        JVM heap options (default "-Xms256m -Xmx512m")
#   KAFKA_START_TIMEOUT    seconds to wait for "Kafka Server started" (default 90)
#   KAFKA_KEEP_DATA=1      keep the existing data directory instead of formatting a
#                          fresh one (used to restart the broker after an outage)
# Files (all under .cache/kafka/, git-ignored):
#   kafka-3.9.1/libs/  jars fetched by Maven via kafka/pom.xml
#   config/            generated server.properties and log4j.properties
#   data/              KRaft metadata and topic logs
#   server.log         broker output; broker.pid / broker.port describe the running broker
set -euo pipefail

KAFKA_VERSION=3.9.1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/kafka"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
CONFIG_DIR="$CACHE/config"
DATA_DIR="$CACHE/data"
LOG_FILE="$CACHE/server.log"
PID_FILE="$CACHE/broker.pid"
PORT_FILE="$CACHE/broker.port"
POM="$ROOT/kafka/pom.xml"

PORT_REQUESTED="${KAFKA_PORT:-}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

log() { printf 'kafka-start: %s\n' "$*" >&2; }
die() { printf 'kafka-start: ERROR: %s\n' "$*" >&2; exit 1; }

# true when something accepts TCP connections on 127.0.0.1:$1
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# true when $1 is a live process running kafka.Kafka
is_broker_pid() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'
}

print_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    log "last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2 || true
  fi
}

mkdir -p "$CACHE"

# Serialise concurrent starts (e.g. several test processes at once).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/start.lock"
  flock -w 300 9 || die "timed out waiting for another kafka-start.sh to finish"
fi

# --- already running? ---------------------------------------------------------
if [[ -f "$PID_FILE" ]]; then
  old_pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  old_port="$(cut -d' ' -f1 "$PORT_FILE" 2>/dev/null || true)"
  if is_broker_pid "$old_pid"; then
    if [[ -n "$PORT_REQUESTED" && -n "$old_port" && "$old_port" != "$PORT" ]]; then
      die "a broker started by this script already runs on port $old_port (pid $old_pid); stop it first with scripts/kafka-stop.sh or use KAFKA_PORT=$old_port"
    fi
    if [[ -n "$old_port" ]] && port_open "$old_port" && grep -qF "Kafka Server started" "$LOG_FILE" 2>/dev/null; then
      log "broker already running (pid $old_pid) on 127.0.0.1:$old_port"
      echo "KAFKA_BROKERS=127.0.0.1:$old_port"
      exit 0
    fi
    log "broker process $old_pid exists but does not answer; restarting it"
    "$ROOT/scripts/kafka-stop.sh" >&2
  else
    log "removing stale pid file (process ${old_pid:-?} is gone)"
    rm -f "$PID_FILE" "$PORT_FILE"
  fi
fi

# --- prerequisites ------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "'java' not found on PATH: install a JDK 17 (e.g. apt-get install openjdk-17-jre-headless)"
java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n1)"
if [[ -n "$java_major" && "$java_major" -lt 11 ]]; then
  die "Kafka $KAFKA_VERSION needs Java 11 or newer; found Java $java_major"
fi
[[ "$PORT" =~ ^[0-9]+$ && "$CPORT" =~ ^[0-9]+$ ]] || die "KAFKA_PORT/KAFKA_CONTROLLER_PORT must be numbers (got '$PORT'/'$CPORT')"
[[ "$PORT" != "$CPORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

# --- jars ---------------------------------------------------------------------
[[ -f "$POM" ]] || die "missing $POM"
pom_sum="$(cksum < "$POM")"
stamp="$LIBS/.fetched"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pom_sum" || ! -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
  command -v mvn >/dev/null 2>&1 || die "'mvn' not found on PATH: Maven is needed once to fetch the Kafka jars (e.g. apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars with Maven into ${LIBS#"$ROOT"/} (first run only)..."
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  t0=$SECONDS
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIBS" > "$CACHE/mvn.log" 2>&1; then
    tail -n 40 "$CACHE/mvn.log" >&2 || true
    rm -rf "$LIBS"
    die "Maven could not fetch the Kafka jars (full output in ${CACHE#"$ROOT"/}/mvn.log)"
  fi
  [[ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing from $LIBS"
  echo "$pom_sum" > "$stamp"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l | tr -d ' ') jars in $((SECONDS - t0)) s"
fi

# --- ports free? --------------------------------------------------------------
for p in "$PORT" "$CPORT"; do
  if port_open "$p"; then
    die "port $p on 127.0.0.1 is already in use by another process; free it or pick other ports with KAFKA_PORT (and KAFKA_CONTROLLER_PORT)"
  fi
done

# --- configuration ------------------------------------------------------------
mkdir -p "$CONFIG_DIR"
SERVER_PROPS="$CONFIG_DIR/server.properties"
LOG4J_PROPS="$CONFIG_DIR/log4j.properties"
LOG_DIRS="$DATA_DIR/kraft-logs"

cat > "$SERVER_PROPS" <<PROPS
# Generated by scripts/kafka-start.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$LOG_DIRS
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=3
num.io.threads=8
log.retention.hours=24
log.segment.bytes=104857600
PROPS

# Everything goes to stdout, which is redirected to server.log below.
cat > "$LOG4J_PROPS" <<'PROPS'
# Generated by scripts/kafka-start.sh; rewritten on every start.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.kafka.controller=INFO
PROPS

# --- storage ------------------------------------------------------------------
if [[ "${KAFKA_KEEP_DATA:-0}" == "1" && -f "$LOG_DIRS/meta.properties" ]]; then
  log "keeping existing data in ${DATA_DIR#"$ROOT"/}"
else
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  # A cluster id is 16 random bytes in URL-safe base64 without padding (22 chars).
  cluster_id=""
  while [[ -z "$cluster_id" || "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  log "formatting fresh storage (cluster id $cluster_id)"
  if ! java -cp "$LIBS/*" -Dlog4j.configuration="file:$LOG4J_PROPS" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" > "$CACHE/format.log" 2>&1; then
    cat "$CACHE/format.log" >&2
    die "formatting the storage directory failed"
  fi
fi

# --- start --------------------------------------------------------------------
log "starting broker on 127.0.0.1:$PORT (controller 127.0.0.1:$CPORT), log in ${LOG_FILE#"$ROOT"/}"
# shellcheck disable=SC2206 # word splitting of the heap options is intended
heap=($HEAP_OPTS)
launcher=(nohup)
if command -v setsid >/dev/null 2>&1; then
  launcher=(setsid nohup)   # detached: a Ctrl-C in the calling terminal does not reach it
fi
t0=$SECONDS
"${launcher[@]}" java "${heap[@]}" -server \
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
  -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$LOG4J_PROPS" \
  -Dkafka.logs.dir="$CACHE" \
  -cp "$LIBS/*" kafka.Kafka "$SERVER_PROPS" \
  > "$LOG_FILE" 2>&1 < /dev/null 9>&- &   # 9>&-: the broker must not inherit the start lock
pid=$!
echo "$pid" > "$PID_FILE"
echo "$PORT $CPORT" > "$PORT_FILE"

while :; do
  if grep -qF "Kafka Server started" "$LOG_FILE" 2>/dev/null && port_open "$PORT"; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    print_tail
    rm -f "$PID_FILE" "$PORT_FILE"
    die "the broker exited during startup (see $LOG_FILE)"
  fi
  if (( SECONDS - t0 >= START_TIMEOUT )); then
    print_tail
    "$ROOT/scripts/kafka-stop.sh" >&2 || true
    die "the broker did not report \"Kafka Server started\" within ${START_TIMEOUT}s (see $LOG_FILE)"
  fi
  sleep 0.5
done

log "broker started in $((SECONDS - t0)) s (pid $pid)"
echo "KAFKA_BROKERS=127.0.0.1:$PORT"
