#!/usr/bin/env python3
"""Extract the real traffic of ../shared/reference for `wsman-harness validate`.

Usage: extract_reference.py SHARED_REFERENCE_DIR OUT_DIR

Writes
  OUT_DIR/requests/   every request a real client sent to Windows and Windows accepted
  OUT_DIR/responses/  every response a real Windows host sent
  OUT_DIR/rejected/   requests Windows refused as malformed (its fault is
                      InvalidMessageInformationHeader or SchemaValidationError):
                      `validate` must FAIL them
  OUT_DIR/pywinrm/    requests of pywinrm-style clients (unqualified mustUnderstand):
                      the Go client's samples, plus, when the `winrm` module
                      (pywinrm) is importable, the envelopes pywinrm itself builds
                      for a run_cmd (answered with recorded Windows responses);
                      also copied into requests/
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
  WinRM-ruby stubs open_shell_v1/v2, soap_fault_v1/v2
                           responses of Windows (WinRM 1.1 and 2.0) kept as test stubs.
  openwsman/bindings/ruby/tests/EnumKey.xml
                           a Windows StdRegProv EnumKey response kept as a test stub.
Left out, with the reason printed:
  ms-wsmv-spec, ms-wsman-spec  specification examples, written by hand, not traffic
                           (the *.notwellformed.xml ones contain elisions);
  WinRM-ruby *_omi         responses of OMI (Linux), not Windows;
  WinRM-ruby wmi_error_v2  a stub trimmed by hand: it has no wsa:RelatesTo, which every
                           recorded Windows response carries (validate FAILs it);
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
    "openwsman/bindings/ruby/tests/EnumKey.xml",
}

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


# Fault subcodes by which Windows says the request itself is malformed.
REJECTED = re.compile(r"<(?:\w+:)?Subcode>\s*<(?:\w+:)?Value>\s*\w+:(InvalidMessageInformationHeader|SchemaValidationError)\s*<")
ACTION = re.compile(r"<(?:\w+:)?Action\b[^>]*>\s*([^<\s]+)\s*<")
MESSAGE_ID = re.compile(r"<(?:\w+:)?MessageID\b[^>]*>\s*([^<\s]+)\s*<")
RELATES_TO = re.compile(r"(<(?:\w+:)?RelatesTo\b[^>]*>)\s*[^<\s]+\s*<")


def pywinrm_requests(responses):
    """The envelopes pywinrm builds for run_cmd (Create, Command, Receive, Signal,
    Delete), each answered with a recorded Windows response to the same Action
    (its RelatesTo set to the request's MessageID, which pywinrm checks)."""
    try:
        import winrm.protocol
    except ImportError:
        return None
    by_action = {}
    for text in responses:
        m = ACTION.search(text)
        if m and (not m.group(1).endswith("/ReceiveResponse") or "CommandState/Done" in text):
            by_action.setdefault(m.group(1), text)
    sent = []

    def answer(message):
        message = message.decode("utf-8") if isinstance(message, bytes) else message
        sent.append(message)
        action, mid = ACTION.search(message).group(1), MESSAGE_ID.search(message).group(1)
        reply = by_action.get(action + "Response")
        if reply is None:
            raise RuntimeError(f"no recorded Windows response to {action}")
        return RELATES_TO.sub(lambda m: f"{m.group(1)}{mid}<", reply, count=1).encode("utf-8")

    p = winrm.protocol.Protocol("http://windows-host:5985/wsman", transport="plaintext", username="u", password="p")
    p.transport.send_message = answer
    shell = p.open_shell()
    command = p.run_command(shell, "ipconfig", ["/all"])
    p.get_command_output(shell, command)
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    return sent


def slug(rel):
    return rel.replace(os.sep, "_").replace("/", "_")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    src, dst = argv[1], argv[2]
    if not os.path.isdir(src):
        sys.exit(f"{src}: not a directory")
    sets = {name: os.path.join(dst, name) for name in ("requests", "responses", "rejected", "pywinrm")}
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
                    response = m.get("response")
                    refused = isinstance(response, str) and REJECTED.search(response)
                    for part, kind in (("request", "rejected" if refused else "requests"), ("response", "responses")):
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
            elif rel.startswith("WinRM-ruby/") and fname == "wmi_error_v2.xml":
                left_out["WinRM-ruby stub trimmed by hand (no wsa:RelatesTo)"] += 1
            elif rel.startswith("openwsman/") and fname.endswith(".xml"):
                left_out["openwsman test input (hand-written, for openwsman's server)"] += 1
            else:
                left_out["not an envelope file (WSDL, XSD, CLIXML data, notes)"] += 1

    responses = []
    for name in sorted(os.listdir(sets["responses"])):
        responses.append(open(os.path.join(sets["responses"], name), encoding="utf-8").read())
    sent = pywinrm_requests(responses)
    if sent is None:
        print("note: pywinrm (module winrm) is not importable: pywinrm/ holds only the Go client's samples")
    for i, env in enumerate(sent or []):
        write("pywinrm", f"pywinrm.run_cmd.{i:03}.request", env)
        write("requests", f"pywinrm.run_cmd.{i:03}.request", env)

    for kind in ("requests", "responses", "rejected", "pywinrm"):
        print(f"{counts[kind]} {kind} written to {sets[kind]}")
    for reason, n in sorted(left_out.items()):
        print(f"left out: {n} {reason}")
    if counts["requests"] == 0 or counts["responses"] == 0:
        sys.exit("no envelopes found: is this the shared reference folder?")


if __name__ == "__main__":
    main(sys.argv)
