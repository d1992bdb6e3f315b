"""Helpers for corpus/tools/gen.py: envelope text and manifest TOML writers.

The generator is a convenience for the project's own cases. Its output (the
.xml templates and manifest.toml files) is what the driver reads and what is
reviewed; vendors can edit those files directly.
"""

import os

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "e": "http://schemas.xmlsoap.org/ws/2004/08/eventing",
    "b": "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd",
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
}
ANON = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
WXF = NS["x"]
WSEN = NS["n"]
WSE = NS["e"]
RSP = NS["rsp"]


def act(base, name):
    return f"{base}/{name}"


def header_lines(action, resource="{{resource_uri}}", selectors=None, options=None, omit=(), extra=(),
                 overrides=None, timeout="PT60S", max_env="153600"):
    """Standard request header block as (name, xml line) pairs, in Windows' order."""
    overrides = overrides or {}
    h = [
        ("To", "<a:To>{{to}}</a:To>"),
        ("ResourceURI", f'<w:ResourceURI s:mustUnderstand="true">{resource}</w:ResourceURI>' if resource else None),
        ("ReplyTo", f'<a:ReplyTo><a:Address s:mustUnderstand="true">{ANON}</a:Address></a:ReplyTo>'),
        ("Action", f'<a:Action s:mustUnderstand="true">{action}</a:Action>' if action else None),
        ("MaxEnvelopeSize", f'<w:MaxEnvelopeSize s:mustUnderstand="true">{max_env}</w:MaxEnvelopeSize>' if max_env else None),
        ("MessageID", "<a:MessageID>{{message_id}}</a:MessageID>"),
        ("Locale", '<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>'),
        ("DataLocale", '<p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>'),
        ("SessionId", '<p:SessionId s:mustUnderstand="false">{{session_id}}</p:SessionId>'),
        ("OperationTimeout", f"<w:OperationTimeout>{timeout}</w:OperationTimeout>" if timeout else None),
    ]
    if selectors is not None:
        h.append(("SelectorSet", selectors))
    if options is not None:
        h.append(("OptionSet", options))
    out = []
    for name, line in h:
        if name in omit:
            continue
        if name in overrides:
            line = overrides[name]
        if line:
            out.append(line)
    out.extend(extra)
    return out


def selector_set(pairs):
    if not pairs:
        return "<w:SelectorSet/>"
    inner = "".join(f'<w:Selector Name="{n}">{v}</w:Selector>' for n, v in pairs)
    return f"<w:SelectorSet>{inner}</w:SelectorSet>"


def envelope(headers, body="", extra_ns=None, soap_ns=None):
    """The envelope text, indented two spaces per level."""
    decl = dict(NS)
    if extra_ns:
        decl.update(extra_ns)
    if soap_ns:
        decl["s"] = soap_ns
    used = [k for k in ["s", "a", "w", "p"] + sorted(set(decl) - {"s", "a", "w", "p"})
            if any(f"{k}:" in t for t in headers + [body]) or k == "s"]
    attrs = "\n    ".join(f'xmlns:{k}="{decl[k]}"' for k in used)
    hdr = "\n    ".join(headers)
    body_text = f"\n    {body}\n  " if body else ""
    return (f'<s:Envelope {attrs}>\n'
            f"  <s:Header>\n    {hdr}\n  </s:Header>\n"
            f"  <s:Body>{body_text}</s:Body>\n"
            f"</s:Envelope>\n")


# ---------------------------------------------------------------- TOML writer

def tstr(s):
    s = str(s)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def tval(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{tkey(k)} = {tval(x)}" for k, x in v.items()) + " }"
    return tstr(v)


def tkey(k):
    if all(c.isalnum() or c in "_-" for c in k):
        return k
    return tstr(k)


SCALAR_ORDER = ["id", "title", "profiles", "clause", "rules", "headers", "exclusive", "template", "raw",
                "vars", "http", "expect", "capture", "repeat"]


def emit_table_body(lines, d, prefix):
    for k in SCALAR_ORDER:
        if k in d and d[k] not in (None, [], {}, False):
            lines.append(f"{k} = {tval(d[k])}")
    for a in d.get("assert", []):
        lines.append("")
        lines.append(f"[[{prefix}.assert]]")
        for k, v in a.items():
            lines.append(f"{k} = {tval(v)}")
    for i, st in enumerate(d.get("step", [])):
        lines.append("")
        lines.append(f"[[{prefix}.step]]")
        emit_table_body(lines, st, f"{prefix}.step")


def write_manifest(root, profile, header, cases):
    lines = [f"# Corpus manifest of the {profile} profile. Format: corpus/README.md.",
             "# Generated by corpus/tools/gen.py; edit either, but keep them in step.", ""]
    for k, v in header.items():
        if isinstance(v, dict):
            continue
        lines.append(f"{k} = {tval(v)}")
    for k, v in header.items():
        if isinstance(v, dict):
            lines.append("")
            lines.append(f"[{k}]")
            for kk, vv in v.items():
                lines.append(f"{tkey(kk)} = {tval(vv)}")
    for c in cases:
        lines.append("")
        lines.append("[[case]]")
        emit_table_body(lines, c, "case")
    path = os.path.join(root, profile, "manifest.toml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_template(root, profile, rel, text):
    path = os.path.join(root, profile, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
