#!/bin/bash
# Wall time of `ipmitool -I lanplus -C 3 sdr list` against this simulator and
# against OpenIPMI's ipmi_sim, same machine, four threshold sensors each.
#   harness/ipmi-sim/bench/sdr_list.sh [RUNS]
# Needs: ipmitool, openipmi (ipmi_sim), hyperfine, python3. Loopback only.
set -eu
RUNS=${1:-20}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
PEERS=${PEERS:-/work/shared/peers}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --release -q -p ipmi-sim --example bmc
BIN=$CARGO_TARGET_DIR/release/examples/bmc
D=$(mktemp -d); trap 'kill $SIM_PID $OURS_PID 2>/dev/null; rm -rf "$D"' EXIT

# this simulator: wait for its readiness line
"$BIN" --addr 127.0.0.1:0 --user admin:password --scenario "$ROOT/corpus/bmc/bench4.toml" > "$D/ours.out" &
OURS_PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$D/ours.out" && break; sleep 0.05; done
OURS_PORT=$(sed -n 's/.*udp:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$D/ours.out")

# ipmi_sim on a free port; it is ready when it answers mc info
SIM_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SIM_PID=$("$PEERS/ipmi/run_ipmi_sim.sh" "$SIM_PORT" "$D/sim")
for _ in $(seq 1 50); do ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$SIM_PORT" -U admin -P password -R 1 -N 1 mc info >/dev/null 2>&1 && break; done

echo "sensors: ours $(ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$OURS_PORT" -U admin -P password sdr list | wc -l), ipmi_sim $(ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$SIM_PORT" -U admin -P password sdr list | wc -l)"
hyperfine -N -w 3 -r "$RUNS" --export-markdown "$D/result.md" \
  -n ipmi-sim "ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $OURS_PORT -U admin -P password sdr list" \
  -n openipmi-ipmi_sim "ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $SIM_PORT -U admin -P password sdr list"
cat "$D/result.md"
