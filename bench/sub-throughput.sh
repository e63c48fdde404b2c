#!/usr/bin/env bash
# tssub against mosquitto_sub, in the same run, on a private mosquitto broker:
#   live    both subscribe, then `mosquitto_pub -l` sends N messages; each subscriber is
#           timed from the first line sent until it exits with -C N;
#   queued  N messages wait in a persistent session for each subscriber, which is then
#           timed alone from start to exit with -C N (its receiving speed, nothing else).
# Prints the median times, throughputs and the ratio tssub/mosquitto_sub (throughput; > 1
# means tssub is faster).
# Usage: bench/sub-throughput.sh [--runs N] [--lines N] [--qos 0|1] [--mode live|queued]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3 LINES=200000 QOS="0 1" MODES="live queued"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --qos) QOS=$2; shift 2 ;;
    --mode) MODES=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--lines N] [--qos 0|1] [--mode live|queued]" >&2; exit 2 ;;
  esac
done
for c in mosquitto mosquitto_pub mosquitto_sub node; do
  command -v $c >/dev/null || { echo "bench: $c is not installed (apt-get install -y mosquitto mosquitto-clients)" >&2; exit 2; }
done
[ -f "$ROOT/dist/tssub.cjs" ] || node "$ROOT/scripts/build.mjs"
TSSUB="$ROOT/bin/tssub"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tssub-bench.XXXXXX")
BROKER=
cleanup() { [ -n "$BROKER" ] && kill "$BROKER" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
{
  echo "listener $PORT 127.0.0.1"
  echo "allow_anonymous true"
  echo "max_queued_messages 0"
  echo "queue_qos0_messages true"
  echo "persistence false"
  echo "log_dest file $DIR/broker.log"
  echo "log_type subscribe"
  [ "$(id -u)" = 0 ] && echo "user root"
} > "$DIR/mosquitto.conf"
mosquitto -c "$DIR/mosquitto.conf" 2>/dev/null &
BROKER=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done

node -e "let s='';for(let i=1;i<=$LINES;i++)s+=i+' 0123456789abcdef0123456789abcdef\n';require('fs').writeFileSync('$DIR/lines',s)"
C=(-h 127.0.0.1 -p "$PORT")
now() { date +%s%N; }

# Waits until the broker has logged $2 subscriptions more than $1 lines into its log.
wait_subscribed() {
  for _ in $(seq 400); do
    [ $(( $(wc -l < "$DIR/broker.log") - $1 )) -ge "$2" ] && return 0
    sleep 0.025
  done
  echo "bench: subscribers did not subscribe" >&2; exit 1
}

# Sends the lines with mosquitto_pub -l, holding its input open until the file $2 exists:
# mosquitto_pub 2.0.11 drops QoS 1 messages still queued when its input ends.
send() {
  { cat "$DIR/lines"; for _ in $(seq 2400); do [ -e "$2" ] && break; sleep 0.05; done; } |
    mosquitto_pub "${C[@]}" -t bench/t -q "$1" -l
}

# live QOS RUN -> "ms_mosquitto_sub ms_tssub"
live() {
  local q=$1 r=$2 before
  rm -f "$DIR"/end.*
  before=$(wc -l < "$DIR/broker.log")
  ( mosquitto_sub "${C[@]}" -t bench/t -q "$q" -C "$LINES" > /dev/null; now > "$DIR/end.mq" ) &
  ( "$TSSUB" "${C[@]}" -t bench/t -q "$q" -C "$LINES" > /dev/null; now > "$DIR/end.ts" ) &
  wait_subscribed "$before" 2
  local t0; t0=$(now)
  ( while [ ! -e "$DIR/end.mq" ] || [ ! -e "$DIR/end.ts" ]; do sleep 0.05; done; touch "$DIR/both" ) &
  rm -f "$DIR/both"
  send "$q" "$DIR/both"
  wait
  echo $(( ($(cat "$DIR/end.mq") - t0) / 1000000 )) $(( ($(cat "$DIR/end.ts") - t0) / 1000000 ))
}

# ms from start to exit of: tool args...
took() {
  local t0; t0=$(now)
  "$@" > /dev/null
  echo $(( ($(now) - t0) / 1000000 ))
}

# queued QOS RUN -> "ms_mosquitto_sub ms_tssub ms_mosquitto_sub_idle ms_tssub_idle"
# (idle: the same tool connecting, subscribing and leaving with -E: start-up and set-up)
queued() {
  local q=$1 r=$2 before mq=qm$1_$2 ts=qt$1_$2
  mosquitto_sub "${C[@]}" -c -i $mq -t bench/t -q "$q" -E > /dev/null
  "$TSSUB" "${C[@]}" -c -i $ts -t bench/t -q "$q" -E > /dev/null
  # A live watcher tells when the broker has every message.
  before=$(wc -l < "$DIR/broker.log")
  rm -f "$DIR/watched"
  ( mosquitto_sub "${C[@]}" -t bench/t -q "$q" -C "$LINES" > /dev/null; touch "$DIR/watched" ) &
  wait_subscribed "$before" 1
  send "$q" "$DIR/watched"
  wait
  local ms_mq ms_ts
  # Alternate who goes first.
  for who in $([ $((r % 2)) = 0 ] && echo "mq ts" || echo "ts mq"); do
    if [ "$who" = mq ]; then ms_mq=$(took mosquitto_sub "${C[@]}" -c -i $mq -t bench/t -q "$q" -C "$LINES")
    else ms_ts=$(took "$TSSUB" "${C[@]}" -c -i $ts -t bench/t -q "$q" -C "$LINES")
    fi
  done
  # End both sessions (a clean connection with the same id), then time an idle run of each.
  mosquitto_sub "${C[@]}" -i $mq -t bench/none -E > /dev/null
  mosquitto_sub "${C[@]}" -i $ts -t bench/none -E > /dev/null
  echo "$ms_mq $ms_ts $(took mosquitto_sub "${C[@]}" -t bench/none -E) $(took "$TSSUB" "${C[@]}" -t bench/none -E)"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
rate() { awk -v n="$LINES" -v ms="$1" 'BEGIN {printf "%.1fk msg/s", n / ms}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "tssub vs mosquitto_sub: $LINES messages, median of $RUNS runs ($(nproc) CPUs, $(node --version))"
for mode in $MODES; do
  for q in $QOS; do
    : > "$DIR/mq.ms"; : > "$DIR/ts.ms"; : > "$DIR/mq.idle"; : > "$DIR/ts.idle"
    for r in $(seq "$RUNS"); do
      read -r a b c d < <($mode "$q" "$r")
      echo "$a" >> "$DIR/mq.ms"; echo "$b" >> "$DIR/ts.ms"
      [ -n "$c" ] && { echo "$c" >> "$DIR/mq.idle"; echo "$d" >> "$DIR/ts.idle"; }
    done
    mq=$(median < "$DIR/mq.ms"); ts=$(median < "$DIR/ts.ms")
    printf '  %-6s QoS %s  mosquitto_sub %6d ms (%s)  tssub %6d ms (%s)  ratio tssub/mosquitto_sub %s\n' \
      "$mode" "$q" "$mq" "$(rate "$mq")" "$ts" "$(rate "$ts")" "$(ratio "$mq" "$ts")"
    if [ -s "$DIR/mq.idle" ]; then
      mi=$(median < "$DIR/mq.idle"); ti=$(median < "$DIR/ts.idle")
      printf '         less start-up (an -E run: mosquitto_sub %d ms, tssub %d ms):  %6d ms (%s)  %6d ms (%s)  ratio %s\n' \
        "$mi" "$ti" $((mq - mi)) "$(rate $((mq - mi)))" $((ts - ti)) "$(rate $((ts - ti)))" "$(ratio $((mq - mi)) $((ts - ti)))"
    fi
  done
done
