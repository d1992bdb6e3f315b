use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

fn host() -> Host {
    Host { machine: "WIN-REF01".to_string(), domain: "WIN-REF01".to_string(), user: "Alice".to_string(), os_version: "10.0.20348".to_string() }
}

fn start(launch: &Launch, now: Instant) -> Command {
    Command::new(launch, &host(), FsTree::for_user("Alice"), now).expect("launch")
}

/// Runs a command line with `stdin` (closed) and polls once: (stdout, stderr, exit code).
fn run_with(command: &str, args: &[&str], stdin: &[u8]) -> (String, String, u32) {
    let now = Instant::now();
    let mut c = start(&Launch::new(command, args), now);
    c.send_stdin(stdin, true).expect("stdin");
    let out = c.poll(now + Duration::from_secs(3600));
    let CommandState::Done { exit_code } = out.state else { panic!("still running: {out:?}") };
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), exit_code)
}

fn run(line: &str) -> (String, String, u32) {
    run_with(line, &[], b"")
}

fn b64_utf16(script: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[test]
fn echo_forms() {
    assert_eq!(run("echo hello world"), ("hello world\r\n".into(), String::new(), 0));
    assert_eq!(run("echo.").0, "\r\n");
    assert_eq!(run("echo").0, "ECHO is on.\r\n");
    assert_eq!(run("echo off").0, "");
    assert_eq!(run("@echo \"a & b\"").0, "\"a & b\"\r\n");
    assert_eq!(run("echo a^&b").0, "a&b\r\n");
    // As cmd: the space before `&` belongs to the first echo.
    assert_eq!(run("echo a & echo b").0, "a \r\nb\r\n");
}

#[test]
fn cmd_c_prefix_and_arguments() {
    assert_eq!(run_with("cmd", &["/c", "echo", "hi"], b"").0, "hi\r\n");
    assert_eq!(run("cmd.exe /s /c \"echo one&&echo two\"").0, "one\r\ntwo\r\n");
    assert_eq!(run("cmd /c exit /b 3 & echo after").2, 0, "the nested cmd's exit ends only that level");
    assert_eq!(run("cmd /c exit /b 3").2, 3);
}

#[test]
fn chaining_follows_exit_codes() {
    assert_eq!(run("nosuch && echo yes || echo no").0, "no\r\n");
    assert_eq!(run("ver >nul || echo no && echo yes").0.lines().last(), Some("yes"));
    assert_eq!(run("echo a&& echo b").0, "a\r\nb\r\n");
    assert_eq!(run("exit /b 5 & echo never"), (String::new(), String::new(), 5));
    assert_eq!(run("exit /b -1").2, u32::MAX);
    assert_eq!(run("exit 7").2, 7);
}

#[test]
fn variables_expand_once_per_line() {
    assert_eq!(run("echo %USERNAME% on %COMPUTERNAME%").0, "Alice on WIN-REF01\r\n");
    assert_eq!(run("echo %NOSUCH%").0, "%NOSUCH%\r\n");
    assert_eq!(run("set X=1 & echo %X%").0, "%X%\r\n", "expansion happens before the line runs");
    assert_eq!(run("set X=1 & cmd /c echo %X%").0, "1\r\n", "a nested cmd expands its own line, later");
    assert_eq!(run("set X=1& cmd /c \"echo %^X%\"").0, "%X%\r\n");
    let launch = Launch { environment: vec![("GREETING".into(), "hey".into())], ..Launch::new("echo %greeting% 100%", &[]) };
    let mut c = start(&launch, Instant::now());
    assert_eq!(c.poll(Instant::now()).stdout, b"hey 100%\r\n");
}

#[test]
fn interactive_cmd_reads_lines_from_stdin() {
    let now = Instant::now();
    let mut c = start(&Launch::new("cmd", &[]), now);
    let banner = c.poll(now);
    assert_eq!(banner.stdout, b"Microsoft Windows [Version 10.0.20348]\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Users\\Alice>");
    assert_eq!(banner.state, CommandState::Running);
    c.send_stdin(b"cd desk", false).unwrap();
    assert_eq!(c.poll(now).stdout, b"", "half a line runs nothing");
    c.send_stdin(b"top\r\necho %CD%\n", false).unwrap();
    assert_eq!(
        String::from_utf8(c.poll(now).stdout).unwrap(),
        "cd desktop\r\n\r\nC:\\Users\\Alice\\Desktop>echo %CD%\r\nC:\\Users\\Alice\\Desktop\r\n\r\nC:\\Users\\Alice\\Desktop>"
    );
    c.send_stdin(b"nosuch\nexit /b 4\necho never\n", true).unwrap();
    let out = c.poll(now);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("'nosuch' is not recognized"));
    assert_eq!(out.state, CommandState::Done { exit_code: 4 });
    let (out, _, code) = run_with("cmd", &[], b"@echo off\nver\n");
    assert!(out.ends_with(">@echo off\r\n\r\nMicrosoft Windows [Version 10.0.20348]\r\n"), "{out}");
    assert_eq!(code, 0);
}

#[test]
fn redirections_route_streams() {
    // As recorded from a real host: the spaces before `&&` stay in the output.
    assert_eq!(run_with("cmd.exe", &["/c echo out && echo err>&2 && exit 1"], b""), ("out \r\n".into(), "err \r\n".into(), 1));
    assert_eq!(
        run("nosuch 2>&1"),
        ("'nosuch' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n".into(), String::new(), 1)
    );
    assert_eq!(run("nosuch 2>nul"), (String::new(), String::new(), 1));
    assert_eq!(run("echo one>x.txt& echo two>>x.txt& type x.txt"), ("one\r\ntwo\r\n".into(), String::new(), 0));
    assert_eq!(run("echo one>x.txt& echo two>x.txt& type x.txt").0, "two\r\n");
    assert_eq!(run("sort < hello.txt").0, "Hello from the simulated host.\r\n");
    assert_eq!(run("echo a > \\nowhere\\f.txt").1, "The system cannot find the path specified.\r\n");
    assert_eq!(run("echo \"a>b\"").0, "\"a>b\"\r\n", "quoted > is text");
    assert_eq!(run("echo 12>x.txt& type x.txt").0, "12\r\n", "a digit not after a space is text");
    let (out, _, _) = run_with("ping -n 2 localhost >nul & echo done", &[], b"");
    assert_eq!(out, "done\r\n");
}

#[test]
fn self_nesting_lines_end() {
    let (_, err, code) = run("set X=cmd /c %X%& cmd /c %X%");
    assert_eq!(code, 1);
    assert!(err.ends_with("The nesting of cmd /c is too deep.\r\n"), "{err}");
    let (out, _, _) = run("ping -n 4294967295 localhost | findstr /c Reply");
    assert_eq!(out.lines().count(), 1000);
}

#[test]
fn set_lists_and_changes() {
    let (out, _, code) = run("set USER");
    assert_eq!(code, 0);
    assert_eq!(out, "USERDOMAIN=WIN-REF01\r\nUSERNAME=Alice\r\nUSERPROFILE=C:\\Users\\Alice\r\n");
    assert_eq!(run("set ZZ"), (String::new(), "Environment variable ZZ not defined\r\n".into(), 1));
    assert!(run("set Z1=v & set").0.contains("\r\nZ1=v\r\n"));
    assert!(!run("set Z1=v & set Z1= & set").0.contains("Z1="));
}

#[test]
fn ver_hostname_whoami() {
    assert_eq!(run("ver").0, "\r\nMicrosoft Windows [Version 10.0.20348]\r\n");
    assert_eq!(run("hostname").0, "WIN-REF01\r\n");
    assert_eq!(run("whoami.exe").0, "win-ref01\\alice\r\n");
}

#[test]
fn unknown_command_is_answered_as_cmd_does() {
    let (out, err, code) = run("frobnicate --now");
    assert_eq!(out, "");
    assert_eq!(err, "'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n");
    assert_eq!(code, 1);
}

#[test]
fn cd_and_dir_walk_the_tree() {
    assert_eq!(run("cd").0, "C:\\Users\\Alice\r\n");
    assert_eq!(run("cd desktop & cd").0, "C:\\Users\\Alice\\Desktop\r\n");
    assert_eq!(run("cd.. & cd").0, "C:\\Users\r\n");
    assert_eq!(run("cd /d C:\\nowhere"), (String::new(), "The system cannot find the path specified.\r\n".into(), 1));
    assert_eq!(run("dir /b").0, "Desktop\r\nDocuments\r\nhello.txt\r\n");
    let (out, _, code) = run("dir");
    assert_eq!(code, 0);
    assert!(out.starts_with(" Volume in drive C has no label.\r\n"), "{out}");
    assert!(out.contains(" Directory of C:\\Users\\Alice\r\n\r\n"), "{out}");
    assert!(out.contains("01/01/2026  12:00 AM    <DIR>          Desktop\r\n"), "{out}");
    assert!(out.contains("01/01/2026  12:00 AM                32 hello.txt\r\n"), "{out}");
    assert!(out.contains("               1 File(s)             32 bytes\r\n"), "{out}");
    assert!(out.contains("               4 Dir(s)  107,374,182,400 bytes free\r\n"), "{out}");
    assert_eq!(run("dir nowhere").1, "File Not Found\r\n");
    let wd = Launch { working_directory: Some("C:\\Windows".into()), ..Launch::new("cd", &[]) };
    assert_eq!(start(&wd, Instant::now()).poll(Instant::now()).stdout, b"C:\\Windows\r\n");
    let bad = Launch { working_directory: Some("C:\\nope".into()), ..Launch::new("cd", &[]) };
    assert!(matches!(Command::new(&bad, &host(), FsTree::default(), Instant::now()), Err(LaunchError::WorkingDirectoryNotFound(_))));
}

#[test]
fn type_reads_files_and_con_reads_stdin() {
    assert_eq!(run("type hello.txt").0, "Hello from the simulated host.\r\n");
    assert_eq!(run("type nothere.txt"), (String::new(), "The system cannot find the file specified.\r\n".into(), 1));
    assert_eq!(run_with("type", &["con"], b"raw\nbytes\x00\xff").0.as_bytes(), "raw\nbytes\u{0}\u{fffd}".as_bytes());
}

#[test]
fn stdin_readers_wait_for_end() {
    let now = Instant::now();
    let mut c = start(&Launch::new("sort", &[]), now);
    c.send_stdin(b"pear\r\nApple\n", false).unwrap();
    let first = c.poll(now);
    assert_eq!((first.stdout.as_slice(), first.state), (&b""[..], CommandState::Running));
    assert_eq!(c.next_wakeup(), None, "waiting for stdin, not for time");
    c.send_stdin(b"fig", true).unwrap();
    let out = c.poll(now);
    assert_eq!(out.stdout, b"Apple\r\nfig\r\npear\r\n");
    assert_eq!(out.state, CommandState::Done { exit_code: 0 });
    assert_eq!(c.send_stdin(b"late", true), Ok(()), "stdin to an ended process is dropped");
    assert_eq!(c.poll(now).stdout, b"");
}

#[test]
fn pause_waits_for_a_key() {
    let now = Instant::now();
    let mut c = start(&Launch::new("pause & echo go", &[]), now);
    let first = c.poll(now);
    assert_eq!((first.stdout.as_slice(), first.state), (&b"Press any key to continue . . . "[..], CommandState::Running));
    c.send_stdin(b"xy", false).unwrap();
    let out = c.poll(now);
    assert_eq!(out.stdout, b"\r\ngo\r\n");
    assert_eq!(out.state, CommandState::Done { exit_code: 0 });
    assert_eq!(run("timeout /t 5").2, 1);
}

#[test]
fn send_after_end_is_an_error() {
    let mut c = start(&Launch::new("more", &[]), Instant::now());
    c.send_stdin(b"a", true).unwrap();
    assert_eq!(c.send_stdin(b"b", false), Err(SendError::AfterEnd));
}

#[test]
fn findstr_filters_lines_and_reports_no_match() {
    assert_eq!(run_with("findstr", &["/i", "AP"], b"apple\npear\r\ngrape"), ("apple\r\ngrape\r\n".into(), String::new(), 0));
    assert_eq!(run_with("findstr", &["/v", "a"], b"apple\nfig\n").0, "fig\r\n");
    assert_eq!(run_with("findstr", &["zzz"], b"apple\n").2, 1);
    assert_eq!(run("echo one two| findstr two").0, "one two\r\n");
    assert_eq!(run("dir /b | sort | findstr .txt").0, "hello.txt\r\n");
}

#[test]
fn ping_streams_one_reply_per_second() {
    let t0 = Instant::now();
    let mut c = start(&Launch::new("ping", &["-n", "3", "localhost"]), t0);
    assert_eq!(c.next_wakeup(), Some(t0));
    let first = String::from_utf8(c.poll(t0).stdout).unwrap();
    assert_eq!(first, "\r\nPinging localhost [127.0.0.1] with 32 bytes of data:\r\nReply from 127.0.0.1: bytes=32 time<1ms TTL=128\r\n");
    assert_eq!(c.next_wakeup(), Some(t0 + Duration::from_secs(1)));
    assert_eq!(c.poll(t0 + Duration::from_millis(999)).stdout, b"", "nothing before the second passes");
    let second = c.poll(t0 + Duration::from_secs(1));
    assert_eq!(second.stdout, b"Reply from 127.0.0.1: bytes=32 time<1ms TTL=128\r\n");
    assert_eq!(second.state, CommandState::Running);
    let last = c.poll(t0 + Duration::from_secs(5));
    assert!(String::from_utf8(last.stdout).unwrap().contains("Packets: Sent = 3, Received = 3, Lost = 0 (0% loss)"));
    assert_eq!(last.state, CommandState::Done { exit_code: 0 });
    assert_eq!(c.next_wakeup(), None);
}

#[test]
fn consecutive_pings_are_timed_from_the_end_of_the_one_before() {
    let t0 = Instant::now();
    let mut c = start(&Launch::new("ping -n 2 127.0.0.1 & ping -n 2 127.0.0.1", &[]), t0);
    let _ = c.poll(t0);
    let _ = c.poll(t0 + Duration::from_secs(1));
    // The second ping starts at t0+1s (when the first ended), its 2nd reply is due at t0+2s.
    assert_eq!(c.next_wakeup(), Some(t0 + Duration::from_secs(2)));
    assert_eq!(c.poll(t0 + Duration::from_secs(2)).state, CommandState::Done { exit_code: 0 });
}

#[test]
fn signals_end_a_running_command_and_keep_earlier_output() {
    for (signal, code) in [(Signal::CtrlC, 0xC000_013A), (Signal::CtrlBreak, 3_221_225_786), (Signal::Terminate, TERMINATE_EXIT_CODE)] {
        let t0 = Instant::now();
        let mut c = start(&Launch::new("ping", &["-n", "100", "localhost"]), t0);
        let _ = c.poll(t0);
        let _ = c.poll(t0 + Duration::from_secs(2));
        c.signal(signal);
        let out = c.poll(t0 + Duration::from_secs(50));
        assert_eq!(out.stdout, b"", "no output after the signal");
        assert_eq!(out.state, CommandState::Done { exit_code: code });
        assert_eq!(c.next_wakeup(), None);
        c.signal(Signal::Terminate);
        assert_eq!(c.poll(t0).state, CommandState::Done { exit_code: code }, "a signal after Done changes nothing");
    }
    let t0 = Instant::now();
    let mut c = start(&Launch::new("ping", &["-n", "100", "localhost"]), t0);
    let _ = c.poll(t0);
    let _ = c.poll(t0 + Duration::from_secs(2)); // written, not yet delivered? (delivered here)
    let _ = c.poll(t0 + Duration::from_secs(3));
    c.signal(Signal::CtrlC);
    assert!(c.is_done());
}

#[test]
fn skip_cmd_shell_runs_programs_only() {
    let l = Launch { skip_cmd_shell: true, ..Launch::new("whoami", &[]) };
    assert_eq!(start(&l, Instant::now()).poll(Instant::now()).stdout, b"win-ref01\\alice\r\n");
    let echo = Launch { skip_cmd_shell: true, ..Launch::new("echo", &["x"]) };
    assert!(matches!(Command::new(&echo, &host(), FsTree::default(), Instant::now()), Err(LaunchError::ProgramNotFound { .. })));
}

#[test]
fn codepage_encodes_non_ascii() {
    let mut l = Launch::new("echo é", &[]);
    assert_eq!(start(&l, Instant::now()).poll(Instant::now()).stdout, b"\x82\r\n");
    l.codepage = Codepage::Utf8;
    assert_eq!(start(&l, Instant::now()).poll(Instant::now()).stdout, "é\r\n".as_bytes());
    assert_eq!(CP437_HIGH.chars().count(), 128);
    assert_eq!(Codepage::Oem437.encode("a€"), b"a?");
}

// ---- PowerShell ----

fn ps(script: &str) -> (String, String, u32) {
    run(&format!("powershell -NoProfile -NonInteractive -EncodedCommand {}", b64_utf16(script)))
}

#[test]
fn powershell_arithmetic_variables_interpolation() {
    assert_eq!(ps("$x = 1 + 2 * 3\nWrite-Output \"x is $x\""), ("x is 7\r\n".into(), String::new(), 0));
    assert_eq!(ps("(1 + 2) * 3; 7 / 2; 6 / 3; 7 % 4; -2 * -3").0, "9\r\n3.5\r\n2\r\n3\r\n6\r\n");
    assert_eq!(ps("$a = 'x'; $a += 'y'; Write-Host $a 'b' -ForegroundColor Green").0, "xy b\r\n");
    assert_eq!(ps("Write-Output \"sum $(2 + 3) `$x\"").0, "sum 5 $x\r\n");
    assert_eq!(ps("Write-Output 'lit $x' 3").0, "lit $x\r\n3\r\n");
    assert_eq!(ps("$env:USERNAME").0, "Alice\r\n");
    assert_eq!(ps("# comment\r\n$n = 10\r\n$n - 1").0, "9\r\n");
}

#[test]
fn powershell_as_pywinrm_run_ps_sends_it() {
    // pywinrm: run_cmd("powershell -encodedcommand {b64 of UTF-16LE}"), no arguments.
    let script = "$a = 6\n$b = $a * 7\nWrite-Host \"answer: $b\"";
    let (out, err, code) = run_with(&format!("powershell -encodedcommand {}", b64_utf16(script)), &[], b"");
    assert_eq!((out.as_str(), err.as_str(), code), ("answer: 42\r\n", "", 0));
    let (out, _, _) = run_with("powershell.exe", &["-NoLogo", "-ExecutionPolicy", "Bypass", "-Command", "Write-Output", "hello", "world"], b"");
    assert_eq!(out, "hello\r\nworld\r\n");
}

#[test]
fn powershell_exit_codes() {
    assert_eq!(ps("Write-Output a; exit 3; Write-Output b"), ("a\r\n".into(), String::new(), 3));
    assert_eq!(ps("exit").2, 0);
    assert_eq!(ps("exit -1").2, u32::MAX);
    assert_eq!(ps("$c = 4; exit $c + 1").2, 5);
}

#[test]
fn clixml_escapes_markup_and_encodes_control_characters() {
    let (_, err, _) = ps("Write-Error 'a<b&c_x'");
    assert!(err.contains("a&lt;b&amp;c_x005F_x"), "{err}");
}

#[test]
fn powershell_write_error_is_clixml_under_encoded_command() {
    let (out, err, code) = ps("Write-Output before; Write-Error 'it broke'");
    assert_eq!(out, "before\r\n");
    assert_eq!(code, 1);
    assert!(err.starts_with(&format!("#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"{}\">", crate::ns::CLIXML)), "{err}");
    assert!(err.contains("<S S=\"Error\">Write-Error 'it broke' : it broke_x000D__x000A_</S>"), "{err}");
    assert!(err.contains("<S S=\"Error\">    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException_x000D__x000A_</S>"), "{err}");
    assert!(err.ends_with("</Objs>"));
    // Not the last statement: $? is true again at the end.
    assert_eq!(ps("Write-Error x; Write-Output y").2, 0);
}

#[test]
fn powershell_command_errors_are_plain_text() {
    let (out, err, code) = run("powershell -Command \"Write-Output ok; nosuch-thing; 1/0\"");
    assert_eq!(out, "ok\r\n");
    assert_eq!(code, 1);
    assert!(err.starts_with("nosuch-thing : The term 'nosuch-thing' is not recognized as the name of a cmdlet"), "{err}");
    assert!(err.contains("At line:1 char:18\r\n+ Write-Output ok; nosuch-thing; 1/0\r\n+                  ~~~~~~~~~~~~\r\n"), "{err}");
    assert!(err.contains("Attempted to divide by zero.\r\n"), "{err}");
    assert!(err.contains("    + FullyQualifiedErrorId : RuntimeException\r\n"), "{err}");
}

#[test]
fn powershell_bad_input_never_panics() {
    for script in ["'unterminated", "\"open", "(1 +", "$x = ", "1 +* 2", "$(", "\"$(\"", "9999999999999999999 * 99999999999", "'a' * 99999999", "@"] {
        let (_, _, code) = ps(script);
        assert!(code <= 1, "{script}: {code}");
    }
    for deep in ["(".repeat(100_000), "-".repeat(100_000) + "1", "\"$(".repeat(20_000)] {
        let (_, err, code) = ps(&deep);
        assert_eq!(code, 1);
        assert!(!err.is_empty());
    }
    assert_eq!(ps("9223372036854775807 + 1").0, "9.22337203685478E+18\r\n");
    let (_, err, code) = run("powershell -EncodedCommand %%%notbase64");
    assert_eq!(code, 1);
    assert!(err.contains("not properly encoded"), "{err}");
}

// ---- exactly once, in order ----

/// All output of a command given all stdin at once and polled once at the end.
fn all_at_once(line: &str, stdin: &[u8], t0: Instant) -> (Vec<u8>, Vec<u8>, CommandState) {
    let mut c = start(&Launch::new(line, &[]), t0);
    c.send_stdin(stdin, true).unwrap();
    let o = c.poll(t0 + Duration::from_secs(10_000));
    (o.stdout, o.stderr, o.state)
}

const LINES: &[&str] =
    &["more", "findstr .*", "type con", "sort", "echo start & more & echo end", "ping -n 3 localhost & findstr /v zz & nosuch", "findstr a | sort"];

proptest! {
    #[test]
    fn output_is_delivered_exactly_once_in_order(
        which in 0..LINES.len(),
        stdin in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()], 0..200),
        cuts in proptest::collection::vec(0usize..200, 0..8),
        steps in proptest::collection::vec(0u64..1500, 1..12),
    ) {
        let t0 = Instant::now();
        let line = LINES[which];
        let expected = all_at_once(line, &stdin, t0);
        let mut c = start(&Launch::new(line, &[]), t0);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(stdin.len())).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for cut in cuts {
            chunks.push(&stdin[from..cut]);
            from = cut;
        }
        chunks.push(&stdin[from..]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut now = t0;
        let mut steps = steps.into_iter().cycle();
        let n = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            c.send_stdin(chunk, i + 1 == n).unwrap();
            now += Duration::from_millis(steps.next().unwrap_or(0));
            let o = c.poll(now);
            out.extend(o.stdout);
            err.extend(o.stderr);
        }
        let mut state = CommandState::Running;
        for _ in 0..20 {
            now += Duration::from_millis(steps.next().unwrap_or(0) + 1);
            let o = c.poll(now);
            out.extend(o.stdout);
            err.extend(o.stderr);
            state = o.state;
        }
        let o = c.poll(t0 + Duration::from_secs(10_000));
        out.extend(o.stdout);
        err.extend(o.stderr);
        if o.state != CommandState::Running { state = o.state; }
        prop_assert_eq!((out, err, state), expected);
    }

    #[test]
    fn raw_stdin_round_trips(stdin in proptest::collection::vec(any::<u8>(), 0..300), split in 0usize..300) {
        let split = split.min(stdin.len());
        let mut c = start(&Launch::new("type con", &[]), Instant::now());
        c.send_stdin(&stdin[..split], false).unwrap();
        let mut out = c.poll(Instant::now()).stdout;
        c.send_stdin(&stdin[split..], true).unwrap();
        out.extend(c.poll(Instant::now()).stdout);
        prop_assert_eq!(out, stdin);
    }

    #[test]
    fn line_readers_round_trip_lines(lines in proptest::collection::vec("[ -~]{0,40}", 0..20)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let expected: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
        for prog in ["more", "findstr .*"] {
            prop_assert_eq!(&run_with(prog, &[], text.as_bytes()).0, &expected);
        }
    }

    #[test]
    fn arbitrary_command_lines_never_panic(line in prop_oneof!["[ -~]{0,80}", "[a-z%^&|<>\"'$(){}`;\n\r\t é€\u{1F600}0-9=+*/-]{0,60}", any::<String>()]) {
        let t0 = Instant::now();
        if let Ok(mut c) = Command::new(&Launch::new(&line, &[]), &host(), FsTree::for_user("Alice"), t0) {
            c.send_stdin(b"x\n", true).unwrap();
            let _ = c.poll(t0 + Duration::from_secs(1_000_000));
        }
        let _ = ps(&line);
    }
}
