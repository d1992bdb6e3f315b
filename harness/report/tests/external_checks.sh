#!/usr/bin/env bash
# Writes the sample report (cargo example `sample`) and checks it with real
# consumers: junitparser for the JUnit file, headless Chromium for the HTML.
#
# Needs: pip install junitparser; apt-get install -y chromium.
# Usage: harness/report/tests/external_checks.sh [OUT_DIR]
# Exit status: 0 clean, 1 a check failed, 2 setup error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
cargo run -q -p report --example sample -- "$out" >/dev/null
python3 "$here/junit_check.py" "$out/report.junit.xml"
python3 "$here/html_check.py" "$out/report.html" --screenshot "$out/report.png" \
    --expect-text "<s:Envelope><s:Header>" --expect-text "fault.subcode"
