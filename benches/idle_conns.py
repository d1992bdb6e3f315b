#!/usr/bin/env python3
"""Opens N keep-alive connections to a WS-Man listener, sends one request on
each, reads its answer, keeps them all open, then closes them; samples the
server's resident memory (VmRSS of --pid) before, with all open, and after.

usage: idle_conns.py --pid PID --port PORT --body FILE [--user U:P] [--count N]

Prints one JSON line: {"count":N,"opened":N,"answered":N,"rss_idle_kb":..,
"rss_open_kb":..,"rss_closed_kb":..,"closed_after_s":..}. Every loop is bounded:
N connections, a 5 s timeout per socket operation, at most --settle seconds of
sampling after the close. Loopback only.
"""

import argparse
import base64
import json
import socket
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def read_response(sock):
    """Reads one HTTP/1.1 response with a Content-Length; returns its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("headers too long")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        rest += chunk
    return status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--user", default="bench:bench")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--settle", type=float, default=10.0, help="longest wait for the RSS to settle after the close")
    a = ap.parse_args()

    body = open(a.body, "rb").read()
    auth = base64.b64encode(a.user.encode()).decode()
    request = (
        f"POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\n"
        f"Content-Type: application/soap+xml;charset=UTF-8\r\nAuthorization: Basic {auth}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    idle = rss_kb(a.pid)
    socks = []
    answered = 0
    for _ in range(a.count):
        try:
            s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
            socks.append(s)
            s.sendall(request)
            if read_response(s) == 200:
                answered += 1
        except (OSError, ValueError) as e:
            print(f"idle_conns: stopped after {len(socks)} connections: {e}", file=sys.stderr)
            break
    time.sleep(0.5)  # let the server's tasks park after their last write
    held = rss_kb(a.pid)
    for s in socks:
        s.close()
    # Sample until two readings 0.5 s apart agree within 1 %, or --settle passes.
    started = time.monotonic()
    prev = rss_kb(a.pid)
    while time.monotonic() - started < a.settle:
        time.sleep(0.5)
        now = rss_kb(a.pid)
        if abs(now - prev) <= max(prev // 100, 64):
            prev = now
            break
        prev = now
    print(json.dumps({
        "count": a.count,
        "opened": len(socks),
        "answered": answered,
        "rss_idle_kb": idle,
        "rss_open_kb": held,
        "rss_closed_kb": prev,
        "closed_after_s": round(time.monotonic() - started, 2),
    }))


if __name__ == "__main__":
    main()
