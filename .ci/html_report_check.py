#!/usr/bin/env python3
"""The HTML report in a real browser: its filters, set from the URL fragment,
show exactly the cases report.json says they should.

Starts `serve --defect drop-relates-to` on a loopback port, runs `check`
against it into a report directory, then with headless Chromium:
  - takes a screenshot (report.png) and checks it is a non-trivial PNG;
  - opens report.html through html_check.py (no console error, no request
    leaving the file);
  - dumps the DOM for several fragments (#status=fail, #profile=core,
    #q=identify/basic, #assertion=addressing.relates-to, a combination, none)
    and checks the visible case rows and the #shown counter against the
    count computed from report.json.

Usage: html_report_check.py [--bin PATH] [--out DIR] [--chromium PATH]
Exit 0 clean, 1 a check failed, 2 setup error. Installs chromium with
apt-get when no browser is found.
"""

import argparse
import html.parser
import json
import re
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USER = "html:check-the-report"
RELATES_TO = "addressing.relates-to"


class Setup(Exception):
    """The check could not run (exit 2)."""


def find_chromium(explicit):
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("html_report_check: no Chromium found, installing the chromium package", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=False, env=env)
    path = shutil.which("chromium")
    if not path:
        raise Setup("chromium could not be installed")
    return path


class Serve:
    """`serve` as a child process; its URL from the readiness line."""

    def __init__(self, binary, args, timeout=60):
        self.proc = subprocess.Popen(
            [binary, "serve", "--http", "127.0.0.1:0", "--user", USER, "--allow-unencrypted"] + args,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = None
        deadline = time.monotonic() + timeout
        # Readiness lines come first; every loop is bounded (lines and time).
        for _ in range(50):
            if time.monotonic() > deadline:
                break
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on http://"):
                self.url = line.split("listening on ", 1)[1].strip()
                break
        if not self.url:
            self.stop()
            raise Setup("serve did not print its readiness line")
        # Nothing more is read from stdout: serve logs to stderr (discarded).

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def chromium_cmd(binary, profile):
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", f"--user-data-dir={profile}"]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


class Cases(html.parser.HTMLParser):
    """Case rows (`details.case`) of a dumped DOM: id -> visible, and #shown."""

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.shown = None
        self._in_shown = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details" and "case" in (a.get("class") or "").split():
            self.rows[a.get("data-id")] = "hidden" not in a
        if tag == "span" and a.get("id") == "shown":
            self._in_shown = True
            self.shown = ""

    def handle_data(self, data):
        if self._in_shown:
            self.shown += data

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_shown = False


def expected_cases(report, flt):
    """Case ids the filter `flt` should show, computed from report.json as the
    page defines it: status = the case's worst status, profile = its
    record's, assertion = a result of it that did not pass, q = a substring
    of the id (any case)."""
    rank = {"pass": 0, "skip": 1, "unimplemented": 2, "warn": 3, "fail": 4}
    ids = [c["id"] for c in report["cases"]]
    for r in report["results"]:
        if r["case"] not in ids:
            ids.append(r["case"])
    profile = {c["id"]: c["profile"] for c in report["cases"]}
    worst, not_passing = {}, {}
    for r in report["results"]:
        s = r["status"]
        if r["case"] not in worst or rank[s] > rank[worst[r["case"]]]:
            worst[r["case"]] = s
        if s != "pass":
            not_passing.setdefault(r["case"], set()).add(r["assertion"])
    out = set()
    for i in ids:
        if flt.get("status") and worst.get(i, "none") != flt["status"]:
            continue
        if flt.get("profile") and profile.get(i, i.split("/")[0]) != flt["profile"]:
            continue
        if flt.get("assertion") and flt["assertion"] not in not_passing.get(i, set()):
            continue
        if flt.get("q") and flt["q"].lower() not in i.lower():
            continue
        out.add(i)
    return out, len(ids)


def run(args):
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        raise Setup(f"no wsman-harness binary at {binary} (cargo build -p wsman-harness)")
    chromium = find_chromium(args.chromium)
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="html-report-check-"))
    os.makedirs(out, exist_ok=True)
    problems = []

    serve = Serve(binary, ["--defect", "drop-relates-to"])
    try:
        check = subprocess.run([binary, "check", "--endpoint", serve.url, "--user", USER, "--report-dir", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    finally:
        serve.stop()
    if check.returncode != 1:
        raise Setup(f"check of serve --defect drop-relates-to exited {check.returncode}, expected 1:\n"
                    f"{check.stdout[-2000:]}{check.stderr[-2000:]}")
    page = os.path.join(out, "report.html")
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    url = "file://" + urllib.parse.quote(page)

    with tempfile.TemporaryDirectory(prefix="html-report-profile-") as profile:
        shot = os.path.join(out, "report.png")
        if os.path.exists(shot):
            os.remove(shot)
        subprocess.run(chromium_cmd(chromium, profile) + [f"--screenshot={shot}", "--window-size=1280,1600", url],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        size = png_size(shot) if os.path.exists(shot) else None
        if size is None:
            problems.append(f"no PNG screenshot at {shot}")
        else:
            bytes_ = os.path.getsize(shot)
            # A blank 1280x1600 page compresses to a few KiB; text and tables do not.
            if size != (1280, 1600) or bytes_ < 20_000:
                problems.append(f"screenshot looks trivial: {size[0]}x{size[1]}, {bytes_} bytes")
            else:
                print(f"html_report_check: screenshot {shot} {size[0]}x{size[1]}, {bytes_} bytes")

        # The page in a browser: no console error, no request leaving the file.
        checker = os.path.join(ROOT, "harness", "report", "tests", "html_check.py")
        rc = subprocess.run([sys.executable, checker, page, "--chromium", chromium,
                             "--expect-text", RELATES_TO, "--expect-text", "Root causes"], timeout=180).returncode
        if rc != 0:
            problems.append(f"html_check.py exited {rc}")

        # The root cause a vendor reads first: one group for the missing RelatesTo,
        # at the top, counting every case that failed it.
        dom = subprocess.run(chromium_cmd(chromium, profile) + ["--dump-dom", url],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120, check=False).stdout
        groups = re.findall(r'<section class="group fail" data-assertion="([^"]+)">.*?<span class="count">(\d+) case', dom, re.S)
        failing = {r["case"] for r in report["results"] if r["assertion"] == RELATES_TO and r["status"] == "fail"}
        if not groups or groups[0][0] != RELATES_TO:
            problems.append(f"the first root-cause group is {groups[:1]}, expected {RELATES_TO}")
        elif [g for g in groups if g[0] == RELATES_TO] != [(RELATES_TO, str(len(failing)))]:
            problems.append(f"{RELATES_TO} groups {[g for g in groups if g[0] == RELATES_TO]}, expected one of {len(failing)} cases")
        else:
            print(f"html_report_check: one group at the top: {RELATES_TO}, {len(failing)} cases ({len(groups)} groups)")

        filters = [
            {},
            {"status": "fail"},
            {"status": "pass"},
            {"profile": "core"},
            {"q": "identify/basic"},
            {"assertion": RELATES_TO},
            {"status": "fail", "profile": "core", "assertion": RELATES_TO, "q": "identify"},
        ]
        narrowed = 0
        for flt in filters:
            fragment = urllib.parse.urlencode(flt, safe="/")
            dom = subprocess.run(chromium_cmd(chromium, profile) + ["--dump-dom", f"{url}#{fragment}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120, check=False).stdout
            cases = Cases()
            cases.feed(dom)
            want, total = expected_cases(report, flt)
            shown = {i for i, visible in cases.rows.items() if visible}
            label = "#" + fragment if fragment else "(no fragment)"
            if len(cases.rows) != total:
                problems.append(f"{label}: {len(cases.rows)} case rows in the page, report.json has {total} cases")
            if shown != want:
                extra, missing = sorted(shown - want)[:5], sorted(want - shown)[:5]
                problems.append(f"{label}: {len(shown)} rows visible, report.json says {len(want)} (extra {extra}, missing {missing})")
            if (cases.shown or "").strip() != str(len(want)):
                problems.append(f"{label}: #shown says {cases.shown!r}, expected {len(want)}")
            if flt and 0 < len(want) < total:
                narrowed += 1
            print(f"html_report_check: {label}: {len(shown)} of {len(cases.rows)} cases shown, report.json says {len(want)}")
        if narrowed < 4:
            problems.append(f"only {narrowed} filters narrowed the list to a non-empty part: the check proves little")
    return problems


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "wsman-harness"))
    p.add_argument("--out")
    p.add_argument("--chromium")
    args = p.parse_args(argv)
    try:
        problems = run(args)
    except (Setup, subprocess.TimeoutExpired, OSError) as e:
        print(f"html_report_check: {e}", file=sys.stderr)
        return 2
    for line in problems:
        print(f"html_report_check: {line}", file=sys.stderr)
    if problems:
        return 1
    print("html_report_check: the filters show what report.json says")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
