#!/usr/bin/env bash
# Validation throughput of schema-check next to `xmllint --noout --schema` on the same
# files, in the same run. Prints envelopes/s for each and the ratios.
#
#   harness/schema-check/benches/compare-xmllint.sh [COPIES] [DIR]
#
# Needs xmllint and bc (apt-get install -y libxml2-utils bc). COPIES (default 2000) copies
# of the envelopes are written to a temporary folder: the crate's valid test envelopes,
# or the *.xml files of DIR (for example envelopes captured from a real endpoint).
# xmllint validates them in one process (schemas compiled once); schema-check validates
# the same files, loaded in memory first, on 1 thread and on a 2-thread rayon pool.
# Only files both accept are kept, so both do the same work.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
copies=${1:-2000}
src_dir=${2:-}
command -v xmllint >/dev/null || { echo "xmllint not found: apt-get install -y libxml2-utils" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$src_dir" ]; then
  sources=("$src_dir"/*.xml)
else
  data="$root/harness/schema-check/tests/data"
  sources=("$data/shell-create-request.xml" "$data/fault-response.xml" "$data/receive-response.xml")
fi
# Keep the sources xmllint accepts (it cannot resolve payload xsi:type, which schema-check
# ignores on payload elements: see schemas/README.md).
accepted=()
for f in "${sources[@]}"; do
  if xmllint --noout --schema "$root/schemas/wsman-all.xsd" "$f" 2>/dev/null; then accepted+=("$f"); fi
done
[ "${#accepted[@]}" -gt 0 ] || { echo "no envelope accepted by xmllint" >&2; exit 1; }
i=0
while [ "$i" -lt "$copies" ]; do
  f=${accepted[$((i % ${#accepted[@]}))]}
  cp "$f" "$work/$i.xml"
  i=$((i + 1))
done
n=$copies

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
