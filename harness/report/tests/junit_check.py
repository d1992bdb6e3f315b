#!/usr/bin/env python3
"""Read a wsman-harness JUnit report with junitparser (a real JUnit consumer)
and assert its counts.

Usage:
    junit_check.py REPORT.junit.xml [--json REPORT.json]
                   [--tests N] [--failures N] [--skipped N]

Without explicit counts, the expected ones come from the JSON report (by
default report.json beside the JUnit file): tests = every result,
failures = failed, skipped = skipped + unimplemented, errors = 0. Exit 0 when
everything matches, 1 with a message per mismatch otherwise, 2 on usage error.

Requires: pip install junitparser
"""

import argparse
import json
import os
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def expected_from_json(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    s = report["summary"]
    return {
        "tests": len(report["results"]),
        "failures": s["failed"],
        "skipped": s["skipped"] + s["unimplemented"],
        "errors": 0,
    }


def actual_from_junit(path):
    xml = JUnitXml.fromfile(path)
    counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    suites = 0
    for suite in xml:
        suites += 1
        for case in suite:
            counts["tests"] += 1
            for r in case.result:
                if isinstance(r, Failure):
                    counts["failures"] += 1
                elif isinstance(r, Skipped):
                    counts["skipped"] += 1
                elif isinstance(r, Error):
                    counts["errors"] += 1
    # The suite totals junitparser recomputes must agree with the cases.
    xml.update_statistics()
    totals = {"tests": xml.tests, "failures": xml.failures,
              "skipped": xml.skipped, "errors": xml.errors}
    return counts, totals, suites


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("junit")
    p.add_argument("--json", help="report.json to take expected counts from")
    p.add_argument("--tests", type=int)
    p.add_argument("--failures", type=int)
    p.add_argument("--skipped", type=int)
    args = p.parse_args(argv)

    expected = {}
    json_path = args.json or os.path.join(os.path.dirname(args.junit) or ".", "report.json")
    if args.json or os.path.exists(json_path):
        expected = expected_from_json(json_path)
    for key in ("tests", "failures", "skipped"):
        value = getattr(args, key)
        if value is not None:
            expected[key] = value
    if not expected:
        print("no expected counts: give --json or --tests/--failures/--skipped", file=sys.stderr)
        return 2

    counts, totals, suites = actual_from_junit(args.junit)
    problems = []
    for key, want in sorted(expected.items()):
        if counts[key] != want:
            problems.append(f"{key}: expected {want}, testcases say {counts[key]}")
        if totals[key] != want:
            problems.append(f"{key}: expected {want}, suite totals say {totals[key]}")
    for line in problems:
        print(f"junit_check: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"junit_check: {args.junit}: {suites} suites, "
          + ", ".join(f"{k} {counts[k]}" for k in ("tests", "failures", "skipped", "errors")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
