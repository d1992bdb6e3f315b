"""WinRS through real clients, beyond ../shared/peers/accept_winrm.py.

Run by .ci/run against `wsman-harness serve` (the project's venv holds pywinrm
and pypsrp):

    python .ci/interop_winrs.py --url http://127.0.0.1:PORT/wsman --user U --password P

Checks: pywinrm run_ps of a script with a variable and arithmetic; pywinrm
run_cmd of an unknown command (cmd's "is not recognized" on stderr, exit 1);
pywinrm run_cmd with arguments and an exit code; pypsrp WinRS Process with
stdin sent in two chunks and read back; pypsrp execute_cmd with an
environment variable. Prints PASS/FAIL per check; exits 1 on any failure.
"""

import argparse
import sys
import traceback
from urllib.parse import urlparse


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    args = ap.parse_args()

    import winrm
    from pypsrp.shell import Process, WinRS
    from pypsrp.wsman import WSMan
    from pypsrp.client import Client

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
            traceback.print_exc(limit=2, file=sys.stderr)

    session = winrm.Session(args.url, auth=(args.user, args.password), transport="basic")

    def run_ps_arithmetic():
        r = session.run_ps('$a = 6; $b = 7; Write-Output "product: $($a * $b)"; Write-Output ($a + $b)')
        out = r.std_out.decode()
        assert r.status_code == 0, f"status {r.status_code}, stderr {r.std_err!r}"
        assert "product: 42" in out and "13" in out, f"stdout {out!r}"

    def run_ps_exit_code():
        r = session.run_ps("Write-Output 'before'; exit 4")
        assert r.status_code == 4, f"status {r.status_code}"
        assert "before" in r.std_out.decode(), f"stdout {r.std_out!r}"

    def unknown_command():
        r = session.run_cmd("frobnicate", ["--now"])
        err = r.std_err.decode()
        assert r.status_code != 0, "an unknown command succeeded"
        assert "is not recognized as an internal or external command" in err, f"stderr {err!r}"

    def cmd_exit_code():
        r = session.run_cmd("echo", ["one", "two", "&&", "exit", "/b", "9"])
        assert r.status_code == 9, f"status {r.status_code}"
        assert r.std_out.decode().strip() == "one two", f"stdout {r.std_out!r}"

    wsman = WSMan(u.hostname, port=u.port, path=u.path.lstrip("/"), ssl=False, auth="basic", encryption="never",
                  username=args.user, password=args.password, operation_timeout=5)

    def pypsrp_stdin():
        with WinRS(wsman) as shell:
            process = Process(shell, "more")
            process.begin_invoke()
            process.send(b"first line\r\n", end=False)
            process.send(b"second line\r\n", end=True)
            process.end_invoke()
            out = process.stdout.decode()
            assert process.rc == 0, f"rc {process.rc}"
            assert out.replace("\r\n", "\n") == "first line\nsecond line\n", f"stdout {out!r}"
            process.signal("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate")

    def pypsrp_environment():
        client = Client(u.hostname, port=u.port, path=u.path.lstrip("/"), ssl=False, auth="basic", encryption="never",
                        username=args.user, password=args.password)
        out, err, rc = client.execute_cmd("echo %GREETING%", environment={"GREETING": "hello from env"})
        assert rc == 0 and out.strip() == "hello from env", f"rc {rc} stdout {out!r} stderr {err!r}"

    check("pywinrm.run_ps_arithmetic", run_ps_arithmetic)
    check("pywinrm.run_ps_exit_code", run_ps_exit_code)
    check("pywinrm.unknown_command", unknown_command)
    check("pywinrm.cmd_exit_code", cmd_exit_code)
    check("pypsrp.process_stdin", pypsrp_stdin)
    check("pypsrp.execute_cmd_environment", pypsrp_environment)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
