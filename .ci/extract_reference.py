#!/usr/bin/env python3
"""Extract the real traffic of ../shared/reference for `wsman-harness validate`.

Usage: extract_reference.py SHARED_REFERENCE_DIR OUT_DIR

Writes
  OUT_DIR/requests/   every request a real client sent (or would send) to Windows
  OUT_DIR/responses/  every response a real Windows host sent
  OUT_DIR/pywinrm/    the requests of pywinrm-style clients (unqualified
                      mustUnderstand): a subset of requests/, for `validate --strict`
and prints one count line per set, then one line per kind of file left out.

What counts as real (see PROVENANCE.md of the reference folder):
  pypsrp/**/*.yml          recordings against real Windows hosts: request = pypsrp,
                           response = Windows.
  winrm4j/.../recordings   recordings against Windows 7 and 2012: request = winrm4j
                           (Apache CXF), response = Windows; the ${messageId} and
                           ${serviceUrl} placeholders are filled in.
  masterzen-winrm/.../sample_requests.txt
                           requests of the Go WinRM client, which sends mustUnderstand
                           unqualified like pywinrm and the Ruby gem (pywinrm/ set).
  WinRM-ruby stubs *_v1, *_v2, wmi_error_v2
                           responses of Windows (WinRM 1.1 and 2.0) kept as test stubs.
  openwsman/bindings/ruby/tests/EnumKey.xml
                           a Windows StdRegProv EnumKey response kept as a test stub.
Left out, with the reason printed:
  ms-wsmv-spec, ms-wsman-spec  specification examples, written by hand, not traffic
                           (the *.notwellformed.xml ones contain elisions);
  WinRM-ruby *_omi         responses of OMI (Linux), not Windows;
  openwsman tests/**       openwsman's own test inputs (hand-written requests for its
                           server, several deliberately invalid, EPRs, filter fragments,
                           openwsman server output);
  other files              WSDL, XSD, CLIXML data, notes.
"""

import os
import re
import sys
from collections import Counter

try:
    import yaml
except ImportError:  # pragma: no cover - CI installs pyyaml in its venv
    sys.exit("extract_reference.py needs PyYAML (pip install pyyaml)")

# Values for the winrm4j recording placeholders.
PLACEHOLDERS = {
    "${messageId}": "uuid:00000000-0000-4000-8000-000000000001",
    "${serviceUrl}": "http://windows-host:5985/wsman",
}

WINDOWS_STUBS = {
    "WinRM-ruby/tests/spec/stubs/responses/open_shell_v1.xml",
    "WinRM-ruby/tests/spec/stubs/responses/open_shell_v2.xml",
    "WinRM-ruby/tests/spec/stubs/responses/soap_fault_v1.xml",
    "WinRM-ruby/tests/spec/stubs/responses/soap_fault_v2.xml",
    "WinRM-ruby/tests/spec/stubs/responses/wmi_error_v2.xml",
    "openwsman/bindings/ruby/tests/EnumKey.xml",
}

ENVELOPE = re.compile(r"<(?:\?xml[^>]*\?>\s*)?<([A-Za-z_][\w.-]*:)?Envelope\b.*?</\1Envelope>", re.S)
ENVELOPE_START = re.compile(r"<([A-Za-z_][\w.-]*:)?Envelope\b")


def envelopes_in(text):
    """Every <prefix:Envelope>...</prefix:Envelope> in text, in order."""
    out, pos = [], 0
    while True:
        m = ENVELOPE_START.search(text, pos)
        if not m:
            return out
        prefix = m.group(1) or ""
        end_tag = f"</{prefix}Envelope>"
        end = text.find(end_tag, m.end())
        if end < 0:
            return out
        out.append(text[m.start() : end + len(end_tag)])
        pos = end + len(end_tag)


def slug(rel):
    return rel.replace(os.sep, "_").replace("/", "_")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    src, dst = argv[1], argv[2]
    if not os.path.isdir(src):
        sys.exit(f"{src}: not a directory")
    sets = {name: os.path.join(dst, name) for name in ("requests", "responses", "pywinrm")}
    for d in sets.values():
        os.makedirs(d, exist_ok=True)
    counts = Counter()
    left_out = Counter()

    def write(kind, name, text):
        with open(os.path.join(sets[kind], name + ".xml"), "w", encoding="utf-8") as f:
            f.write(text)
        counts[kind] += 1

    for root, dirs, files in os.walk(src):
        dirs.sort()
        for fname in sorted(files):
            path = os.path.join(root, fname)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            if rel.startswith("pypsrp/") and fname.endswith(".yml"):
                rec = yaml.safe_load(open(path, encoding="utf-8")) or {}
                for i, m in enumerate(rec.get("messages") or []):
                    for part, kind in (("request", "requests"), ("response", "responses")):
                        text = m.get(part)
                        if isinstance(text, str) and "Envelope" in text:
                            write(kind, f"{slug(rel)}.{i:03}.{part}", text)
                        elif text is not None:
                            left_out[f"pypsrp {part} that is not an envelope (template text)"] += 1
            elif rel.startswith("winrm4j/") and "/recordings/" in rel:
                text = open(path, encoding="utf-8").read()
                for key, value in PLACEHOLDERS.items():
                    text = text.replace(key, value)
                items = re.findall(r"<request\b[^>]*>(.*?)</request>\s*<response\b[^>]*>(.*?)</response>", text, re.S)
                for i, (req, resp) in enumerate(items):
                    for part, kind, body in (("request", "requests", req), ("response", "responses", resp)):
                        for env in envelopes_in(body):
                            write(kind, f"{slug(rel)}.{i:03}.{part}", env)
            elif rel.startswith("masterzen-winrm/") and fname == "sample_requests.txt":
                text = open(path, encoding="utf-8").read()
                for i, env in enumerate(envelopes_in(text)):
                    name = f"{slug(rel)}.{i:03}.request"
                    write("requests", name, env)
                    write("pywinrm", name, env)
            elif rel in WINDOWS_STUBS:
                write("responses", slug(rel), open(path, encoding="utf-8").read())
            elif rel.startswith(("ms-wsmv-spec/", "ms-wsman-spec/")) and fname.endswith(".xml"):
                left_out["specification example (hand-written, not traffic)"] += 1
            elif rel.startswith("WinRM-ruby/") and "_omi" in fname:
                left_out["OMI (Linux) response, not Windows"] += 1
            elif rel.startswith("openwsman/") and fname.endswith(".xml"):
                left_out["openwsman test input (hand-written, for openwsman's server)"] += 1
            else:
                left_out["not an envelope file (WSDL, XSD, CLIXML data, notes)"] += 1

    for kind in ("requests", "responses", "pywinrm"):
        print(f"{counts[kind]} {kind} written to {sets[kind]}")
    for reason, n in sorted(left_out.items()):
        print(f"left out: {n} {reason}")
    if counts["requests"] == 0 or counts["responses"] == 0:
        sys.exit("no envelopes found: is this the shared reference folder?")


if __name__ == "__main__":
    main(sys.argv)
