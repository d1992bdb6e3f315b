"""Negotiate (NTLM) with WinRM message encryption through real clients.

Run by .ci/run against `wsman-harness serve` started over plain HTTP WITHOUT
--allow-unencrypted (the project's venv holds pywinrm and pypsrp):

    python .ci/peers_negotiate.py --url http://127.0.0.1:PORT/wsman --user U --password P

Checks: pywinrm transport='ntlm' (its default message_encryption, which
encrypts over http) runs a command (run_cmd) and a WQL-free enumeration
(an optimized Enumerate of Win32_Service built with its protocol's
build_wsman_header and sent with send_message); pypsrp
auth='negotiate' (SPNEGO, default encryption) runs Client.execute_cmd and an
enumeration; both are refused with a wrong password; pywinrm with
message_encryption='never' is refused (a plain body after Negotiate).
Prints PASS/FAIL per check; exits 1 on any failure.
"""

import argparse
import sys
import traceback
from urllib.parse import urlparse

SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    args = ap.parse_args()

    import winrm
    from winrm.exceptions import InvalidCredentialsError, WinRMTransportError
    from pypsrp.client import Client
    from pypsrp.wsman import WSMan
    from pypsrp.exceptions import AuthenticationError

    u = urlparse(args.url)
    results = []

    def check(name, fn):
        try:
            fn()
            results.append(True)
            print(f"PASS {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            results.append(False)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3, file=sys.stderr)

    def pywinrm_session(password, **kw):
        return winrm.Session(args.url, auth=(args.user, password), transport="ntlm", **kw)

    def pywinrm_run_cmd():
        s = pywinrm_session(args.password)
        assert s.protocol.transport.message_encryption == "auto"
        r = s.run_cmd("echo", ["sealed", "hello"])
        assert r.status_code == 0, f"status {r.status_code}, stderr {r.std_err!r}"
        assert b"sealed hello" in r.std_out, f"stdout {r.std_out!r}"
        assert s.protocol.transport.encryption is not None, "pywinrm did not encrypt"

    def pywinrm_enumerate():
        s = pywinrm_session(args.password)
        p = s.protocol
        env = p.build_wsman_header(action="http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", resource_uri=SERVICE)
        msg = {"env:Envelope": env}
        env["env:Body"] = {"n:Enumerate": {"w:OptimizeEnumeration": None, "w:MaxElements": "5"}}
        env["@xmlns:n"] = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
        import xmltodict

        res = p.send_message(xmltodict.unparse(msg))
        text = res.decode() if isinstance(res, bytes) else res
        assert "EnumerateResponse" in text and "Win32_Service" in text, text[:400]
        assert p.transport.encryption is not None, "pywinrm did not encrypt"

    def pywinrm_wrong_password():
        try:
            pywinrm_session(args.password + "-wrong").run_cmd("echo", ["x"])
        except InvalidCredentialsError:
            return
        raise AssertionError("a wrong password was accepted")

    def pywinrm_unencrypted_refused():
        try:
            pywinrm_session(args.password, message_encryption="never").run_cmd("echo", ["x"])
        except (WinRMTransportError, InvalidCredentialsError) as e:
            assert "400" in str(e) or isinstance(e, InvalidCredentialsError), str(e)
            return
        raise AssertionError("an unencrypted body after Negotiate was accepted without AllowUnencrypted")

    def pypsrp_wsman(password):
        return WSMan(u.hostname, port=u.port, path=u.path.lstrip("/"), ssl=False, auth="negotiate",
                     username=args.user, password=password, cert_validation=False)

    def pypsrp_execute_cmd():
        with Client(u.hostname, port=u.port, path=u.path.lstrip("/"), ssl=False, auth="negotiate",
                    username=args.user, password=args.password, cert_validation=False) as c:
            out, err, rc = c.execute_cmd("echo negotiated")
            assert rc == 0, f"rc {rc}, stderr {err!r}"
            assert "negotiated" in out, f"stdout {out!r}"
            assert c.wsman.transport.encryption is not None, "pypsrp did not encrypt"

    def pypsrp_enumerate():
        from pypsrp.wsman import SelectorSet  # noqa: F401 - imported to show the API in use
        import xml.etree.ElementTree as ET

        w = pypsrp_wsman(args.password)
        body = ET.Element("{http://schemas.xmlsoap.org/ws/2004/09/enumeration}Enumerate")
        ET.SubElement(body, "{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}OptimizeEnumeration")
        mx = ET.SubElement(body, "{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}MaxElements")
        mx.text = "5"
        res = w.enumerate(SERVICE, body)
        text = ET.tostring(res).decode()
        assert "Win32_Service" in text, text[:400]
        assert w.transport.encryption is not None, "pypsrp did not encrypt"

    def pypsrp_wrong_password():
        try:
            pypsrp_wsman(args.password + "-wrong").enumerate(SERVICE)
        except AuthenticationError:
            return
        raise AssertionError("a wrong password was accepted")

    check("pywinrm.ntlm.run_cmd_encrypted", pywinrm_run_cmd)
    check("pywinrm.ntlm.enumerate_encrypted", pywinrm_enumerate)
    check("pywinrm.ntlm.wrong_password_refused", pywinrm_wrong_password)
    check("pywinrm.ntlm.unencrypted_body_refused", pywinrm_unencrypted_refused)
    check("pypsrp.negotiate.execute_cmd_encrypted", pypsrp_execute_cmd)
    check("pypsrp.negotiate.enumerate_encrypted", pypsrp_enumerate)
    check("pypsrp.negotiate.wrong_password_refused", pypsrp_wrong_password)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
