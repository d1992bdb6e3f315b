#!/usr/bin/env bash
# Enumerates Win32_Service to the end with wsl (Debian's "Wsman Shell Command
# Line", a real curl-based WS-Man client) against `serve`, optimized and not:
# wsl pulls for as long as a response carries a non-empty EnumerationContext,
# so a server that keeps a context after EndOfSequence makes it pull a dead
# context and fail. Usage: interop_wsl.sh HOST:PORT USER PASS [MIN_ITEMS]
# Prints PASS/FAIL per run and "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
ENDPOINT=$1 USER=$2 PASS=$3 MIN=${4:-100}
URI=http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0
run() { # name, extra env...
  local name=$1; shift
  local out="$WORK/$name.out"
  ( cd "$WORK" && env "$@" WSENDPOINT="$ENDPOINT" WSUSER="$USER" WSPASS="$PASS" WSNOSSL=1 WSAUTOMATED=1 \
      timeout 120 wsl enum "$URI" >"$out" 2>&1 )
  local rc=$? items faults
  items=$(grep -c '<p:Name>' "$out" || true)
  faults=$(grep -c 'Fault>' "$out" || true)
  if [ "$rc" -eq 0 ] && [ "$faults" -eq 0 ] && [ "$items" -ge "$MIN" ]; then
    echo "PASS wsl.$name: $items services, no fault"; passed=$((passed + 1))
  else
    echo "FAIL wsl.$name: exit $rc, $items services, $faults fault elements"; tail -20 "$out"; failed=$((failed + 1))
  fi
}
run enumerate-pull WSENUMMAXELEM=20
run optimized-one-response WSENUMOPTIMIZE=1 WSENUMMAXELEM=500
run optimized-pull WSENUMOPTIMIZE=1 WSENUMMAXELEM=25
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
