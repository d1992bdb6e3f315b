#!/usr/bin/env bash
# The reference server against nginx serving the same response bytes, on loopback,
# measured with wrk in the same run; then the resident memory of the server holding
# 10k idle keep-alive connections. Writes reports/bench/compare-LABEL.json and
# rebuilds reports/bench/compare.md from every compare-*.json there.
#
# usage: benches/compare.sh [LABEL]        (LABEL defaults to "after"; "before" is the
#                                           figure taken on the commit the work started from)
# env:   DURATION=5 (s per wrk run)  CONNS=64  THREADS=1  REPEAT=3 (alternating rounds)
#        IDLE=10000 (idle connections)  BIN=target/release/wsman-harness (else built)
#        OUT=reports/bench  COMMIT=(what the binary was built from; default HEAD, +dirty)
# needs: wrk, nginx (apt), python3, curl; oha is used too when it is on PATH.
#
# Fairness: both servers log one access line per request (serve's default `info`
# lines on stderr to a file, nginx's access_log to a file); nginx runs with
# Debian's defaults that matter here (worker_processes auto, sendfile on,
# tcp_nopush on) and keepalive_requests raised so neither side closes
# connections under wrk. Each round runs nginx then serve for every scenario,
# with a 1 s unmeasured warm-up before each; the ratios reported are medians
# over the rounds of the same-round ratios.
set -euo pipefail

LABEL=${1:-after}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benches
OUT=${OUT:-$ROOT/reports/bench}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
REPEAT=${REPEAT:-3}
IDLE=${IDLE:-10000}
BIN=${BIN:-}
USER_PASS=bench:bench
BASIC=$(printf '%s' "$USER_PASS" | base64 -w0)

for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed (apt-get install wrk nginx curl)" >&2; exit 2; }
done
if [[ -z $BIN ]]; then
  (cd "$ROOT" && cargo build --release -q -p wsman-harness)
  BIN=$ROOT/target/release/wsman-harness
fi

TMP=$(mktemp -d /tmp/wsman-bench.XXXXXX)
chmod 755 "$TMP"  # nginx workers (user nobody when started as root) read www/
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# Waits (at most 10 s) for `serve`'s readiness line in FILE; prints the port.
wait_port() {
  local file=$1 line=""
  for _ in $(seq 200); do
    line=$(grep -m1 -o 'listening on http://127.0.0.1:[0-9]*' "$file" 2>/dev/null || true)
    [[ -n $line ]] && { echo "${line##*:}"; return 0; }
    sleep 0.05
  done
  echo "compare.sh: serve did not print its readiness line" >&2
  return 1
}

start_serve() {
  local log=$1
  ulimit -n 20000 2>/dev/null || true
  "$BIN" serve --http 127.0.0.1:0 --user "$USER_PASS" --allow-unencrypted >"$log.out" 2>"$log.err" &
  PIDS+=($!)
  SERVE_PID=$!
  SERVE_PORT=$(wait_port "$log.out")
}

stop_serve() {
  kill "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
}

# 1. The server, and the exact bytes it answers to each request.
start_serve "$TMP/serve"
URL=http://127.0.0.1:$SERVE_PORT/wsman
mkdir -p "$TMP/www"
SCENARIOS=(identify get enumerate)
for s in "${SCENARIOS[@]}"; do
  code=$(curl -s -o "$TMP/www/$s" -w '%{http_code}' -u "$USER_PASS" -H 'Content-Type: application/soap+xml;charset=UTF-8' \
    --data-binary @"$HERE/requests/$s.xml" "$URL")
  [[ $code == 200 ]] || { echo "compare.sh: $s answered HTTP $code" >&2; cat "$TMP/www/$s" >&2; exit 1; }
done

# 2. nginx serving those bytes as static files (POST to a static file is a 405,
#    turned into a 200 with the file by error_page).
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/nginx.conf" <<EOF
worker_processes auto;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 20000; }
http {
  access_log $TMP/nginx-access.log;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  types {}
  default_type "application/soap+xml;charset=UTF-8";
  client_body_temp_path $TMP/body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/www;
    location / { error_page 405 =200 \$uri; }
  }
}
EOF
nginx -p "$TMP" -c "$TMP/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 200); do
  curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/identify" && break
  sleep 0.05
done
for s in "${SCENARIOS[@]}"; do
  curl -s -o "$TMP/nginx-$s" -X POST --data-binary @"$HERE/requests/$s.xml" "http://127.0.0.1:$NGINX_PORT/$s"
  cmp -s "$TMP/nginx-$s" "$TMP/www/$s" || { echo "compare.sh: nginx does not answer $s with the captured bytes" >&2; exit 1; }
done

# One wrk run; prints its JSON line.
run_wrk() {
  local url=$1 body=$2 secs=$3
  WSMAN_BODY=$body WSMAN_BASIC=$BASIC wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" -s "$HERE/post.lua" "$url" | sed -n 's/^JSON //p'
}

echo "[" >"$TMP/runs.json"
first=1
for round in $(seq "$REPEAT"); do
  for s in "${SCENARIOS[@]}"; do
    for target in nginx serve; do
      if [[ $target == nginx ]]; then u="http://127.0.0.1:$NGINX_PORT/$s"; else u=$URL; fi
      run_wrk "$u" "$HERE/requests/$s.xml" 1 >/dev/null
      r=$(run_wrk "$u" "$HERE/requests/$s.xml" "$DURATION")
      echo "round $round $s $target $r" >&2
      [[ $first == 1 ]] || echo "," >>"$TMP/runs.json"
      first=0
      printf '{"round":%d,"scenario":"%s","target":"%s","tool":"wrk","result":%s}\n' "$round" "$s" "$target" "$r" >>"$TMP/runs.json"
      if command -v oha >/dev/null; then
        o=$(oha -z "${DURATION}s" -c "$CONNS" --no-tui -m POST -T 'application/soap+xml;charset=UTF-8' -a "$USER_PASS" \
          -D "$HERE/requests/$s.xml" --output-format json "$u" | python3 -c '
import json,sys; d=json.load(sys.stdin); print(json.dumps({"rps": d["summary"]["requestsPerSec"]}))')
        printf ',{"round":%d,"scenario":"%s","target":"%s","tool":"oha","result":%s}\n' "$round" "$s" "$target" "$o" >>"$TMP/runs.json"
      fi
    done
  done
done
echo "]" >>"$TMP/runs.json"

# 2b. Generator cost: requests per CPU-second of the generator process itself
# (user + system time, from /usr/bin/time), wrk against wsman-harness load, for
# Identify with the same connections, against both servers, in alternating rounds.
echo "[" >"$TMP/gen.json"
first=1
for round in $(seq "$REPEAT"); do
  for target in nginx serve; do
    if [[ $target == nginx ]]; then u="http://127.0.0.1:$NGINX_PORT/identify"; else u=$URL; fi
    /usr/bin/time -f "%U %S" -o "$TMP/wrk.time" env WSMAN_BODY="$HERE/requests/identify.xml" WSMAN_BASIC="$BASIC" \
      wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -s "$HERE/post.lua" "$u" | sed -n 's/^JSON //p' >"$TMP/wrk.json"
    wrk_requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$TMP/wrk.json")
    /usr/bin/time -f "%U %S" -o "$TMP/load.time" "$BIN" load --endpoint "$u" --user "$USER_PASS" --connections "$CONNS" --threads "$THREADS" \
      --duration "${DURATION}s" --report-dir "$TMP/load-$round-$target" --format json >/dev/null
    load_requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["requests"])' "$TMP/load-$round-$target/load.json")
    for g in wrk load; do
      if [[ $g == wrk ]]; then n=$wrk_requests; t=$TMP/wrk.time; else n=$load_requests; t=$TMP/load.time; fi
      cpu=$(awk '{print $1 + $2}' "$t")
      echo "generator round $round $target $g: $n requests, $cpu CPU-s" >&2
      [[ $first == 1 ]] || echo "," >>"$TMP/gen.json"
      first=0
      printf '{"round":%d,"target":"%s","generator":"%s","requests":%d,"cpu_s":%s}\n' "$round" "$target" "$g" "$n" "$cpu" >>"$TMP/gen.json"
    done
  done
done
echo "]" >>"$TMP/gen.json"
stop_serve

# 3. Idle connections, on a fresh server.
start_serve "$TMP/serve-idle"
python3 "$HERE/idle_conns.py" --pid "$SERVE_PID" --port "$SERVE_PORT" --body "$HERE/requests/identify.xml" \
  --user "$USER_PASS" --count "$IDLE" >"$TMP/idle.json"
stop_serve

mkdir -p "$OUT"
python3 "$HERE/compare_report.py" --label "$LABEL" --runs "$TMP/runs.json" --idle "$TMP/idle.json" --generators "$TMP/gen.json" \
  --sizes "$TMP/www" --commit "${COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- harness || echo '+dirty')}" \
  --duration "$DURATION" --conns "$CONNS" --threads "$THREADS" --out "$OUT"
echo "wrote $OUT/compare-$LABEL.json and $OUT/compare.md" >&2
