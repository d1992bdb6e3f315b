#!/usr/bin/env python3
"""Generates the corpus (templates + manifests) of the profiles core, transfer,
enumeration, eventing, shell and ipmi.

    python3 corpus/tools/gen.py            # rewrites corpus/<profile>/ (not corpus/bmc/)

Every case below is one call; the output files are committed and are what the
driver reads.
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from gen_lib import (ANON, RSP, WSE, WSEN, WXF, act, envelope, header_lines, selector_set,  # noqa: E402
                     write_manifest, write_template)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))

CIMV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2"
HW = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/hardware"
COMMON_VARS = {
    "os_uri": f"{CIMV2}/Win32_OperatingSystem",
    "cs_uri": f"{CIMV2}/Win32_ComputerSystem",
    "svc_uri": f"{CIMV2}/Win32_Service",
    "env_uri": f"{CIMV2}/Win32_Environment",
    "config_uri": "http://schemas.microsoft.com/wbem/wsman/1/config",
    "missing_uri": f"{CIMV2}/Win32_NoSuchClass",
}
COMMON_NS = {
    "os": "{{os_uri}}",
    "cs": "{{cs_uri}}",
    "svc": "{{svc_uri}}",
    "env": "{{env_uri}}",
}
WQL = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
SELECTOR_DIALECT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
XPATH_DIALECT = "http://www.w3.org/TR/1999/REC-xpath-19991116"

GET = act(WXF, "Get")
PUT = act(WXF, "Put")
CREATE = act(WXF, "Create")
DELETE = act(WXF, "Delete")
ENUMERATE = act(WSEN, "Enumerate")
PULL = act(WSEN, "Pull")
RELEASE = act(WSEN, "Release")
SUBSCRIBE = act(WSE, "Subscribe")


def ok(action=None, **extra):
    e = {}
    if action:
        e["action"] = action
    e.update(extra)
    return e


def fault(subcode, detail=None, code=None):
    f = {}
    if code:
        f["code"] = code if isinstance(code, list) else [code]
    if subcode:
        f["subcode"] = subcode if isinstance(subcode, list) else [subcode]
    if detail:
        f["detail"] = detail if isinstance(detail, list) else [detail]
    return {"fault": f}


def transport(statuses, fault_alt=None):
    e = {"transport": statuses if isinstance(statuses, list) else [statuses]}
    if fault_alt:
        e.update(fault_alt)
    return e


def A(xpath, **kw):
    d = {"xpath": xpath}
    d.update(kw)
    return d


class Profile:
    def __init__(self, name, description, unimplemented_when=(), vars=None, namespaces=None):
        self.name = name
        self.header = {"profile": name, "description": description}
        if unimplemented_when:
            self.header["unimplemented_when"] = list(unimplemented_when)
        self.header["vars"] = dict(vars or {})
        if namespaces:
            self.header["namespaces"] = dict(namespaces)
        self.cases = []
        self.templates = {}
        self.ids = set()

    def case(self, id, title, clause, text, expect=None, rules=(), headers=(), vars=None, asserts=(),
             http=None, raw=False, capture=None, exclusive=False):
        assert id not in self.ids, id
        self.ids.add(id)
        c = {"id": id, "title": title, "clause": clause, "rules": list(rules), "headers": list(headers),
             "exclusive": exclusive, "raw": raw, "vars": vars or {}, "http": http or {},
             "expect": expect if expect is not None else {}, "capture": capture or {}, "assert": list(asserts)}
        self.templates[f"{id}.xml"] = text
        self.cases.append(c)

    def scenario(self, id, title, clause, steps, rules=(), headers=(), vars=None, exclusive=False):
        assert id not in self.ids, id
        self.ids.add(id)
        out = []
        for i, st in enumerate(steps, 1):
            rel = f"{id}/{i:02}-{st['name']}.xml"
            self.templates[rel] = st["text"]
            s = {"template": rel, "vars": st.get("vars", {}), "http": st.get("http", {}),
                 "raw": st.get("raw", False),
                 "expect": st.get("expect", {}), "capture": st.get("capture", {}),
                 "repeat": st.get("repeat", {}), "assert": st.get("asserts", [])}
            out.append(s)
        self.cases.append({"id": id, "title": title, "clause": clause, "rules": list(rules),
                           "headers": list(headers), "exclusive": exclusive, "vars": vars or {},
                           "step": out})

    def write(self):
        d = os.path.join(ROOT, self.name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        for rel, text in self.templates.items():
            write_template(ROOT, self.name, rel, text)
        write_manifest(ROOT, self.name, self.header, self.cases)
        return len(self.cases)


def step(name, text, expect=None, asserts=(), capture=None, repeat=None, vars=None, http=None):
    return {"name": name, "text": text, "expect": expect or {}, "asserts": list(asserts),
            "capture": capture or {}, "repeat": repeat or {}, "vars": vars or {}, "http": http or {}}


# ---------------------------------------------------------------- envelopes

def get_env(resource="{{resource_uri}}", selectors=None, **kw):
    return envelope(header_lines(GET, resource, selector_set(selectors) if selectors is not None else None, **kw))


def identify_env():
    return ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"\n'
            '    xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">\n'
            "  <s:Header/>\n  <s:Body>\n    <wsmid:Identify/>\n  </s:Body>\n</s:Envelope>\n")


def enum_body(mode=None, optimize=False, max_elements=None, filter=None, estimate=False, expires=None,
              wsen_filter=None):
    parts = []
    if expires:
        parts.append(f"<n:Expires>{expires}</n:Expires>")
    if wsen_filter:
        parts.append(wsen_filter)
    if optimize:
        parts.append("<w:OptimizeEnumeration/>")
    if max_elements is not None:
        parts.append(f"<w:MaxElements>{max_elements}</w:MaxElements>")
    if mode:
        parts.append(f"<w:EnumerationMode>{mode}</w:EnumerationMode>")
    if filter:
        parts.append(filter)
    inner = "".join(parts)
    return f"<n:Enumerate>{inner}</n:Enumerate>" if inner else "<n:Enumerate/>"


def enum_env(resource="{{resource_uri}}", extra_headers=(), **kw):
    hkw = {k: kw.pop(k) for k in list(kw) if k in ("omit", "overrides", "timeout", "max_env", "options")}
    return envelope(header_lines(ENUMERATE, resource, extra=list(extra_headers), **hkw), enum_body(**kw))


def pull_env(resource="{{resource_uri}}", context="{{captured.context}}", max_elements=None, **hkw):
    me = f"<n:MaxElements>{max_elements}</n:MaxElements>" if max_elements is not None else ""
    ctx = f"<n:EnumerationContext>{context}</n:EnumerationContext>" if context is not None else ""
    return envelope(header_lines(PULL, resource, **hkw), f"<n:Pull>{ctx}{me}</n:Pull>")


def release_env(resource="{{resource_uri}}", context="{{captured.context}}"):
    return envelope(header_lines(RELEASE, resource),
                    f"<n:Release><n:EnumerationContext>{context}</n:EnumerationContext></n:Release>")


SVC_SEL = [("Name", "WinRM")]
ENV_SEL = [("Name", "{{env_name}}"), ("UserName", "&lt;SYSTEM&gt;")]


def env_instance(value, name="{{env_name}}"):
    return (f'<c:Win32_Environment xmlns:c="{{{{env_uri}}}}"><c:Name>{name}</c:Name>'
            f"<c:UserName>&lt;SYSTEM&gt;</c:UserName><c:VariableValue>{value}</c:VariableValue>"
            f"</c:Win32_Environment>")


BODY = "/s:Envelope/s:Body"
FAULT = f"{BODY}/s:Fault"
HDR = "/s:Envelope/s:Header"


# ================================================================= core

def core():
    p = Profile("core", "Identify, WS-Addressing and WS-Management headers, mustUnderstand, HTTP binding",
                vars=dict(COMMON_VARS, resource_uri="{{os_uri}}"), namespaces=COMMON_NS)
    ident = identify_env()
    id_asserts = [A(f"count({BODY}/wsmid:IdentifyResponse)", equals="1"),
                  A(f"string({BODY}/wsmid:IdentifyResponse/wsmid:ProtocolVersion)",
                    equals="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"),
                  A(f"{BODY}/wsmid:IdentifyResponse/wsmid:ProductVendor", count=1),
                  A(f"{BODY}/wsmid:IdentifyResponse/wsmid:ProductVersion", count=1)]
    p.case("identify/basic", "Identify with credentials and no WS-Addressing headers", "DSP0226 §11",
           ident, ok(), rules=["R25"], asserts=id_asserts)
    p.case("identify/unauthenticated", "Identify without credentials, WSMANIDENTIFY: unauthenticated",
           "MS-WSMV §3.1.4.1.23", ident, ok(), rules=["R25"], headers=["+http:WSMANIDENTIFY"],
           http={"auth": "none", "headers": {"WSMANIDENTIFY": "unauthenticated"}}, asserts=id_asserts[:2])
    p.case("identify/unauthenticated-no-header", "Identify without credentials nor WSMANIDENTIFY gets 401",
           "MS-WSMV §3.1.4.1.23", ident, transport(401), headers=["-http:WSMANIDENTIFY"],
           http={"auth": "none"})
    p.case("identify/utf16", "Identify sent as UTF-16LE with a BOM", "DSP0226 §13.1 (character encoding)",
           ident, ok(), rules=["R25"], http={"encoding": "utf-16le"}, asserts=id_asserts[:1])
    p.case("identify/empty-header-omitted",
           "Identify whose envelope has no Header element at all", "DSP0226 §11",
           '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"\n'
           '    xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">\n'
           "  <s:Body>\n    <wsmid:Identify/>\n  </s:Body>\n</s:Envelope>\n", ok(), rules=["R25"],
           asserts=id_asserts[:1])
    p.case("identify/with-addressing", "Identify with full WS-Addressing headers is still answered",
           "DSP0226 §11", envelope(header_lines("", None, omit=("Action",)), "<wsmid:Identify/>"),
           ok(), rules=["R25"], asserts=id_asserts[:1])
    p.case("identify/unknown-body", "A body that is not Identify and no Action", "DSP0226 §5.4.4",
           envelope(header_lines("", None, omit=("Action",)), '<q:Whatever xmlns:q="urn:example:harness"/>'),
           fault(["wsa:MessageInformationHeaderRequired", "wsa:ActionNotSupported",
                  "wsa:InvalidMessageInformationHeader"]), rules=["R1"])

    # --- HTTP binding
    g = get_env()
    p.case("http/no-credentials", "Get without credentials gets 401", "DSP0226 §C.3 (HTTP Basic)", g,
           transport(401), http={"auth": "none"})
    p.case("http/wrong-password", "Get with a wrong password gets 401", "DSP0226 §C.3 (HTTP Basic)", g,
           transport(401), http={"auth": "wrong"})
    p.case("http/content-type-text-plain", "A request sent as text/plain is refused", "DSP0226 §C.2 (SOAP 1.2 HTTP binding)",
           g, transport([415, 400], fault("wsman:SchemaValidationError")),
           http={"content_type": "text/plain"})
    p.case("http/content-type-soap11", "A request sent as text/xml (SOAP 1.1 media type) is refused",
           "DSP0226 §C.2", g, transport([415, 400], fault("wsman:SchemaValidationError")),
           http={"content_type": "text/xml; charset=utf-8"})
    p.case("http/method-get", "HTTP GET on the endpoint is refused", "DSP0226 §C.2", g, transport([405, 400, 404]),
           http={"method": "GET"})
    p.case("http/unknown-path", "POST to a path that is not the WS-Man endpoint", "DSP0226 §C.2", g,
           transport([404, 400]), http={"path": "/not-wsman"})
    p.case("http/charset-utf16", "A Get sent as UTF-16LE is answered", "DSP0226 §13.1", g, ok(),
           http={"encoding": "utf-16le"})
    p.case("http/oversized-body", "A request body far over MaxEnvelopeSizekb (600 kB) is refused",
           "MS-WSMV §3.1.4.1.7", envelope(header_lines(GET, "{{resource_uri}}", extra=[
               '<q:Padding xmlns:q="urn:example:harness">{{pad:600000}}</q:Padding>'])),
           transport([413, 400], fault("wsman:EncodingLimit")), raw=True)
    p.case("http/soap11-envelope", "A SOAP 1.1 envelope gets VersionMismatch", "SOAP 1.2 §5.4.7",
           envelope(header_lines(GET), soap_ns="http://schemas.xmlsoap.org/soap/envelope/"),
           transport([400, 415], fault(None, code="s:VersionMismatch")))
    p.case("http/not-well-formed", "A body that is not well-formed XML", "DSP0226 §13.1",
           envelope(header_lines(GET)).replace("</s:Header>", "</s:Heder>"),
           transport([400], fault("wsman:SchemaValidationError")), raw=True)
    p.case("http/empty-body", "An empty POST body", "DSP0226 §13.1", "",
           transport([400, 411], fault("wsman:SchemaValidationError")), raw=True)
    p.case("http/not-an-envelope", "A well-formed document that is not a SOAP Envelope", "SOAP 1.2 §5.1",
           '<q:Document xmlns:q="urn:example:harness"><q:Item/></q:Document>\n',
           transport([400], fault("wsman:SchemaValidationError")))
    p.case("http/no-body", "An envelope without a Body", "SOAP 1.2 §5.3",
           envelope(header_lines(GET)).replace("  <s:Body></s:Body>\n", ""),
           transport([400], fault("wsman:SchemaValidationError")))
    p.case("http/doctype", "A document type declaration is refused, never processed", "DSP0226 §13.1",
           '<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [<!ENTITY e "entity">]>\n' + envelope(header_lines(GET)),
           transport([400], fault("wsman:SchemaValidationError")), raw=True)
    p.case("http/entity-expansion", "Nested entity expansion is refused", "DSP0226 §13.1",
           '<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
           + envelope(header_lines(GET, extra=['<q:Bomb xmlns:q="urn:example:harness">&c;</q:Bomb>'])),
           transport([400], fault("wsman:SchemaValidationError")), raw=True)
    p.case("http/deep-nesting", "An envelope nested 200 levels deep is refused",
           "DSP0226 §13.1", envelope(header_lines(GET, extra=[
               '<q:Deep xmlns:q="urn:example:harness">' + "<q:d>" * 200 + "</q:d>" * 200 + "</q:Deep>"])),
           transport([400, 413], fault(["wsman:EncodingLimit", "wsman:SchemaValidationError"])), raw=True)

    # --- WS-Addressing headers
    for name, hdr in [("to", "To"), ("action", "Action"), ("message-id", "MessageID")]:
        p.case(f"addressing/{name}-missing", f"A Get without wsa:{hdr}", "DSP0226 §5.4.4 (WS-Addressing)",
               envelope(header_lines(GET, omit=(hdr,))),
               fault(["wsa:MessageInformationHeaderRequired", "wsa:InvalidMessageInformationHeader"]),
               rules=["R1"], headers=[f"-wsa:{hdr}"])
    for name, hdr, line in [("to", "To", "<a:To>{{to}}</a:To>"),
                            ("action", "Action", f'<a:Action s:mustUnderstand="true">{GET}</a:Action>'),
                            ("message-id", "MessageID", "<a:MessageID>uuid:{{uuid}}</a:MessageID>")]:
        p.case(f"addressing/{name}-duplicate", f"A Get with wsa:{hdr} twice", "DSP0226 §5.4.4",
               envelope(header_lines(GET, extra=[line])),
               fault(["wsa:InvalidMessageInformationHeader", "wsa:MessageInformationHeaderRequired"]),
               rules=["R1"], headers=[f"-wsa:{hdr}"])
    p.case("addressing/to-empty", "A Get with an empty wsa:To", "DSP0226 §5.4.4",
           envelope(header_lines(GET, overrides={"To": "<a:To/>"})),
           fault(["wsa:InvalidMessageInformationHeader", "wsa:MessageInformationHeaderRequired",
                  "wsa:DestinationUnreachable"]), rules=["R1"], headers=["-wsa:To"])
    p.case("addressing/message-id-empty", "A Get with an empty wsa:MessageID", "DSP0226 §5.4.4",
           envelope(header_lines(GET, overrides={"MessageID": "<a:MessageID/>"})),
           fault(["wsa:InvalidMessageInformationHeader", "wsa:MessageInformationHeaderRequired"]),
           rules=["R1"], headers=["-wsa:MessageID"])
    p.case("addressing/reply-to-missing-address", "wsa:ReplyTo without wsa:Address", "DSP0226 §5.4.2",
           envelope(header_lines(GET, overrides={"ReplyTo": "<a:ReplyTo/>"})),
           fault(["wsa:InvalidMessageInformationHeader", "wsa:MessageInformationHeaderRequired"]),
           headers=["-wsa:ReplyTo"])
    p.case("addressing/reply-to-not-anonymous", "wsa:ReplyTo naming a third-party address",
           "DSP0226 §5.4.2",
           envelope(header_lines(GET, overrides={"ReplyTo": '<a:ReplyTo><a:Address s:mustUnderstand="true">'
                                                            'http://192.0.2.1/replies</a:Address></a:ReplyTo>'})),
           fault(["wsa:InvalidMessageInformationHeader", "wsman:UnsupportedFeature",
                  "wsa:DestinationUnreachable"]), headers=["-wsa:ReplyTo"])
    p.case("addressing/reply-to-anonymous", "wsa:ReplyTo anonymous: the reply comes on the HTTP response",
           "DSP0226 §5.4.2", envelope(header_lines(GET)), ok(),
           headers=["+wsa:ReplyTo", "+wsa:To", "+wsa:Action", "+wsa:MessageID", "+wsman:ResourceURI"],
           rules=["R2"], asserts=[A(f"string({HDR}/a:To)", equals=ANON)])
    p.case("addressing/reply-to-omitted", "No wsa:ReplyTo: the reply still comes on the HTTP response",
           "DSP0226 §5.4.2", envelope(header_lines(GET, omit=("ReplyTo",))),
           {"either": True}, headers=["+wsa:ReplyTo"])
    mids = {"urn-uuid": "urn:uuid:{{uuid}}", "lowercase": "uuid:{{uuid_lower}}",
            "opaque-uri": "http://example.invalid/msg/{{unique}}", "uppercase-prefix": "UUID:{{uuid}}",
            "long": "uuid:{{uuid}}-" + "0" * 200}
    for k, v in mids.items():
        p.case(f"addressing/relates-to-{k}", f"RelatesTo echoes a MessageID of form {k} exactly",
               "DSP0226 §5.4.3 (WS-Addressing 2004/08 §3.2)", envelope(header_lines(GET)), ok(),
               rules=["R2"], headers=["+wsa:MessageID"], vars={"message_id": v},
               asserts=[A(f"string({HDR}/a:RelatesTo)", equals="{{message_id}}")])
    for k, a in {"unknown-transfer": f"{WXF}/Fetch", "urn": "urn:example:harness:NoSuchAction",
                 "lowercase-get": f"{WXF}/get", "trailing-slash": f"{WXF}/Get/", "empty": "",
                 "enumeration-prefix": f"{WSEN}/Enumerat", "response-action": f"{WXF}/GetResponse",
                 "fault-action": "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"}.items():
        p.case(f"addressing/action-{k}", f"Unsupported wsa:Action ({k})", "DSP0226 §5.4.5",
               envelope(header_lines(GET, overrides={"Action": f'<a:Action s:mustUnderstand="true">{a}</a:Action>'})),
               fault(["wsa:ActionNotSupported", "wsa:InvalidMessageInformationHeader",
                      "wsa:MessageInformationHeaderRequired"] if k == "empty" else "wsa:ActionNotSupported"),
               rules=["R4"], headers=["-wsa:Action"])

    # --- mustUnderstand
    for k, line, op in [
        ("unknown-true", '<q:Unknown xmlns:q="urn:example:harness" s:mustUnderstand="true">1</q:Unknown>', GET),
        ("unknown-one", '<q:Unknown xmlns:q="urn:example:harness" s:mustUnderstand="1">1</q:Unknown>', GET),
        ("unknown-wsman", '<w:NoSuchHeader s:mustUnderstand="true">1</w:NoSuchHeader>', GET),
        ("unknown-addressing", '<a:NoSuchHeader s:mustUnderstand="true">1</a:NoSuchHeader>', GET),
        ("unknown-on-enumerate", '<q:Unknown xmlns:q="urn:example:harness" s:mustUnderstand="true">1</q:Unknown>', ENUMERATE),
    ]:
        body = enum_body() if op == ENUMERATE else ""
        p.case(f"must-understand/{k}", f"A mandatory header the service does not know ({k})",
               "SOAP 1.2 §5.2.3, DSP0226 §5.2", envelope(header_lines(op, extra=[line]), body),
               fault(None, code="s:MustUnderstand"), rules=["R3"],
               asserts=[A(f"string({FAULT}/s:Code/s:Value)", matches=":MustUnderstand$")])
    for k, line in [("unknown-false", '<q:Unknown xmlns:q="urn:example:harness" s:mustUnderstand="false">1</q:Unknown>'),
                    ("unknown-absent", '<q:Unknown xmlns:q="urn:example:harness">1</q:Unknown>'),
                    ("known-true", '<w:OperationTimeout s:mustUnderstand="true">PT30S</w:OperationTimeout>')]:
        p.case(f"must-understand/{k}", f"An optional or understood header is accepted ({k})",
               "SOAP 1.2 §5.2.3", envelope(header_lines(GET, extra=[line],
                                                        omit=("OperationTimeout",) if k == "known-true" else ())),
               ok(), rules=["R3"])

    # --- WS-Management headers
    for v in ["PT60S", "PT60.000S", "PT1M", "PT1H", "P0DT0H1M0S", "PT0.5S", "PT3600S", "P1D"]:
        p.case(f"headers/operation-timeout-valid-{v.lower().replace('.', '_')}", f"OperationTimeout {v} is accepted",
               "DSP0226 §6.1", get_env(timeout=v), ok(), headers=["+wsman:OperationTimeout"], rules=["R9"])
    for k, v in {"bare-number": "60", "no-designator": "PT", "empty": "", "negative": "-PT5S", "text": "sixty",
                 "seconds-in-date": "P5S", "two-dots": "PT1.5.5S", "lowercase": "pt60s", "minutes-unit-only": "1M",
                 "spaces": "PT 60 S"}.items():
        p.case(f"headers/operation-timeout-invalid-{k}", f"OperationTimeout {v!r} is not an xs:duration",
               "DSP0226 §6.1; MS-WSMV §3.1.4.1.20", get_env(timeout=v if v else "X").replace(">X<", "><"),
               fault(["wsa:InvalidMessageInformationHeader", "wsman:InvalidParameter"],
                     detail=None), headers=["-wsman:OperationTimeout"], rules=["R9"])
    for v in ["8192", "153600", "512000", "65536"]:
        p.case(f"headers/max-envelope-size-valid-{v}", f"MaxEnvelopeSize {v} is accepted and respected",
               "DSP0226 §6.2", get_env(max_env=v), ok(), headers=["+wsman:MaxEnvelopeSize"], rules=["R7"])
    for v in ["8191", "4096", "100", "0"]:
        p.case(f"headers/max-envelope-size-below-minimum-{v}", f"MaxEnvelopeSize {v} is under the 8192 minimum",
               "DSP0226 §6.2; MS-WSMV §3.1.4.1.7", get_env(max_env=v),
               fault("wsman:EncodingLimit", "MinimumEnvelopeLimit"), headers=["-wsman:MaxEnvelopeSize"], rules=["R7"])
    for k, v in {"text": "large", "negative": "-1", "fraction": "8192.5"}.items():
        p.case(f"headers/max-envelope-size-invalid-{k}", f"MaxEnvelopeSize {v!r} is not an integer",
               "DSP0226 §6.2", get_env(max_env=v),
               fault(["wsa:InvalidMessageInformationHeader", "wsman:EncodingLimit", "wsman:SchemaValidationError"]),
               headers=["-wsman:MaxEnvelopeSize"], rules=["R7"])
    for hdr, pre, tag in [("wsman:Locale", "w", "Locale"), ("wsmv:DataLocale", "p", "DataLocale")]:
        slug = tag.lower()
        for lang, mu in [("en-US", "false"), ("de-DE", "false"), ("en-US", "true"), ("zz-ZZ", "false")]:
            p.case(f"headers/{slug}-{lang.lower()}-mu-{mu}", f"{tag} {lang} mustUnderstand={mu} is accepted",
                   "DSP0226 §6.3", get_env(overrides={tag: f'<{pre}:{tag} xml:lang="{lang}" s:mustUnderstand="{mu}"/>'}),
                   ok(), headers=[f"+{hdr}"], rules=["R10"] if lang == "zz-ZZ" else [])
        p.case(f"headers/{slug}-unsupported-mu-true", f"Unsupported {tag} with mustUnderstand=true",
               "DSP0226 §6.3", get_env(overrides={tag: f'<{pre}:{tag} xml:lang="zz-ZZ" s:mustUnderstand="true"/>'}),
               fault("wsman:UnsupportedFeature", "Locale"), headers=[f"-{hdr}"], rules=["R10"])
    p.case("headers/session-id-positive", "wsmv:SessionId is accepted", "MS-WSMV §3.1.4.1.27",
           get_env(), ok(), headers=["+wsmv:SessionId"])
    p.case("headers/session-id-not-uuid", "A wsmv:SessionId that is not a uuid URI, mustUnderstand",
           "MS-WSMV §3.1.4.1.27",
           get_env(overrides={"SessionId": '<p:SessionId s:mustUnderstand="true">not a session</p:SessionId>'}),
           fault(["wsa:InvalidMessageInformationHeader", "wsman:InvalidParameter", "s:MustUnderstand"]),
           headers=["-wsmv:SessionId"])
    p.case("headers/activity-id-positive", "wsmv:ActivityId is accepted", "MS-WSMV §3.1.4.1.38",
           get_env(extra=["<p:ActivityId>{{uuid}}</p:ActivityId>"]), ok(), headers=["+wsmv:ActivityId"])
    p.case("headers/activity-id-not-guid", "A wsmv:ActivityId that is not a GUID, mustUnderstand",
           "MS-WSMV §3.1.4.1.38",
           get_env(extra=['<p:ActivityId s:mustUnderstand="true">zzz</p:ActivityId>']),
           fault(["wsa:InvalidMessageInformationHeader", "wsman:InvalidParameter", "s:MustUnderstand"]),
           headers=["-wsmv:ActivityId"])
    p.case("headers/option-set-optional-unknown", "An unknown Option without MustComply is ignored",
           "DSP0226 §6.4", get_env(options='<w:OptionSet><w:Option Name="HarnessUnknown">1</w:Option></w:OptionSet>'),
           ok(), headers=["+wsman:OptionSet"], rules=["R11"])
    p.case("headers/option-set-mustcomply-false", "MustComply=false on an unknown Option is ignored",
           "DSP0226 §6.4",
           get_env(options='<w:OptionSet><w:Option Name="HarnessUnknown" MustComply="false">1</w:Option></w:OptionSet>'),
           ok(), headers=["+wsman:OptionSet"], rules=["R11"])
    for k, opt in {"unknown": '<w:Option Name="HarnessUnknown" MustComply="true">1</w:Option>',
                   "unknown-second": '<w:Option Name="HarnessOk">1</w:Option><w:Option Name="HarnessUnknown" MustComply="true">1</w:Option>',
                   "set-mustunderstand": '<w:Option Name="HarnessUnknown" MustComply="true">yes</w:Option>'}.items():
        attrs = ' s:mustUnderstand="true"' if k == "set-mustunderstand" else ""
        p.case(f"headers/option-set-mustcomply-{k}", f"An unsupported Option with MustComply=true ({k})",
               "DSP0226 §6.4", get_env(options=f"<w:OptionSet{attrs}>{opt}</w:OptionSet>"),
               fault("wsman:InvalidOptions"), headers=["-wsman:OptionSet"], rules=["R11"])
    p.case("headers/resource-uri-positive", "wsman:ResourceURI names a known class", "DSP0226 §5.1",
           get_env(), ok(), headers=["+wsman:ResourceURI"])
    p.case("headers/resource-uri-unknown", "wsman:ResourceURI names no class", "DSP0226 §5.1",
           get_env(resource="{{missing_uri}}"), fault("wsa:DestinationUnreachable", ["InvalidResourceURI", "ResourceNotFound"]),
           headers=["-wsman:ResourceURI"], rules=["R5"])
    p.case("headers/polymorphism-mode-unsupported", "An unsupported wsmb:PolymorphismMode",
           "DSP0227 §8.1", get_env(extra=['<b:PolymorphismMode s:mustUnderstand="true">HarnessBogusMode</b:PolymorphismMode>']),
           fault(["wsmb:PolymorphismModeNotSupported", "s:MustUnderstand", "wsman:UnsupportedFeature"]))
    p.case("faults/reason-has-lang", "A fault's Reason Text carries xml:lang", "DSP0226 §14.2",
           envelope(header_lines(f"{WXF}/Fetch")), fault("wsa:ActionNotSupported"), rules=["R32"],
           asserts=[A(f"{FAULT}/s:Reason/s:Text/@xml:lang", min=1),
                    A(f"string({FAULT}/s:Reason/s:Text)", matches=".")])
    p.case("faults/detail-uri", "wsman:FaultDetail is a full detail URI", "DSP0226 §14.3",
           get_env(resource="{{svc_uri}}", selectors=[]),
           fault("wsman:InvalidSelectors", "InsufficientSelectors"), rules=["R32", "R20"],
           asserts=[A(f"string({FAULT}/s:Detail/w:FaultDetail)",
                      matches="^http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/")])
    p.case("faults/relates-to", "A fault's RelatesTo echoes the request MessageID", "DSP0226 §5.4.3",
           get_env(resource="{{missing_uri}}"), fault("wsa:DestinationUnreachable", ["InvalidResourceURI", "ResourceNotFound"]),
           rules=["R2", "R5"])
    return p


# ================================================================= transfer

def transfer():
    p = Profile("transfer", "WS-Transfer Get/Put/Create/Delete and custom methods on simulated Windows classes",
                vars=dict(COMMON_VARS, env_name="WSMAN_HARNESS_{{unique}}"), namespaces=COMMON_NS)
    os_v = {"resource_uri": "{{os_uri}}"}
    svc_v = {"resource_uri": "{{svc_uri}}"}
    env_v = {"resource_uri": "{{env_uri}}"}
    cfg_v = {"resource_uri": "{{config_uri}}"}
    os_asserts = [A(f"count({BODY}/os:Win32_OperatingSystem)", equals="1"),
                  A(f"{BODY}/os:Win32_OperatingSystem/os:Caption", count=1)]
    p.case("get/os-singleton", "Get of the Win32_OperatingSystem singleton", "DSP0226 §7.3", get_env(),
           ok(act(WXF, "GetResponse")), vars=os_v, asserts=os_asserts, rules=["R2"])
    for k, kw in {"no-locale": dict(omit=("Locale", "DataLocale")), "no-session": dict(omit=("SessionId",)),
                  "no-timeout": dict(omit=("OperationTimeout",)), "no-max-envelope": dict(omit=("MaxEnvelopeSize",)),
                  "minimal": dict(omit=("Locale", "DataLocale", "SessionId", "OperationTimeout", "MaxEnvelopeSize")),
                  "timeout-short": dict(timeout="PT5S"), "max-envelope-64k": dict(max_env="65536"),
                  "reply-to-last": dict(omit=("ReplyTo",), extra=[f'<a:ReplyTo><a:Address s:mustUnderstand="true">{ANON}</a:Address></a:ReplyTo>'])}.items():
        p.case(f"get/os-{k}", f"Get of Win32_OperatingSystem ({k})", "DSP0226 §7.3", get_env(**kw), ok(),
               vars=os_v, asserts=os_asserts[:1])
    p.case("get/os-empty-selector-set", "Get of the singleton with an empty SelectorSet", "DSP0226 §7.3",
           get_env(selectors=[]), {"either": True}, vars=os_v)
    p.case("get/os-unexpected-selector", "Get of the singleton with a selector it has no key for",
           "DSP0226 §7.3; §9.2", get_env(selectors=[("Name", "x")]),
           fault("wsman:InvalidSelectors", "UnexpectedSelectors"), vars=os_v, headers=["-wsman:SelectorSet"], rules=["R6"])
    svc_asserts = [A(f"string({BODY}/svc:Win32_Service/svc:Name)", equals="WinRM"),
                   A(f"{BODY}/svc:Win32_Service/svc:State", count=1),
                   A(f"{BODY}/svc:Win32_Service/svc:StartMode", count=1)]
    p.case("get/service-winrm", "Get of Win32_Service Name=WinRM", "DSP0226 §7.3", get_env(selectors=SVC_SEL),
           ok(act(WXF, "GetResponse")), vars=svc_v, asserts=svc_asserts, headers=["+wsman:SelectorSet"])
    p.case("get/service-winrm-utf16", "Get of WinRM sent as UTF-16LE", "DSP0226 §7.3; §13.1",
           get_env(selectors=SVC_SEL), ok(), vars=svc_v, asserts=svc_asserts[:1], http={"encoding": "utf-16le"})
    p.case("get/service-no-selectors", "Get of Win32_Service without selectors", "DSP0226 §7.3; §9.2",
           get_env(), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=svc_v, rules=["R20", "R6"],
           headers=["-wsman:SelectorSet"])
    p.case("get/service-empty-selector-set", "Get of Win32_Service with an empty SelectorSet", "DSP0226 §9.2",
           get_env(selectors=[]), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=svc_v, rules=["R20", "R6"])
    p.case("get/service-unexpected-selector", "Get of Win32_Service with a selector name it has no key for",
           "DSP0226 §9.2", get_env(selectors=[("Name", "WinRM"), ("Colour", "blue")]),
           fault("wsman:InvalidSelectors", "UnexpectedSelectors"), vars=svc_v, rules=["R6"])
    p.case("get/service-wrong-selector", "Get of Win32_Service keyed by a non-key name only",
           "DSP0226 §9.2", get_env(selectors=[("DisplayName", "WinRM")]),
           fault("wsman:InvalidSelectors", ["UnexpectedSelectors", "InsufficientSelectors"]), vars=svc_v, rules=["R6"])
    p.case("get/service-duplicate-selector", "Get of Win32_Service with the Name selector twice",
           "DSP0226 §9.2", get_env(selectors=[("Name", "WinRM"), ("Name", "WinRM")]),
           fault("wsman:InvalidSelectors", "DuplicateSelectors"), vars=svc_v, rules=["R6"])
    p.case("get/service-duplicate-selector-different", "Get of Win32_Service with two different Name selectors",
           "DSP0226 §9.2", get_env(selectors=[("Name", "WinRM"), ("Name", "Other")]),
           fault("wsman:InvalidSelectors", "DuplicateSelectors"), vars=svc_v, rules=["R6"])
    p.case("get/service-epr-selector", "A string key given an EPR value", "DSP0226 §9.2",
           get_env(selectors=None, extra=[
               '<w:SelectorSet><w:Selector Name="Name"><a:EndpointReference><a:Address>' + ANON +
               '</a:Address><a:ReferenceParameters><w:ResourceURI>{{svc_uri}}</w:ResourceURI>'
               '</a:ReferenceParameters></a:EndpointReference></w:Selector></w:SelectorSet>']),
           fault("wsman:InvalidSelectors", "TypeMismatch"), vars=svc_v, rules=["R6"])
    p.case("get/service-nonexistent", "Get of a Win32_Service that does not exist", "DSP0226 §7.3",
           get_env(selectors=[("Name", "HarnessNoSuchService")]),
           fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"], ["ResourceNotFound", "InvalidValue"]),
           vars=svc_v)
    p.case("get/service-empty-name", "Get of Win32_Service with an empty Name", "DSP0226 §9.2",
           get_env(selectors=[("Name", "")]),
           fault(["wsman:InvalidSelectors", "wsa:DestinationUnreachable"], ["InvalidValue", "ResourceNotFound"]), vars=svc_v)
    p.case("get/service-selector-no-name", "A Selector without its Name attribute", "DSP0226 §9.2",
           get_env(extra=["<w:SelectorSet><w:Selector>WinRM</w:Selector></w:SelectorSet>"]),
           fault(["wsman:InvalidSelectors", "wsman:SchemaValidationError", "wsa:InvalidMessageInformationHeader"]), vars=svc_v,
           headers=["-wsman:SelectorSet"])
    p.case("get/env-insufficient", "Get of Win32_Environment with only one of its two keys",
           "DSP0226 §9.2", get_env(selectors=[("Name", "Path")]),
           fault("wsman:InvalidSelectors", ["InsufficientSelectors", "AmbiguousSelectors"]), vars=env_v, rules=["R6", "R20"])
    p.case("get/env-ambiguous", "Get of Win32_Environment keyed by UserName only (many instances match)",
           "DSP0226 §9.2", get_env(selectors=[("UserName", "&lt;SYSTEM&gt;")]),
           fault("wsman:InvalidSelectors", ["AmbiguousSelectors", "InsufficientSelectors"]), vars=env_v, rules=["R6"])
    p.case("get/env-no-selectors", "Get of Win32_Environment without selectors", "DSP0226 §9.2",
           get_env(), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=env_v, rules=["R6", "R20"])
    p.case("get/config", "Get of the WinRM config resource", "MS-WSMV §3.1.4.1.1 (config)", get_env(),
           ok(), vars=cfg_v, asserts=[A(f"count({BODY}/*)", equals="1")])
    p.case("get/unknown-class", "Get of a class that does not exist", "DSP0226 §7.1", get_env(),
           fault("wsa:DestinationUnreachable", ["InvalidResourceURI", "ResourceNotFound"]),
           vars={"resource_uri": "{{missing_uri}}"}, rules=["R5"])
    for k, uri in {"bogus-scheme": "urn:example:harness:NoSuchResource",
                   "other-namespace": "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/harness_none/Win32_Service",
                   "case-changed": "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/WIN32_NOSUCH",
                   "dmtf-prefix": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_HarnessNone",
                   "relative": "Win32_Service"}.items():
        p.case(f"get/resource-{k}", f"Get on an unknown resource URI ({k})", "DSP0226 §7.1", get_env(resource=uri),
               fault("wsa:DestinationUnreachable", ["InvalidResourceURI", "ResourceNotFound"]), rules=["R5"],
               headers=["-wsman:ResourceURI"])
    p.case("get/resource-missing", "Get without wsman:ResourceURI", "DSP0226 §5.1",
           get_env(resource=None),
           fault(["wsa:DestinationUnreachable", "wsa:MessageInformationHeaderRequired"],
                 ["InvalidResourceURI", "ResourceNotFound"]),
           rules=["R5"], headers=["-wsman:ResourceURI"])
    p.case("get/fragment-caption", "Fragment-level Get of one property", "DSP0226 §7.7",
           get_env(extra=['<w:FragmentTransfer s:mustUnderstand="true">Caption</w:FragmentTransfer>']),
           ok(), vars=os_v, headers=["+wsman:FragmentTransfer"],
           asserts=[A(f"{BODY}/w:XmlFragment", count=1)])
    p.case("get/fragment-bad-dialect", "Fragment transfer in a dialect the service does not support",
           "DSP0226 §7.7",
           get_env(extra=['<w:FragmentTransfer s:mustUnderstand="true" Dialect="urn:example:harness:dialect">Caption</w:FragmentTransfer>']),
           fault("wsman:FragmentDialectNotSupported"), vars=os_v, headers=["-wsman:FragmentTransfer"])
    p.case("get/with-body", "A Get whose Body is not empty", "WS-Transfer §3.1",
           envelope(header_lines(GET), '<q:Unexpected xmlns:q="urn:example:harness"/>'),
           {"either": True}, vars=os_v)

    # --- Put / Create / Delete / invoke negatives
    put_os = envelope(header_lines(PUT), '<c:Win32_OperatingSystem xmlns:c="{{os_uri}}"><c:Caption>x</c:Caption></c:Win32_OperatingSystem>')
    p.case("put/os-read-only", "Put on the read-only operating system instance", "DSP0226 §7.5",
           put_os, fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation"]),
           vars=os_v, rules=["R22"])
    p.case("put/service-read-only", "Put on a Win32_Service instance (read-only)", "DSP0226 §7.5",
           envelope(header_lines(PUT, selectors=selector_set(SVC_SEL)),
                    '<c:Win32_Service xmlns:c="{{svc_uri}}"><c:Name>WinRM</c:Name><c:State>Stopped</c:State></c:Win32_Service>'),
           fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation"]), vars=svc_v, rules=["R22"])
    p.case("put/env-wrong-element", "Put of a Win32_Environment with a body of another class", "DSP0226 §7.5",
           envelope(header_lines(PUT, selectors=selector_set([("Name", "Path"), ("UserName", "&lt;SYSTEM&gt;")])),
                    '<c:Win32_Service xmlns:c="{{svc_uri}}"><c:Name>x</c:Name></c:Win32_Service>'),
           fault("wxf:InvalidRepresentation"), vars=env_v, rules=["R21"])
    p.case("put/env-empty-body", "Put with an empty Body", "DSP0226 §7.5",
           envelope(header_lines(PUT, selectors=selector_set([("Name", "Path"), ("UserName", "&lt;SYSTEM&gt;")]))),
           fault(["wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=env_v, rules=["R21"])
    p.case("put/env-unknown-property", "Put with a property the class does not have", "DSP0226 §7.5",
           envelope(header_lines(PUT, selectors=selector_set([("Name", "Path"), ("UserName", "&lt;SYSTEM&gt;")])),
                    '<c:Win32_Environment xmlns:c="{{env_uri}}"><c:HarnessNoSuchProperty>1</c:HarnessNoSuchProperty></c:Win32_Environment>'),
           fault(["wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=env_v, rules=["R21"])
    p.case("create/env-wrong-element", "Create of a Win32_Environment with a body of another class",
           "DSP0226 §7.6", envelope(header_lines(CREATE), '<c:Win32_Service xmlns:c="{{svc_uri}}"><c:Name>x</c:Name></c:Win32_Service>'),
           fault("wxf:InvalidRepresentation"), vars=env_v, rules=["R21"])
    p.case("create/env-empty-body", "Create with an empty Body", "DSP0226 §7.6", envelope(header_lines(CREATE)),
           fault(["wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=env_v, rules=["R21"])
    p.case("create/env-missing-key", "Create of a Win32_Environment without its Name key", "DSP0226 §7.6",
           envelope(header_lines(CREATE), '<c:Win32_Environment xmlns:c="{{env_uri}}"><c:UserName>&lt;SYSTEM&gt;</c:UserName>'
                                          '<c:VariableValue>1</c:VariableValue></c:Win32_Environment>'),
           fault(["wxf:InvalidRepresentation", "wsman:InvalidParameter", "wsman:SchemaValidationError"]), vars=env_v, rules=["R21"])
    p.case("create/os", "Create on the operating system class", "DSP0226 §7.6",
           envelope(header_lines(CREATE), '<c:Win32_OperatingSystem xmlns:c="{{os_uri}}"/>'),
           fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation"]), vars=os_v)
    p.case("create/service", "Create on Win32_Service", "DSP0226 §7.6",
           envelope(header_lines(CREATE), '<c:Win32_Service xmlns:c="{{svc_uri}}"><c:Name>HarnessSvc</c:Name></c:Win32_Service>'),
           fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation"]), vars=svc_v)
    p.case("delete/os", "Delete of the operating system instance", "DSP0226 §7.4", envelope(header_lines(DELETE)),
           fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation"]), vars=os_v)
    p.case("delete/env-no-selectors", "Delete of Win32_Environment without selectors", "DSP0226 §7.4",
           envelope(header_lines(DELETE)), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=env_v, rules=["R6"])
    p.case("delete/env-nonexistent", "Delete of a Win32_Environment that does not exist", "DSP0226 §7.4",
           envelope(header_lines(DELETE, selectors=selector_set([("Name", "HARNESS_NONE_{{unique}}"), ("UserName", "&lt;SYSTEM&gt;")]))),
           fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"], ["ResourceNotFound", "InvalidValue"]), vars=env_v)
    p.case("delete/with-body", "Delete whose Body is not empty", "WS-Transfer §5", envelope(
        header_lines(DELETE, selectors=selector_set([("Name", "HARNESS_NONE_{{unique}}"), ("UserName", "&lt;SYSTEM&gt;")])),
        '<q:Unexpected xmlns:q="urn:example:harness"/>'),
           fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors", "wsman:SchemaValidationError"]), vars=env_v)
    inv = lambda m, sel=SVC_SEL, body=None: envelope(
        header_lines(f"{{{{svc_uri}}}}/{m}", selectors=selector_set(sel) if sel is not None else None),
        body if body is not None else f'<c:{m}_INPUT xmlns:c="{{{{svc_uri}}}}"/>')
    p.case("invoke/unknown-method", "Invoke of a method the class does not have", "DSP0226 §7.9",
           inv("HarnessNoSuchMethod"), fault("wsa:ActionNotSupported"), vars=svc_v, rules=["R4"])
    p.case("invoke/no-selectors", "Invoke StopService without selectors", "DSP0226 §7.9",
           inv("StopService", sel=None), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=svc_v, rules=["R6"])
    p.case("invoke/nonexistent-instance", "Invoke StopService on a service that does not exist", "DSP0226 §7.9",
           inv("StopService", sel=[("Name", "HarnessNoSuchService")]),
           fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"], ["ResourceNotFound", "InvalidValue"]), vars=svc_v)
    p.case("invoke/wrong-input-element", "Invoke StopService with another method's input element", "DSP0226 §7.9",
           inv("StopService", body='<c:StartService_INPUT xmlns:c="{{svc_uri}}"/>'),
           fault(["wsman:InvalidParameter", "wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=svc_v)
    p.case("invoke/unknown-parameter", "Invoke StopService with a parameter it does not take", "DSP0226 §7.9",
           inv("StopService", body='<c:StopService_INPUT xmlns:c="{{svc_uri}}"><c:HarnessBogus>1</c:HarnessBogus></c:StopService_INPUT>'),
           fault(["wsman:InvalidParameter", "wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=svc_v)
    p.case("invoke/empty-body", "Invoke StopService with an empty Body", "DSP0226 §7.9",
           inv("StopService", body=""),
           fault(["wsman:InvalidParameter", "wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), vars=svc_v)
    p.case("invoke/method-on-os", "Invoke of a Win32_Service method on the OS class", "DSP0226 §7.9",
           envelope(header_lines("{{os_uri}}/StopService"), '<c:StopService_INPUT xmlns:c="{{os_uri}}"/>'),
           fault("wsa:ActionNotSupported"), vars=os_v, rules=["R4"])

    # --- scenarios
    env_sel = selector_set(ENV_SEL)
    created = f"{BODY}/x:ResourceCreated"
    p.scenario("scenario/env-lifecycle", "Create -> Get -> Put -> Get -> Delete -> Get of a Win32_Environment",
               "DSP0226 §7.3-§7.6", rules=["R23", "R24"], vars=env_v, headers=["+wsman:SelectorSet"], steps=[
        step("create", envelope(header_lines(CREATE), env_instance("one")), ok(act(WXF, "CreateResponse")),
             asserts=[A(created, count=1), A(f"{created}/a:Address", count=1),
                      A(f"{created}/a:ReferenceParameters/w:ResourceURI", count=1),
                      A(f"{created}//w:Selector[@Name='Name']", count=1)],
             capture={"created_name": f"string({created}//w:Selector[@Name='Name'])"}),
        step("get", envelope(header_lines(GET, selectors=env_sel)), ok(),
             asserts=[A(f"string({BODY}/env:Win32_Environment/env:VariableValue)", equals="one"),
                      A(f"string({BODY}/env:Win32_Environment/env:Name)", equals="{{captured.created_name}}")]),
        step("put", envelope(header_lines(PUT, selectors=env_sel), env_instance("two")), ok(act(WXF, "PutResponse"))),
        step("get-again", envelope(header_lines(GET, selectors=env_sel)), ok(),
             asserts=[A(f"string({BODY}/env:Win32_Environment/env:VariableValue)", equals="two")]),
        step("delete", envelope(header_lines(DELETE, selectors=env_sel)), ok(act(WXF, "DeleteResponse")),
             asserts=[A(f"count({BODY}/*)", equals="0")]),
        step("get-deleted", envelope(header_lines(GET, selectors=env_sel)),
             fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"], ["ResourceNotFound", "InvalidValue"])),
    ])
    p.scenario("scenario/env-create-duplicate", "Creating the same Win32_Environment twice gives AlreadyExists",
               "DSP0226 §7.6", rules=["R23"], vars=env_v, steps=[
        step("create", envelope(header_lines(CREATE), env_instance("one")), ok(),
             asserts=[A(created, count=1)]),
        step("create-again", envelope(header_lines(CREATE), env_instance("one")), fault("wsman:AlreadyExists")),
        step("delete", envelope(header_lines(DELETE, selectors=env_sel)), ok(), asserts=[A(f"count({BODY}/*)", equals="0")]),
    ])
    p.scenario("scenario/env-delete-twice", "Delete of a deleted Win32_Environment faults", "DSP0226 §7.4",
               rules=["R24"], vars=env_v, steps=[
        step("create", envelope(header_lines(CREATE), env_instance("x")), ok()),
        step("delete", envelope(header_lines(DELETE, selectors=env_sel)), ok(), asserts=[A(f"count({BODY}/*)", equals="0")]),
        step("delete-again", envelope(header_lines(DELETE, selectors=env_sel)),
             fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"], ["ResourceNotFound", "InvalidValue"])),
    ])
    p.scenario("scenario/env-put-partial", "Put replaces VariableValue; other keys unchanged", "DSP0226 §7.5",
               vars=env_v, steps=[
        step("create", envelope(header_lines(CREATE), env_instance("alpha")), ok()),
        step("put", envelope(header_lines(PUT, selectors=env_sel), env_instance("beta")), ok(),
             asserts=[A(f"string({BODY}/env:Win32_Environment/env:VariableValue)", equals="beta")]),
        step("get", envelope(header_lines(GET, selectors=env_sel)), ok(),
             asserts=[A(f"string({BODY}/env:Win32_Environment/env:UserName)", equals="<SYSTEM>")]),
        step("delete", envelope(header_lines(DELETE, selectors=env_sel)), ok()),
    ])
    stop_sel = selector_set([("Name", "{{captured.service}}")])
    pick = ("string((" + BODY + "/n:EnumerateResponse/w:Items/svc:Win32_Service[svc:State='Running' and "
            "svc:AcceptStop='true' and svc:Name!='WinRM'])[1]/svc:Name)")
    p.scenario("scenario/service-stop-start", "Invoke StopService -> Get shows Stopped -> StartService -> Running",
               "DSP0226 §7.9", exclusive=True, vars=svc_v, steps=[
        step("pick", enum_env(optimize=True, max_elements=1000), ok(), capture={"service": pick}),
        step("stop", envelope(header_lines("{{svc_uri}}/StopService", selectors=stop_sel),
                              '<c:StopService_INPUT xmlns:c="{{svc_uri}}"/>'),
             ok("{{svc_uri}}/StopServiceResponse"),
             asserts=[A(f"string({BODY}/svc:StopService_OUTPUT/svc:ReturnValue)", equals="0")]),
        step("get-stopped", envelope(header_lines(GET, selectors=stop_sel)), ok(),
             asserts=[A(f"string({BODY}/svc:Win32_Service/svc:State)", equals="Stopped")]),
        step("start", envelope(header_lines("{{svc_uri}}/StartService", selectors=stop_sel),
                               '<c:StartService_INPUT xmlns:c="{{svc_uri}}"/>'),
             ok("{{svc_uri}}/StartServiceResponse"),
             asserts=[A(f"string({BODY}/svc:StartService_OUTPUT/svc:ReturnValue)", equals="0")]),
        step("get-running", envelope(header_lines(GET, selectors=stop_sel)), ok(),
             asserts=[A(f"string({BODY}/svc:Win32_Service/svc:State)", equals="Running")]),
    ])
    p.scenario("scenario/cs-enumerate-then-get", "Get of Win32_ComputerSystem by the Name an Enumerate returned",
               "DSP0226 §7.3", vars={"resource_uri": "{{cs_uri}}"}, steps=[
        step("enumerate", enum_env(optimize=True, max_elements=10), ok(),
             capture={"cs_name": f"string(({BODY}/n:EnumerateResponse/w:Items/cs:Win32_ComputerSystem)[1]/cs:Name)"}),
        step("get", envelope(header_lines(GET, selectors=selector_set([("Name", "{{captured.cs_name}}")]))), ok(),
             asserts=[A(f"string({BODY}/cs:Win32_ComputerSystem/cs:Name)", equals="{{captured.cs_name}}")]),
    ])
    return p


# ================================================================= enumeration

def enumeration():
    p = Profile("enumeration", "WS-Enumeration Enumerate/Pull/Release with the WS-Management extensions",
                vars=dict(COMMON_VARS, resource_uri="{{svc_uri}}"), namespaces=COMMON_NS)
    er = f"{BODY}/n:EnumerateResponse"
    ctx = f"{er}/n:EnumerationContext"
    resources = {"service": "{{svc_uri}}", "os": "{{os_uri}}", "cs": "{{cs_uri}}", "env": "{{env_uri}}"}
    elem = {"service": "svc:Win32_Service", "os": "os:Win32_OperatingSystem", "cs": "cs:Win32_ComputerSystem",
            "env": "env:Win32_Environment"}
    # Win32_Environment is changed by concurrent transfer cases: its enumerations
    # run alone (exclusive), so what they see, and their snapshots, are reproducible.
    shared_state = {"env"}
    for r, uri in resources.items():
        v = {"resource_uri": uri}
        ex = r in shared_state
        p.case(f"enumerate/{r}-basic", f"Enumerate {r} returns an EnumerationContext", "DSP0226 §8.2",
               enum_env(), ok(act(WSEN, "EnumerateResponse")), vars=v, exclusive=ex, rules=["R12"],
               asserts=[A(ctx, count=1)])
        for n in [1, 5, 32000]:
            p.case(f"enumerate/{r}-optimized-{n}", f"Optimized Enumerate of {r} with MaxElements {n}",
                   "DSP0226 §8.2.3", enum_env(optimize=True, max_elements=n), ok(), vars=v, exclusive=ex, rules=["R16", "R12"],
                   asserts=[A(f"{er}/w:Items/*", max=n), A(f"{er}/w:Items/{elem[r]}", min=1)])
        p.case(f"enumerate/{r}-optimized-default", f"Optimized Enumerate of {r} without MaxElements",
               "DSP0226 §8.2.3", enum_env(optimize=True), ok(), vars=v, exclusive=ex, rules=["R16"],
               asserts=[A(f"{er}/w:Items/*", min=1)])
        p.case(f"enumerate/{r}-epr", f"EnumerateEPR of {r} returns EPRs", "DSP0226 §8.2.4",
               enum_env(optimize=True, max_elements=50, mode="EnumerateEPR"), ok(), vars=v, exclusive=ex,
               asserts=[A(f"{er}/w:Items/a:EndpointReference", min=1), A(f"{er}/w:Items/{elem[r]}", count=0),
                        A(f"{er}/w:Items/a:EndpointReference/a:ReferenceParameters/w:ResourceURI", min=1)])
        p.case(f"enumerate/{r}-object-and-epr", f"EnumerateObjectAndEPR of {r} returns wsman:Item", "DSP0226 §8.2.4",
               enum_env(optimize=True, max_elements=50, mode="EnumerateObjectAndEPR"), ok(), vars=v, exclusive=ex, rules=["R17"],
               asserts=[A(f"{er}/w:Items/w:Item", min=1), A(f"{er}/w:Items/w:Item/{elem[r]}", min=1),
                        A(f"{er}/w:Items/w:Item/a:EndpointReference", min=1)])
        p.case(f"enumerate/{r}-estimate", f"Enumerate {r} with RequestTotalItemsCountEstimate", "DSP0226 §8.2.5",
               enum_env(extra_headers=["<w:RequestTotalItemsCountEstimate/>"], optimize=True, max_elements=5), ok(),
               vars=v, exclusive=ex, asserts=[A(f"{HDR}/w:TotalItemsCountEstimate", max=1)])
    for r, uri in {"service": "{{svc_uri}}", "env": "{{env_uri}}"}.items():
        for k, kw in {"no-locale": dict(omit=("Locale", "DataLocale")), "timeout-pt10s": dict(timeout="PT10S"),
                      "max-envelope-512k": dict(max_env="512000")}.items():
            p.case(f"enumerate/{r}-{k}", f"Enumerate {r} ({k})", "DSP0226 §8.2", enum_env(**kw), ok(),
                   vars={"resource_uri": uri}, rules=["R12"], asserts=[A(ctx, count=1)], exclusive=r in shared_state)
    svc = {"resource_uri": "{{svc_uri}}"}
    wql = lambda q: f'<w:Filter Dialect="{WQL}">{q}</w:Filter>'
    p.case("enumerate/wql-select-one", "WQL filter selecting WinRM", "MS-WSMV §3.1.4.8 (WQL)",
           enum_env(optimize=True, max_elements=100, filter=wql("SELECT * FROM Win32_Service WHERE Name = 'WinRM'")),
           ok(), vars=svc, asserts=[A(f"{er}/w:Items/*", count=1), A(f"{er}/w:EndOfSequence", count=1)])
    p.case("enumerate/wql-select-none", "WQL filter matching nothing", "MS-WSMV §3.1.4.8",
           enum_env(optimize=True, max_elements=100, filter=wql("SELECT * FROM Win32_Service WHERE Name = 'HarnessNone'")),
           ok(), vars=svc, asserts=[A(f"{er}/w:Items/*", count=0), A(f"{er}/w:EndOfSequence", count=1)])
    p.case("enumerate/wql-running", "WQL filter on State", "MS-WSMV §3.1.4.8",
           enum_env(optimize=True, max_elements=1000, filter=wql("SELECT * FROM Win32_Service WHERE State = 'Running'")),
           ok(), vars=svc, asserts=[A(f"{er}/w:Items/*", min=1)])
    for k, q in {"syntax": "SELEKT * FROM Win32_Service", "unknown-class": "SELECT * FROM Win32_HarnessNone",
                 "unterminated": "SELECT * FROM Win32_Service WHERE Name = 'WinRM",
                 "unknown-property": "SELECT * FROM Win32_Service WHERE HarnessNone = 1", "empty": ""}.items():
        p.case(f"enumerate/wql-bad-{k}", f"A WQL query that cannot be processed ({k})", "MS-WSMV §3.1.4.8; DSP0226 §8.3",
               enum_env(filter=wql(q)),
               fault(["wsen:CannotProcessFilter", "wsman:CannotProcessFilter"] + (["wsa:DestinationUnreachable"] if k == "unknown-class" else [])),
               vars=svc, rules=["R19"])
    for k, d in {"unknown": "urn:example:harness:dialect", "cql": "http://schemas.dmtf.org/wbem/cql/1/dsp0202.pdf",
                 "xpath": XPATH_DIALECT}.items():
        p.case(f"enumerate/dialect-{k}", f"Filter in a dialect the service does not offer ({k})", "DSP0226 §8.3",
               enum_env(filter=f'<w:Filter Dialect="{d}">x</w:Filter>'),
               fault(["wsen:FilterDialectRequestedUnavailable", "wsman:CannotProcessFilter"]) if k != "unknown"
               else fault("wsen:FilterDialectRequestedUnavailable"), vars=svc, rules=["R18"])
    sel_filter = lambda pairs: (f'<w:Filter Dialect="{SELECTOR_DIALECT}"><w:SelectorSet>' +
                                "".join(f'<w:Selector Name="{n}">{v}</w:Selector>' for n, v in pairs) +
                                "</w:SelectorSet></w:Filter>")
    p.case("enumerate/selector-filter", "Selector filter Name=WinRM", "DSP0226 §8.3 (SelectorFilter)",
           enum_env(optimize=True, max_elements=10, filter=sel_filter([("Name", "WinRM")])),
           {"either": True}, vars=svc, asserts=[])
    p.case("enumerate/selector-filter-bad-key", "Selector filter on a property that is no key", "DSP0226 §8.3",
           enum_env(filter=sel_filter([("HarnessNoKey", "x")])),
           fault(["wsman:CannotProcessFilter", "wsen:FilterDialectRequestedUnavailable"]), vars=svc)
    p.case("enumerate/wsen-filter", "A WS-Enumeration Filter (not wsman:Filter)", "WS-Enumeration §3.1; DSP0226 §8.3",
           enum_env(wsen_filter=f'<n:Filter Dialect="{XPATH_DIALECT}">/</n:Filter>'),
           fault(["wsen:FilteringNotSupported", "wsen:FilterDialectRequestedUnavailable", "wsman:CannotProcessFilter"]), vars=svc)
    p.case("enumerate/filter-without-dialect-wql-default", "wsman:Filter without Dialect", "DSP0226 §8.3",
           enum_env(filter="<w:Filter>SELECT * FROM Win32_Service</w:Filter>"),
           fault(["wsen:FilterDialectRequestedUnavailable", "wsman:CannotProcessFilter", "wsen:CannotProcessFilter"]),
           vars=svc)
    p.case("enumerate/mode-unknown", "An EnumerationMode the service does not know", "DSP0226 §8.2.4",
           enum_env(mode="HarnessEnumerateAll"), fault(["wsman:UnsupportedFeature", "wsman:SchemaValidationError"],
                                                       "EnumerationMode"), vars=svc)
    p.case("enumerate/expires-datetime", "wsen:Expires as an absolute time", "WS-Enumeration §3.1",
           enum_env(expires="2099-01-01T00:00:00Z"),
           fault(["wsen:UnsupportedExpirationType", "wsen:InvalidExpirationTime"]), vars=svc)
    p.case("enumerate/expires-negative", "wsen:Expires that is not a valid time", "WS-Enumeration §3.1",
           enum_env(expires="not-a-time"), fault(["wsen:InvalidExpirationTime", "wsen:UnsupportedExpirationType",
                                                  "wsman:SchemaValidationError"]), vars=svc)
    p.case("enumerate/unknown-class", "Enumerate of a class that does not exist", "DSP0226 §8.2",
           enum_env(), fault("wsa:DestinationUnreachable", ["InvalidResourceURI", "ResourceNotFound"]),
           vars={"resource_uri": "{{missing_uri}}"}, rules=["R5"])
    p.case("enumerate/max-elements-zero", "MaxElements 0", "DSP0226 §8.2.3", enum_env(optimize=True, max_elements=0),
           {"either": True}, vars=svc)
    p.case("enumerate/small-envelope", "Optimized Enumerate of every service within MaxEnvelopeSize 8192",
           "DSP0226 §6.2", enum_env(optimize=True, max_elements=1000, max_env="8192"), {"either": True}, vars=svc,
           rules=["R7"])
    p.case("enumerate/body-garbage", "Enumerate whose body holds an unknown mandatory element", "WS-Enumeration §3.1",
           envelope(header_lines(ENUMERATE), '<n:Enumerate><n:HarnessBogus>1</n:HarnessBogus></n:Enumerate>'),
           {"either": True}, vars=svc)
    p.case("enumerate/no-body", "Enumerate with an empty Body", "WS-Enumeration §3.1",
           envelope(header_lines(ENUMERATE)), fault(["wsman:SchemaValidationError", "wsman:InvalidParameter"]), vars=svc)
    for k, c in {"random-uuid": "uuid:{{uuid}}", "empty": "", "garbage": "not-a-context-{{unique}}"}.items():
        p.case(f"pull/bogus-context-{k}", f"Pull with an EnumerationContext the service never issued ({k})",
               "DSP0226 §8.4", pull_env(context=c),
               fault("wsen:InvalidEnumerationContext"), vars=svc, rules=["R15"])
        p.case(f"release/bogus-context-{k}", f"Release of an EnumerationContext the service never issued ({k})",
               "DSP0226 §8.5", release_env(context=c), fault("wsen:InvalidEnumerationContext"), vars=svc, rules=["R15"])
    p.case("pull/no-context", "Pull without an EnumerationContext", "WS-Enumeration §3.2",
           pull_env(context=None), fault(["wsen:InvalidEnumerationContext", "wsman:SchemaValidationError"]), vars=svc)

    # --- scenarios
    pr = f"{BODY}/n:PullResponse"
    cap = {"context": f"string({ctx})"}
    recap = {"context": f"string({pr}/n:EnumerationContext)"}
    for n in [1, 3, 10, 25, 50]:
        p.scenario(f"scenario/pull-all-{n}", f"Enumerate, Pull {n} at a time to the end", "DSP0226 §8.4",
                   rules=["R12", "R13", "R14"], vars=svc, steps=[
            step("enumerate", enum_env(), ok(), capture=cap, asserts=[A(ctx, count=1)]),
            step("pull", pull_env(max_elements=n), ok(act(WSEN, "PullResponse")),
                 asserts=[A(f"{pr}/n:Items/*", max=n), A(f"{pr}/n:Items/*", min=1)],
                 capture=recap, repeat={"until": f"count({pr}/n:EndOfSequence) > 0", "max": 200}),
        ])
    p.scenario("scenario/pull-release-pull", "Enumerate -> Pull -> Release -> Pull gives InvalidEnumerationContext",
               "DSP0226 §8.5", rules=["R15", "R13"], vars=svc, steps=[
        step("enumerate", enum_env(), ok(), capture=cap),
        step("pull", pull_env(max_elements=2), ok(), asserts=[A(f"{pr}/n:Items/*", max=2),
                                                              A(f"{pr}/n:EndOfSequence", count=0)], capture=recap),
        step("release", release_env(), ok(act(WSEN, "ReleaseResponse")), asserts=[A(f"count({BODY}/*)", equals="0")]),
        step("pull-released", pull_env(max_elements=2), fault("wsen:InvalidEnumerationContext")),
    ])
    p.scenario("scenario/release-twice", "A second Release of the same context faults", "DSP0226 §8.5",
               rules=["R15"], vars=svc, steps=[
        step("enumerate", enum_env(), ok(), capture=cap),
        step("release", release_env(), ok()),
        step("release-again", release_env(), fault("wsen:InvalidEnumerationContext")),
    ])
    p.scenario("scenario/pull-after-end", "A Pull after EndOfSequence faults", "DSP0226 §8.4",
               rules=["R14", "R15"], vars={"resource_uri": "{{os_uri}}"}, steps=[
        step("enumerate", enum_env(), ok(), capture=cap),
        step("pull", pull_env(max_elements=10), ok(), asserts=[A(f"{pr}/n:EndOfSequence", count=1),
                                                               A(f"{pr}/n:Items/os:Win32_OperatingSystem", count=1)]),
        step("pull-ended", pull_env(max_elements=10), fault("wsen:InvalidEnumerationContext")),
    ])
    p.scenario("scenario/optimized-then-pull", "Optimized Enumerate with MaxElements 5, then Pull the rest",
               "DSP0226 §8.2.3", rules=["R16", "R14"], vars=svc, steps=[
        step("enumerate", enum_env(optimize=True, max_elements=5), ok(), capture=cap,
             asserts=[A(f"{er}/w:Items/*", count=5), A(f"{er}/w:EndOfSequence", count=0)]),
        step("pull", pull_env(max_elements=50), ok(), capture=recap,
             repeat={"until": f"count({pr}/n:EndOfSequence) > 0", "max": 100}, asserts=[A(f"{pr}/n:Items/*", max=50)]),
    ])
    p.scenario("scenario/optimized-complete", "Optimized Enumerate that fits in one batch ends the sequence",
               "DSP0226 §8.2.3", rules=["R14", "R16"], vars={"resource_uri": "{{os_uri}}"}, steps=[
        step("enumerate", enum_env(optimize=True, max_elements=10), ok(),
             asserts=[A(f"{er}/w:Items/*", count=1), A(f"{er}/w:EndOfSequence", count=1)]),
    ])
    p.scenario("scenario/epr-then-get", "EnumerateEPR, then Get by the returned selectors", "DSP0226 §8.2.4",
               vars=svc, steps=[
        step("enumerate", enum_env(optimize=True, max_elements=3, mode="EnumerateEPR"), ok(),
             capture={"name": f"string(({er}/w:Items/a:EndpointReference)[1]//w:Selector[@Name='Name'])"}),
        step("get", envelope(header_lines(GET, selectors=selector_set([("Name", "{{captured.name}}")]))), ok(),
             asserts=[A(f"string({BODY}/svc:Win32_Service/svc:Name)", equals="{{captured.name}}")]),
    ])
    p.scenario("scenario/pull-object-and-epr", "EnumerateObjectAndEPR then Pull returns wsman:Item", "DSP0226 §8.2.4",
               rules=["R17"], vars=svc, steps=[
        step("enumerate", enum_env(mode="EnumerateObjectAndEPR"), ok(), capture=cap),
        step("pull", pull_env(max_elements=5), ok(), asserts=[A(f"{pr}/n:Items/w:Item", min=1),
                                                              A(f"{pr}/n:Items/w:Item/svc:Win32_Service", min=1)],
             capture=recap),
        step("release", release_env(), {"either": True}),
    ])
    p.scenario("scenario/wql-pull", "WQL Enumerate then Pull", "MS-WSMV §3.1.4.8", vars=svc, steps=[
        step("enumerate", enum_env(filter=wql("SELECT * FROM Win32_Service WHERE Name = 'WinRM'")), ok(), capture=cap),
        step("pull", pull_env(max_elements=10), ok(), asserts=[A(f"{pr}/n:Items/*", count=1),
                                                               A(f"{pr}/n:EndOfSequence", count=1)]),
    ])
    for n in [2, 7]:
        p.scenario(f"scenario/env-pull-{n}", f"Enumerate Win32_Environment, Pull {n} at a time", "DSP0226 §8.4",
                   rules=["R13", "R14"], vars={"resource_uri": "{{env_uri}}"}, exclusive=True, steps=[
            step("enumerate", enum_env(), ok(), capture=cap),
            step("pull", pull_env(max_elements=n), ok(), capture=recap, asserts=[A(f"{pr}/n:Items/*", max=n)],
                 repeat={"until": f"count({pr}/n:EndOfSequence) > 0", "max": 100}),
        ])
    return p


# ================================================================= eventing

def eventing():
    p = Profile("eventing", "WS-Eventing subscriptions (push, pull, PushWithAck), heartbeats, bookmarks",
                unimplemented_when=["wsa:ActionNotSupported", "wsa:DestinationUnreachable"],
                vars=dict(COMMON_VARS, resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/EventLog",
                          query="<QueryList><Query Id=\"0\"><Select Path=\"Application\">*</Select></Query></QueryList>"),
                namespaces=COMMON_NS)
    sr = f"{BODY}/e:SubscribeResponse"

    def sub(mode="http://schemas.dmtf.org/wbem/wsman/1/wsman/Pull", expires=None, heartbeats=None, bookmark=None,
            notify=True, filter=True, extra_headers=(), notify_to="http://127.0.0.1:1/harness-events"):
        parts = []
        d = f'<e:Delivery Mode="{mode}">'
        if notify and "Pull" not in mode:
            d += f"<e:NotifyTo><a:Address>{notify_to}</a:Address></e:NotifyTo>"
        if heartbeats:
            d += f"<w:Heartbeats>{heartbeats}</w:Heartbeats>"
        d += "</e:Delivery>"
        parts.append(d)
        if expires:
            parts.append(f"<e:Expires>{expires}</e:Expires>")
        if filter:
            parts.append(f'<w:Filter Dialect="{WQL}">SELECT * FROM Win32_NTLogEvent</w:Filter>')
        if bookmark:
            parts.append(bookmark)
        return envelope(header_lines(SUBSCRIBE, extra=list(extra_headers)), "<e:Subscribe>" + "".join(parts) + "</e:Subscribe>")

    p.case("subscribe/pull", "Subscribe in Pull mode returns a SubscriptionManager and context", "DSP0226 §10.2",
           sub(), ok(act(WSE, "SubscribeResponse")), asserts=[A(f"{sr}/e:SubscriptionManager", count=1)])
    p.case("subscribe/push", "Subscribe in Push mode", "DSP0226 §10.2",
           sub(mode="http://schemas.xmlsoap.org/ws/2004/08/eventing/DeliveryModes/Push"),
           fault(["wsman:EventDeliverToUnusable", "wse:DeliveryModeRequestedUnavailable"]))
    p.case("subscribe/push-with-ack", "Subscribe in PushWithAck mode to an unusable address", "DSP0226 §10.2.9",
           sub(mode="http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck"),
           fault(["wsman:EventDeliverToUnusable", "wse:DeliveryModeRequestedUnavailable", "wsman:NoAck"]), rules=["R29"])
    for k, m in {"unknown": "urn:example:harness:mode", "wse-pull-typo": "http://schemas.xmlsoap.org/ws/2004/08/eventing/DeliveryModes/Pul"}.items():
        p.case(f"subscribe/mode-{k}", f"Subscribe with an unsupported delivery mode ({k})", "DSP0226 §10.2.2",
               sub(mode=m), fault("wse:DeliveryModeRequestedUnavailable"), rules=["R26"])
    for k, e in {"negative": "-PT10S", "text": "soon", "past": "2000-01-01T00:00:00Z"}.items():
        p.case(f"subscribe/expires-{k}", f"Subscribe with an invalid Expires ({k})", "DSP0226 §10.2.3",
               sub(expires=e), fault(["wse:InvalidExpirationTime", "wse:UnsupportedExpirationType"]), rules=["R27"])
    p.case("subscribe/heartbeats-invalid", "Subscribe with an invalid Heartbeats", "DSP0226 §10.2.5",
           sub(heartbeats="often"), fault(["wsman:InvalidParameter", "wse:InvalidMessage", "wsman:SchemaValidationError"]))
    p.case("subscribe/bookmark-invalid", "Subscribe with a bookmark the service never issued", "DSP0226 §10.2.6",
           sub(bookmark='<w:Bookmark><q:Junk xmlns:q="urn:example:harness">x</q:Junk></w:Bookmark>'),
           fault("wsman:InvalidBookmark"), rules=["R31"])
    p.case("subscribe/filter-unsupported", "Subscribe with a wse:Filter the service does not support", "DSP0226 §10.2.1",
           envelope(header_lines(SUBSCRIBE), '<e:Subscribe><e:Delivery Mode="http://schemas.dmtf.org/wbem/wsman/1/wsman/Pull"/>'
                                             f'<e:Filter Dialect="{XPATH_DIALECT}">/</e:Filter></e:Subscribe>'),
           fault(["wse:FilteringNotSupported", "wse:FilteringRequestedUnavailable"]))
    p.case("subscribe/unusable-notify-to", "Subscribe Push with a NotifyTo nobody listens on", "MS-WSMV §3.1.4.5",
           sub(mode="http://schemas.xmlsoap.org/ws/2004/08/eventing/DeliveryModes/Push", notify_to="http://192.0.2.1:9/none"),
           fault(["wsman:EventDeliverToUnusable", "wse:DeliveryModeRequestedUnavailable"]))
    for op in ["Renew", "GetStatus", "Unsubscribe"]:
        body = f"<e:{op}/>" if op != "Renew" else "<e:Renew><e:Expires>PT10M</e:Expires></e:Renew>"
        p.case(f"manage/{op.lower()}-unknown", f"{op} of a subscription that does not exist", "DSP0226 §10.4-§10.6",
               envelope(header_lines(act(WSE, op), extra=['<e:Identifier>uuid:{{uuid}}</e:Identifier>']), body),
               fault(["wse:InvalidMessage", "wse:UnableToRenew"]) if op == "Renew" else fault("wse:InvalidMessage"),
               rules=["R28"])
    cap = {"context": f"string({sr}/n:EnumerationContext)",
           "subscription": f"string({sr}/e:SubscriptionManager/a:ReferenceParameters/e:Identifier)"}
    pull = envelope(header_lines(PULL, timeout="PT2S"),
                    "<n:Pull><n:EnumerationContext>{{captured.context}}</n:EnumerationContext><n:MaxElements>5</n:MaxElements></n:Pull>")
    unsub = envelope(header_lines(act(WSE, "Unsubscribe"), extra=["<e:Identifier>{{captured.subscription}}</e:Identifier>"]),
                     "<e:Unsubscribe/>")
    p.scenario("scenario/pull-timeout", "Pull on a quiet subscription times out", "DSP0226 §10.2.9; §6.1",
               rules=["R8"], steps=[
        step("subscribe", sub(), ok(), capture=cap),
        step("pull", pull, fault(["wsman:TimedOut", "wsen:TimedOut"])),
        step("unsubscribe", unsub, ok()),
    ])
    p.scenario("scenario/heartbeats", "A pull subscription with Heartbeats PT1S yields a heartbeat", "DSP0226 §10.2.5",
               rules=["R30"], steps=[
        step("subscribe", sub(heartbeats="PT1S"), ok(), capture=cap),
        step("pull", envelope(header_lines(PULL, timeout="PT3S"),
                              "<n:Pull><n:EnumerationContext>{{captured.context}}</n:EnumerationContext></n:Pull>"),
             {"either": True}, asserts=[A(f"{HDR}/a:Action[contains(., 'Heartbeat')] | {BODY}//w:Heartbeat | {FAULT}", min=1)]),
        step("unsubscribe", unsub, ok()),
    ])
    p.scenario("scenario/renew-then-unsubscribe", "Subscribe -> Renew -> GetStatus -> Unsubscribe -> Renew faults",
               "DSP0226 §10.4-§10.6", rules=["R28"], steps=[
        step("subscribe", sub(expires="PT10M"), ok(), capture=cap),
        step("renew", envelope(header_lines(act(WSE, "Renew"), extra=["<e:Identifier>{{captured.subscription}}</e:Identifier>"]),
                               "<e:Renew><e:Expires>PT20M</e:Expires></e:Renew>"), ok()),
        step("unsubscribe", unsub, ok()),
        step("renew-gone", envelope(header_lines(act(WSE, "Renew"), extra=["<e:Identifier>{{captured.subscription}}</e:Identifier>"]),
                                    "<e:Renew><e:Expires>PT20M</e:Expires></e:Renew>"),
             fault(["wse:InvalidMessage", "wse:UnableToRenew"])),
    ])
    p.scenario("scenario/pull-ack", "A PushWithAck delivery requires an Ack (pull-mode check of wsman:AckRequested)",
               "DSP0226 §10.7", rules=["R29"], steps=[
        step("subscribe", sub(extra_headers=["<w:AckRequested/>"]), ok(), capture=cap),
        step("unsubscribe", unsub, ok()),
    ])
    p.scenario("scenario/pull-max-time", "A Pull whose MaxTime elapses with no event gives wsen:TimedOut",
               "WS-Enumeration §3.2; DSP0226 §10.2.9", rules=["R8"], steps=[
        step("subscribe", sub(), ok(), capture=cap),
        step("pull", envelope(header_lines(PULL, timeout="PT10S"),
                              "<n:Pull><n:EnumerationContext>{{captured.context}}</n:EnumerationContext>"
                              "<n:MaxTime>PT1S</n:MaxTime></n:Pull>"), fault(["wsen:TimedOut", "wsman:TimedOut"])),
        step("unsubscribe", unsub, ok()),
    ])
    p.scenario("scenario/renew-unrenewable", "Renew asking for an expiration the service cannot grant",
               "WS-Eventing §3.2", rules=["R28"], steps=[
        step("subscribe", sub(expires="PT10M"), ok(), capture=cap),
        step("renew", envelope(header_lines(act(WSE, "Renew"), extra=["<e:Identifier>{{captured.subscription}}</e:Identifier>"]),
                               "<e:Renew><e:Expires>P9999Y</e:Expires></e:Renew>"),
             fault(["wse:UnableToRenew", "wse:InvalidExpirationTime"])),
        step("unsubscribe", unsub, ok()),
    ])
    p.case("pull/enumeration-timed-out", "Pull of an unknown event context with a short timeout", "DSP0226 §10.2.9",
           envelope(header_lines(PULL, timeout="PT1S"),
                    "<n:Pull><n:EnumerationContext>uuid:{{uuid}}</n:EnumerationContext></n:Pull>"),
           fault(["wsen:InvalidEnumerationContext", "wsen:TimedOut"]), rules=["R15"])
    return p


# ================================================================= shell

def shell():
    p = Profile("shell", "WinRS remote shell: Create, Command, Send, Receive, Signal, Delete",
                unimplemented_when=["wsa:ActionNotSupported", "wsa:DestinationUnreachable"],
                vars=dict(COMMON_VARS, resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"))
    opts = ('<w:OptionSet><w:Option Name="WINRS_NOPROFILE">TRUE</w:Option>'
            '<w:Option Name="WINRS_CODEPAGE">65001</w:Option></w:OptionSet>')
    create = envelope(header_lines(CREATE, options=opts),
                      "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>")
    shell_sel = selector_set([("ShellId", "{{captured.shell}}")])
    cr = f"{BODY}/x:ResourceCreated"
    cap = {"shell": f"string({cr}//w:Selector[@Name='ShellId'])"}
    cmd_opts = '<w:OptionSet><w:Option Name="WINRS_CONSOLEMODE_STDIN">TRUE</w:Option><w:Option Name="WINRS_SKIP_CMD_SHELL">FALSE</w:Option></w:OptionSet>'

    def command(cmd, args=()):
        a = "".join(f"<rsp:Arguments>{x}</rsp:Arguments>" for x in args)
        return envelope(header_lines(f"{RSP}/Command", selectors=shell_sel, options=cmd_opts),
                        f"<rsp:CommandLine><rsp:Command>{cmd}</rsp:Command>{a}</rsp:CommandLine>")

    def receive(timeout="PT20S", command_id="{{captured.command}}"):
        return envelope(header_lines(f"{RSP}/Receive", selectors=shell_sel, timeout=timeout),
                        f'<rsp:Receive><rsp:DesiredStream CommandId="{command_id}">stdout stderr</rsp:DesiredStream></rsp:Receive>')

    def signal(code="terminate"):
        return envelope(header_lines(f"{RSP}/Signal", selectors=shell_sel),
                        f'<rsp:Signal CommandId="{{{{captured.command}}}}"><rsp:Code>{RSP}/signal/{code}</rsp:Code></rsp:Signal>')

    delete = envelope(header_lines(DELETE, selectors=shell_sel))
    cmd_cap = {"command": f"string({BODY}/rsp:CommandResponse/rsp:CommandId)"}
    rr = f"{BODY}/rsp:ReceiveResponse"
    done = f"count({rr}/rsp:CommandState[@State='{RSP}/CommandState/Done']) > 0"
    p.scenario("scenario/echo", "Create shell -> Command echo -> Receive until Done -> Signal -> Delete",
               "MS-WSMV §3.1.4.11-§3.1.4.14", headers=["+wsman:OptionSet"], steps=[
        step("create", create, ok(act(WXF, "CreateResponse")), capture=cap,
             asserts=[A(f"{cr}//w:Selector[@Name='ShellId']", count=1)]),
        step("command", command("echo", ["harness"]), ok(f"{RSP}/CommandResponse"), capture=cmd_cap,
             asserts=[A(f"{BODY}/rsp:CommandResponse/rsp:CommandId", count=1)]),
        step("receive", receive(), ok(f"{RSP}/ReceiveResponse"), repeat={"until": done, "max": 20},
             asserts=[A(f"{rr}/rsp:Stream | {rr}/rsp:CommandState", min=1)]),
        step("signal", signal(), ok(f"{RSP}/SignalResponse")),
        step("delete", delete, ok(act(WXF, "DeleteResponse"))),
    ])
    p.scenario("scenario/exit-code", "A command's exit code comes back on the Done state", "MS-WSMV §3.1.4.14",
               steps=[
        step("create", create, ok(), capture=cap),
        step("command", command("exit", ["3"]), ok(), capture=cmd_cap),
        step("receive", receive(), ok(), repeat={"until": done, "max": 20}),
        step("delete", delete, ok()),
    ])
    p.scenario("scenario/receive-timeout", "Receive on a command waiting for stdin times out", "DSP0226 §6.1; MS-WSMV §3.1.4.14",
               rules=["R8"], steps=[
        step("create", create, ok(), capture=cap),
        step("command", command("more"), ok(), capture=cmd_cap),
        step("receive", receive(timeout="PT1S"), fault("wsman:TimedOut", code="s:Receiver")),
        step("signal", signal(), ok()),
        step("delete", delete, ok()),
    ])
    p.scenario("scenario/send-stdin", "Send stdin to a command and read it back", "MS-WSMV §3.1.4.13", steps=[
        step("create", create, ok(), capture=cap),
        step("command", command("more"), ok(), capture=cmd_cap),
        step("send", envelope(header_lines(f"{RSP}/Send", selectors=shell_sel),
                              '<rsp:Send><rsp:Stream Name="stdin" CommandId="{{captured.command}}" End="true">aGFybmVzcw0K</rsp:Stream></rsp:Send>'),
             ok(f"{RSP}/SendResponse")),
        step("receive", receive(), ok(), repeat={"until": done, "max": 20}),
        step("delete", delete, ok()),
    ])
    p.scenario("scenario/delete-twice", "Deleting a deleted shell faults", "MS-WSMV §3.1.4.1", steps=[
        step("create", create, ok(), capture=cap),
        step("delete", delete, ok()),
        step("delete-again", delete, fault(["wsman:InvalidSelectors", "wsa:DestinationUnreachable"])),
    ])
    p.scenario("scenario/unknown-command-id", "Receive for a CommandId the shell never issued", "MS-WSMV §3.1.4.14",
               steps=[
        step("create", create, ok(), capture=cap),
        step("receive", receive(command_id="{{uuid}}"), fault(["wsman:InvalidSelectors", "wsman:InvalidParameter"])),
        step("delete", delete, ok()),
    ])
    bogus_sel = selector_set([("ShellId", "{{uuid}}")])
    p.case("command/unknown-shell", "Command in a shell that does not exist", "MS-WSMV §3.1.4.12",
           envelope(header_lines(f"{RSP}/Command", selectors=bogus_sel),
                    "<rsp:CommandLine><rsp:Command>echo</rsp:Command></rsp:CommandLine>"),
           fault(["wsman:InvalidSelectors", "wsa:DestinationUnreachable"]), rules=["R6"])
    p.case("delete/unknown-shell", "Delete of a shell that does not exist", "MS-WSMV §3.1.4.1",
           envelope(header_lines(DELETE, selectors=bogus_sel)),
           fault(["wsman:InvalidSelectors", "wsa:DestinationUnreachable"]), rules=["R6"])
    p.case("command/no-selector", "Command without a ShellId", "MS-WSMV §3.1.4.12",
           envelope(header_lines(f"{RSP}/Command"), "<rsp:CommandLine><rsp:Command>echo</rsp:Command></rsp:CommandLine>"),
           fault("wsman:InvalidSelectors", "InsufficientSelectors"), rules=["R6", "R20"])
    p.case("create/bad-body", "Create shell with a body that is not rsp:Shell", "MS-WSMV §3.1.4.1",
           envelope(header_lines(CREATE), '<q:NotAShell xmlns:q="urn:example:harness"/>'),
           fault(["wxf:InvalidRepresentation", "wsman:SchemaValidationError"]), rules=["R21"])
    p.case("create/codepage-mustcomply", "Create shell with an unsupported option marked MustComply", "MS-WSMV §3.1.4.1",
           envelope(header_lines(CREATE, options='<w:OptionSet><w:Option Name="HARNESS_BOGUS" MustComply="true">1</w:Option></w:OptionSet>'),
                    "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams></rsp:Shell>"),
           fault("wsman:InvalidOptions"), rules=["R11"], headers=["-wsman:OptionSet"])
    return p


# ================================================================= ipmi

def ipmi():
    p = Profile("ipmi", "The IPMI provider (root/hardware classes backed by the BMC simulator)",
                unimplemented_when=["wsa:DestinationUnreachable"],
                vars=dict(COMMON_VARS, hw=HW, resource_uri="{{hw}}/CIM_NumericSensor"))
    classes = ["CIM_ComputerSystem", "CIM_NumericSensor", "CIM_Sensor", "CIM_RecordLog", "CIM_LogRecord", "CIM_Account",
               "CIM_AdminDomain"]
    er = f"{BODY}/n:EnumerateResponse"
    for c in classes:
        v = {"resource_uri": "{{hw}}/" + c}
        slug = c.split("_", 1)[1].lower()
        p.case(f"enumerate/{slug}", f"Enumerate {c}", "DSP0226 §8.2", enum_env(), ok(), vars=v, rules=["R12"],
               asserts=[A(f"{er}/n:EnumerationContext", count=1)])
        p.case(f"enumerate/{slug}-optimized", f"Optimized Enumerate of {c}", "DSP0226 §8.2.3",
               enum_env(optimize=True, max_elements=100), ok(), vars=v, rules=["R16"],
               asserts=[A(f"{er}/w:Items/*", min=1), A(f"{er}/w:Items/*", max=100)])
        p.case(f"enumerate/{slug}-epr", f"EnumerateEPR of {c}", "DSP0226 §8.2.4",
               enum_env(optimize=True, max_elements=100, mode="EnumerateEPR"), ok(), vars=v,
               asserts=[A(f"{er}/w:Items/a:EndpointReference", min=1)])
        p.case(f"get/{slug}-no-selectors", f"Get of {c} without selectors", "DSP0226 §7.3",
               get_env(), fault("wsman:InvalidSelectors", "InsufficientSelectors"), vars=v, rules=["R20"])
    cap_epr = f"({er}/w:Items/a:EndpointReference)[1]/a:ReferenceParameters/w:SelectorSet"
    p.scenario("scenario/sensor-epr-get", "EnumerateEPR of CIM_NumericSensor then Get by its selectors", "DSP0226 §7.3",
               vars={"resource_uri": "{{hw}}/CIM_NumericSensor"}, steps=[
        step("enumerate", enum_env(optimize=True, max_elements=1, mode="EnumerateEPR"), ok(),
             capture={"dev": f"string({cap_epr}/w:Selector[@Name='DeviceID'])",
                      "scn": f"string({cap_epr}/w:Selector[@Name='SystemCreationClassName'])",
                      "sn": f"string({cap_epr}/w:Selector[@Name='SystemName'])",
                      "ccn": f"string({cap_epr}/w:Selector[@Name='CreationClassName'])"}),
        step("get", get_env(selectors=[("CreationClassName", "{{captured.ccn}}"), ("DeviceID", "{{captured.dev}}"),
                                       ("SystemCreationClassName", "{{captured.scn}}"), ("SystemName", "{{captured.sn}}")]),
             ok(), asserts=[A(f"string({BODY}/*/*[local-name()='DeviceID'])", equals="{{captured.dev}}"),
                            A(f"{BODY}/*/*[local-name()='CurrentReading']", count=1)]),
    ])
    p.scenario("scenario/log-pull", "Enumerate CIM_LogRecord and Pull to the end", "DSP0226 §8.4",
               rules=["R13", "R14"], vars={"resource_uri": "{{hw}}/CIM_LogRecord"}, steps=[
        step("enumerate", enum_env(), ok(), capture={"context": f"string({er}/n:EnumerationContext)"}),
        step("pull", pull_env(max_elements=4), ok(), asserts=[A(f"{BODY}/n:PullResponse/n:Items/*", max=4)],
             capture={"context": f"string({BODY}/n:PullResponse/n:EnumerationContext)"},
             repeat={"until": f"count({BODY}/n:PullResponse/n:EndOfSequence) > 0", "max": 200}),
    ])
    p.case("get/sensor-bad-selector", "Get of CIM_NumericSensor with an unknown selector", "DSP0226 §9.2",
           get_env(selectors=[("HarnessKey", "1")]), fault("wsman:InvalidSelectors", ["UnexpectedSelectors", "InsufficientSelectors"]),
           rules=["R6"])
    p.case("get/sensor-nonexistent", "Get of a CIM_NumericSensor that does not exist", "DSP0226 §7.3",
           get_env(selectors=[("CreationClassName", "CIM_NumericSensor"), ("DeviceID", "harness-none"),
                              ("SystemCreationClassName", "CIM_ComputerSystem"), ("SystemName", "harness-none")]),
           fault(["wsa:DestinationUnreachable", "wsman:InvalidSelectors"]))
    p.case("put/sensor-read-only", "Put on a sensor reading", "DSP0226 §7.5",
           envelope(header_lines(PUT, selectors=selector_set([("DeviceID", "x")])),
                    '<c:CIM_NumericSensor xmlns:c="{{resource_uri}}"><c:CurrentReading>1</c:CurrentReading></c:CIM_NumericSensor>'),
           fault(["wsa:ActionNotSupported", "wxf:InvalidRepresentation", "wsman:InvalidSelectors"]), rules=["R22"])
    p.case("invoke/unknown-method", "Invoke of a method CIM_ComputerSystem does not have", "DSP0226 §7.9",
           envelope(header_lines("{{hw}}/CIM_ComputerSystem/HarnessNoSuchMethod"),
                    '<c:HarnessNoSuchMethod_INPUT xmlns:c="{{hw}}/CIM_ComputerSystem"/>'),
           fault("wsa:ActionNotSupported"), vars={"resource_uri": "{{hw}}/CIM_ComputerSystem"}, rules=["R4"])
    return p


def main():
    total = 0
    for make in [core, transfer, enumeration, eventing, shell, ipmi]:
        prof = make()
        n = prof.write()
        print(f"{prof.name}: {n} cases")
        total += n
    print(f"total: {total} cases")


if __name__ == "__main__":
    main()
