#!/usr/bin/env python3
"""Open a wsman-harness HTML report in headless Chromium and fail on any
console error, uncaught exception, failed load or request to anything but the
file itself; save a full-page screenshot.

Usage:
    html_check.py REPORT.html [--screenshot OUT.png] [--expect-text TEXT]...
                  [--chromium PATH] [--timeout SECONDS]

Talks the DevTools protocol over --remote-debugging-pipe (file descriptors 3
and 4, messages separated by NUL), so it opens no port and needs nothing
beyond the Python standard library and a Chromium binary
(apt-get install -y chromium). Exit 0 when clean, 1 on a problem found,
2 on a setup error (no browser, no file, timeout).
"""

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Setup(Exception):
    """The check could not run (exit 2)."""


class Browser:
    def __init__(self, binary, profile_dir, deadline):
        # fds the child sees as 3 (commands in) and 4 (replies out).
        cmd_r, self.cmd_w = os.pipe()
        self.out_r, out_w = os.pipe()
        self.deadline = deadline
        self.next_id = 0
        self.buffer = b""
        self.events = []

        def wire_fds():
            os.dup2(cmd_r, 3)
            os.dup2(out_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--remote-debugging-pipe",
             f"--user-data-dir={profile_dir}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=wire_fds,
            # Closing of unlisted fds happens after preexec_fn: keep 3 and 4,
            # which wire_fds has just pointed at the pipe ends.
            pass_fds=(3, 4),
        )
        os.close(cmd_r)
        os.close(out_w)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read_message(self):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Setup("timed out waiting for the browser")
            ready, _, _ = select.select([self.out_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.out_r, 1 << 20)
            if not chunk:
                raise Setup("the browser closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        while True:  # bounded by the deadline in _read_message
            msg = self._read_message()
            if msg.get("id") == want:
                if "error" in msg:
                    raise Setup(f"{method} failed: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method):
        for i, ev in enumerate(self.events):
            if ev["method"] == method:
                return self.events.pop(i)
        while True:  # bounded by the deadline in _read_message
            msg = self._read_message()
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def drain(self, seconds):
        """Collect events for a short while after load (late console errors)."""
        end = min(self.deadline, time.monotonic() + seconds)
        while time.monotonic() < end:
            ready, _, _ = select.select([self.out_r], [], [], end - time.monotonic())
            if not ready:
                break
            chunk = os.read(self.out_r, 1 << 20)
            if not chunk:
                break
            self.buffer += chunk
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                msg = json.loads(raw)
                if "method" in msg:
                    self.events.append(msg)

    def close(self):
        try:
            self.send("Browser.close")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.cmd_w)
        os.close(self.out_r)


def problems_in(events, page_url):
    out = []
    for ev in events:
        m, p = ev["method"], ev.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append(f"uncaught exception: {d.get('text')} {d.get('exception', {}).get('description', '')}")
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            out.append(f"console.{p.get('type')}: {args}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            e = p["entry"]
            out.append(f"log {e.get('level')} ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if url != page_url and not url.startswith("data:"):
                out.append(f"external request (the report must be self-contained): {url}")
        elif m == "Network.loadingFailed":
            out.append(f"load failed: {p.get('errorText')}")
    return out


def run(args):
    path = os.path.abspath(args.html)
    if not os.path.isfile(path):
        raise Setup(f"no such file: {path}")
    binary = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    if not binary:
        raise Setup("no Chromium found (apt-get install -y chromium)")
    url = "file://" + path
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="html-check-") as profile:
        b = Browser(binary, profile, deadline)
        try:
            target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                b.call(f"{domain}.enable", session=session)
            b.call("Emulation.setDeviceMetricsOverride",
                   {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                   session=session)
            nav = b.call("Page.navigate", {"url": url}, session=session)
            if nav.get("errorText"):
                raise Setup(f"navigation failed: {nav['errorText']}")
            b.wait_event("Page.loadEventFired")
            b.drain(0.5)
            found = problems_in(b.events, url)

            body = b.call("Runtime.evaluate",
                          {"expression": "document.body ? document.body.innerText : ''",
                           "returnByValue": True}, session=session)
            text = body.get("result", {}).get("value", "")
            if not text.strip():
                found.append("the page rendered no text")
            for want in args.expect_text:
                if want not in text:
                    found.append(f"rendered text lacks {want!r}")

            if args.screenshot:
                metrics = b.call("Page.getLayoutMetrics", session=session)
                size = metrics.get("cssContentSize") or metrics.get("contentSize")
                clip = {"x": 0, "y": 0, "width": size["width"],
                        "height": min(size["height"], 16000), "scale": 1}
                shot = b.call("Page.captureScreenshot",
                              {"format": "png", "captureBeyondViewport": True, "clip": clip},
                              session=session)
                with open(args.screenshot, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
        finally:
            b.close()
    return found


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("html")
    p.add_argument("--screenshot")
    p.add_argument("--expect-text", action="append", default=[])
    p.add_argument("--chromium")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args(argv)
    try:
        found = run(args)
    except Setup as e:
        print(f"html_check: {e}", file=sys.stderr)
        return 2
    for line in found:
        print(f"html_check: {line}", file=sys.stderr)
    if found:
        return 1
    shot = f", screenshot {args.screenshot}" if args.screenshot else ""
    print(f"html_check: {args.html}: no console errors{shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
