#!/usr/bin/env bash
# Validation throughput of schema-check next to `xmllint --noout --schema` on the same
# files, in the same run. Prints envelopes/s for each and the ratios.
#
#   harness/schema-check/benches/compare-xmllint.sh [COPIES]
#
# Needs xmllint (apt-get install -y libxml2-utils). COPIES (default 2000) copies of the
# crate's test envelopes are written to a temporary folder; xmllint validates them in one
# process (schemas compiled once), schema-check reads and validates them with
# validate_files-like work on 1 thread and on a 2-thread pool.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
copies=${1:-2000}
command -v xmllint >/dev/null || { echo "xmllint not found: apt-get install -y libxml2-utils" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data="$root/harness/schema-check/tests/data"
i=0
while [ "$i" -lt "$copies" ]; do
  for f in shell-create-request enumerate-response fault-response receive-response; do
    cp "$data/$f.xml" "$work/$f-$i.xml"
  done
  i=$((i + 4))
done
# xmllint cannot resolve the payload's xsi:type (schema-check ignores it on payload
# elements, see schemas/README.md); compare on the envelopes both accept.
rm -f "$work"/enumerate-response-*.xml
n=$(ls "$work" | wc -l)

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release -q -p schema-check --example validate_throughput)
bin="$CARGO_TARGET_DIR/release/examples/validate_throughput"

start=$(date +%s.%N)
xmllint --noout --schema "$root/schemas/wsman-all.xsd" "$work"/*.xml 2>/dev/null || true
end=$(date +%s.%N)
xmllint_rate=$(echo "$n / ($end - $start)" | bc -l)

out=$("$bin" --threads 2 --rounds 5 "$work"/*.xml)
one=$(echo "$out" | sed -n 's/^one_thread_per_s=//p')
two=$(echo "$out" | sed -n 's/.*pool_per_s=\([0-9]*\).*/\1/p')
printf 'envelopes: %d (%s bytes on average)\n' "$n" "$(( $(cat "$work"/*.xml | wc -c) / n ))"
printf 'xmllint --schema (1 process):   %8.0f envelopes/s\n' "$xmllint_rate"
printf 'schema-check, 1 thread:         %8.0f envelopes/s  (%.2fx xmllint)\n' "$one" "$(echo "$one / $xmllint_rate" | bc -l)"
printf 'schema-check, 2 threads:        %8.0f envelopes/s  (%.2fx 1 thread)\n' "$two" "$(echo "$two / $one" | bc -l)"
