//! A small, deterministic subset of Windows PowerShell 5.1 behind
//! `powershell[.exe] [-NoProfile] [-NonInteractive] -EncodedCommand B64` (the
//! script in base64 of UTF-16LE, as pywinrm's `run_ps` sends it) and
//! `-Command TEXT`.
//!
//! The language: statements separated by `;` or newlines, `#` comments,
//! `$x = expr` (and `+=`, `-=`), `$env:NAME`, `$true`/`$false`/`$null`,
//! integer (and, where a division is inexact, floating) arithmetic with `+ - *
//! / %`, unary minus and parentheses at the usual precedence, `'literal'` and
//! `"interpolated $x $(expr) `n"` strings, string concatenation and
//! repetition, `Write-Output`/`echo`/`write` (stdout, one line per argument),
//! `Write-Host` (stdout, arguments joined by spaces; `-NoNewline`, colours
//! ignored), `Write-Error` (error stream), `exit N`, and a bare expression
//! (its value is output). Anything else is an error record: an unknown
//! command gives CommandNotFoundException, a division by zero a
//! RuntimeException, and the script goes on with the next statement.
//!
//! The exit code is `exit N`'s N (wrapped to a DWORD), else 1 when the last
//! statement wrote an error, else 0, as `powershell.exe` reports `$?`.
//!
//! Errors are written as PowerShell writes them to a redirected stderr:
//! under `-EncodedCommand` as CLIXML (`#< CLIXML` and `<Objs>` of `<S
//! S="Error">` lines, CRLF escaped as `_x000D__x000A_`), as a real
//! `powershell.exe` does over WinRS; pywinrm's `run_ps` expects exactly this
//! and turns it back into text. Under `-Command` they are plain text lines.

use super::cmd::split_args;
use std::cell::Cell;

use super::Codepage;

/// The CLIXML (PowerShell serialization) namespace.
const CLIXML_NS: &str = crate::ns::CLIXML;

/// Runs `powershell ARGS` (the text after the program name); returns stdout,
/// stderr and the exit code.
pub(crate) fn run(args: &str, env: &[(String, String)], codepage: Codepage) -> (Vec<u8>, Vec<u8>, u32) {
    let mut out = Out { stdout: String::new(), errors: Vec::new() };
    let args = split_args(args);
    let mut script = None;
    let mut clixml = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let Some(param) = a.strip_prefix('-').or_else(|| a.strip_prefix('/')).map(str::to_ascii_lowercase) else {
            script = Some(args[i..].join(" "));
            break;
        };
        match parameter(&param) {
            Some("command") => {
                script = Some(args[i + 1..].join(" "));
                break;
            }
            Some("encodedcommand") => {
                clixml = true;
                match args.get(i + 1).and_then(|b| decode_utf16le_base64(b)) {
                    Some(s) => script = Some(s),
                    None => {
                        out.errors.push(vec!["Cannot process the command because the value specified with -EncodedCommand is not properly encoded. \
                             The value must be Base64 encoded."
                            .to_string()]);
                        return out.finish(codepage, clixml, 1);
                    }
                }
                break;
            }
            Some("executionpolicy" | "inputformat" | "outputformat" | "windowstyle" | "configurationname") => i += 2,
            Some(_) => i += 1,
            None => {
                out.errors.push(vec![format!(
                    "-{param} : The term '-{param}' is not recognized as the name of a cmdlet, function, script file, or operable program."
                )]);
                return out.finish(codepage, clixml, 1);
            }
        }
    }
    let Some(script) = script else {
        // An interactive PowerShell reading stdin is not simulated.
        return out.finish(codepage, clixml, 0);
    };
    let mut interp = Interp { vars: Vec::new(), env: env.to_vec(), depth: Cell::new(0) };
    let code = interp.script(&script, &mut out);
    out.finish(codepage, clixml, code)
}

/// The parameter of powershell.exe a (possibly abbreviated) name stands for.
fn parameter(p: &str) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        "command",
        "encodedcommand",
        "executionpolicy",
        "inputformat",
        "outputformat",
        "noprofile",
        "noninteractive",
        "nologo",
        "noexit",
        "windowstyle",
        "sta",
        "mta",
        "configurationname",
    ];
    match p {
        "c" => Some("command"),
        "e" | "ec" | "enc" => Some("encodedcommand"),
        "ep" | "ex" => Some("executionpolicy"),
        "nop" => Some("noprofile"),
        "noni" => Some("noninteractive"),
        "" => None,
        _ => NAMES.iter().copied().find(|n| n.starts_with(p)),
    }
}

/// Base64 (standard alphabet, padding optional) of UTF-16LE text.
pub(crate) fn decode_utf16le_base64(b64: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in b64.trim().trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
    Some(String::from_utf16_lossy(&units).trim_start_matches('\u{feff}').to_string())
}

/// What the script wrote: stdout text, and error records (each a list of lines).
#[derive(Debug)]
struct Out {
    stdout: String,
    errors: Vec<Vec<String>>,
}

impl Out {
    fn finish(self, codepage: Codepage, clixml: bool, code: u32) -> (Vec<u8>, Vec<u8>, u32) {
        let stdout = codepage.encode(&self.stdout);
        if self.errors.is_empty() {
            return (stdout, Vec::new(), code);
        }
        let mut err = String::new();
        if clixml {
            err.push_str("#< CLIXML\r\n");
            err.push_str(&clixml_errors(self.errors.iter().flatten()));
        } else {
            for line in self.errors.iter().flatten() {
                err.push_str(line);
                err.push_str("\r\n");
            }
        }
        (stdout, codepage.encode(&err), code)
    }
}

/// The CLIXML document of an error stream: one `<S S="Error">` per line,
/// each ending in an encoded CRLF, written through quick-xml's writer (which
/// escapes the markup characters).
fn clixml_errors<'a>(lines: impl Iterator<Item = &'a String>) -> String {
    use quick_xml::events::BytesText;
    let mut writer = quick_xml::Writer::new(Vec::new());
    let written = writer.create_element("Objs").with_attribute(("Version", "1.1.0.1")).with_attribute(("xmlns", CLIXML_NS)).write_inner_content(|w| {
        for line in lines {
            let text = format!("{}_x000D__x000A_", clixml_encode(line));
            w.create_element("S").with_attribute(("S", "Error")).write_text_content(BytesText::from_escaped(quick_xml::escape::partial_escape(&text)))?;
        }
        Ok::<(), std::io::Error>(())
    });
    // Writing to a Vec cannot fail.
    debug_assert!(written.is_ok());
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}

/// CLIXML's own encoding of a string: `_x` and control characters as `_xHHHH_`
/// (XML markup is the writer's to escape).
fn clixml_encode(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'x') => out.push_str("_x005F_"),
            c if c.is_control() => out.push_str(&format!("_x{:04X}_", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A value of the subset.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Value::Float(f) if f.is_finite() && f.abs() >= 1e15 => {
                // .NET's shortest round-trip form of a large double: 15 significant digits, `E+NN`.
                let sci = format!("{f:.14e}");
                let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                format!("{mantissa}E+{exp:0>2}")
            }
            Value::Float(f) if f.is_nan() => "NaN".to_string(),
            Value::Float(f) if f.is_infinite() => if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::Bool(true) => "True".to_string(),
            Value::Bool(false) => "False".to_string(),
            Value::Null => String::new(),
        }
    }

    fn number(&self) -> Result<Value, String> {
        match self {
            Value::Int(_) | Value::Float(_) => Ok(self.clone()),
            Value::Bool(b) => Ok(Value::Int(i64::from(*b))),
            Value::Null => Ok(Value::Int(0)),
            Value::Str(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(Value::Int(0));
                }
                t.parse::<i64>()
                    .map(Value::Int)
                    .or_else(|_| t.parse::<f64>().map(Value::Float))
                    .map_err(|_| format!("Cannot convert value \"{s}\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\""))
            }
        }
    }

    fn float(&self) -> f64 {
        match self {
            Value::Int(n) => *n as f64,
            Value::Float(f) => *f,
            _ => 0.0,
        }
    }
}

/// A token, with the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Value),
    Lit(String),
    Interp(String),
    Var(String),
    Word(String),
    Op(char),
    Assign(Option<char>),
    End,
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, (usize, String)> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let word_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '\\');
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\n' | ';' => {
                toks.push((at, Tok::End));
                i += 1;
            }
            '#' => {
                while i < chars.len() && chars[i].1 != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err((at, "The string is missing the terminator: '.".to_string())),
                        Some((_, '\'')) if chars.get(i + 1).map(|c| c.1) == Some('\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                toks.push((at, Tok::Lit(s)));
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err((at, "The string is missing the terminator: \".".to_string())),
                        Some((_, '`')) => {
                            if let Some((_, n)) = chars.get(i + 1) {
                                s.push('`');
                                s.push(*n);
                            }
                            i += 2;
                        }
                        Some((_, '"')) if chars.get(i + 1).map(|c| c.1) == Some('"') => {
                            s.push_str("`\"");
                            i += 2;
                        }
                        Some((_, '"')) => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                toks.push((at, Tok::Interp(s)));
            }
            '$' => {
                let mut name = String::new();
                i += 1;
                if chars.get(i).map(|c| c.1) == Some('{') {
                    i += 1;
                    while let Some((_, c)) = chars.get(i) {
                        i += 1;
                        if *c == '}' {
                            break;
                        }
                        name.push(*c);
                    }
                } else {
                    while let Some((_, c)) = chars.get(i).filter(|c| c.1.is_alphanumeric() || c.1 == '_' || c.1 == ':') {
                        name.push(*c);
                        i += 1;
                    }
                }
                toks.push((at, Tok::Var(name)));
            }
            '0'..='9' => {
                let mut s = String::new();
                while let Some((_, c)) = chars.get(i).filter(|c| c.1.is_ascii_digit() || c.1 == '.') {
                    s.push(*c);
                    i += 1;
                }
                let v = s.parse::<i64>().map(Value::Int).or_else(|_| s.parse::<f64>().map(Value::Float));
                match v {
                    Ok(v) => toks.push((at, Tok::Num(v))),
                    Err(_) => toks.push((at, Tok::Word(s))),
                }
            }
            '+' | '-' | '*' | '/' | '%' if chars.get(i + 1).map(|c| c.1) == Some('=') => {
                toks.push((at, Tok::Assign(Some(c))));
                i += 2;
            }
            '-' if chars.get(i + 1).is_some_and(|c| c.1.is_alphabetic()) => {
                let mut s = String::new();
                while let Some((_, c)) = chars.get(i).filter(|c| word_char(c.1)) {
                    s.push(*c);
                    i += 1;
                }
                toks.push((at, Tok::Word(s)));
            }
            '+' | '-' | '*' | '/' | '%' | '(' | ')' | ',' | '|' => {
                toks.push((at, Tok::Op(c)));
                i += 1;
            }
            '=' => {
                toks.push((at, Tok::Assign(None)));
                i += 1;
            }
            c if word_char(c) => {
                let mut s = String::new();
                while let Some((_, c)) = chars.get(i).filter(|c| word_char(c.1)) {
                    s.push(*c);
                    i += 1;
                }
                toks.push((at, Tok::Word(s)));
            }
            other => return Err((at, format!("Unexpected token '{other}' in expression or statement."))),
        }
    }
    Ok(toks)
}

/// A failure of one statement: the message, the error category line and id,
/// and what to underline (byte range of the source).
struct Failure {
    message: String,
    category: String,
    id: String,
    span: (usize, usize),
}

struct Interp {
    vars: Vec<(String, Value)>,
    env: Vec<(String, String)>,
    /// Nesting of the expression being evaluated (parentheses, unary
    /// operators, subexpressions in strings), bounded by [`MAX_DEPTH`].
    depth: Cell<usize>,
}

/// Deepest expression nesting evaluated (deeper input is an error, not a stack overflow).
const MAX_DEPTH: usize = 100;

impl Interp {
    /// Runs a script; returns the exit code.
    fn script(&mut self, src: &str, out: &mut Out) -> u32 {
        let toks = match tokenize(src) {
            Ok(t) => t,
            Err((at, msg)) => {
                out.errors.push(record(src, (at, at + 1), &msg, "ParserError: (:) [], ParentContainsErrorRecordException", "TerminatorExpectedAtEndOfString"));
                return 1;
            }
        };
        let mut failed = false;
        let mut start = 0;
        while start < toks.len() {
            let end = toks[start..].iter().position(|t| t.1 == Tok::End).map_or(toks.len(), |p| start + p);
            let stmt = &toks[start..end];
            start = end + 1;
            if stmt.is_empty() {
                continue;
            }
            let span_end = toks.get(end).map_or(src.len(), |t| t.0);
            let span = (stmt[0].0, span_end);
            match self.statement(stmt, src, span, out) {
                Ok(Some(code)) => return code,
                Ok(None) => failed = false,
                Err(f) => {
                    out.errors.push(record(src, f.span, &f.message, &f.category, &f.id));
                    failed = true;
                }
            }
        }
        u32::from(failed)
    }

    /// One statement; `Ok(Some(code))` for `exit`.
    fn statement(&mut self, toks: &[(usize, Tok)], src: &str, span: (usize, usize), out: &mut Out) -> Result<Option<u32>, Failure> {
        let text = src[span.0..span.1].trim_end();
        let runtime =
            |message: String| Failure { message, category: "NotSpecified: (:) [], RuntimeException".to_string(), id: "RuntimeException".to_string(), span };
        match &toks[0].1 {
            Tok::Word(w) if w.eq_ignore_ascii_case("exit") => {
                if toks.len() == 1 {
                    return Ok(Some(0));
                }
                let mut p = Parser { toks: &toks[1..], pos: 0 };
                let v = p.expr(self).map_err(runtime)?;
                let code = match v.number() {
                    Ok(Value::Int(n)) => n as u32,
                    Ok(Value::Float(f)) => f.round() as i64 as u32,
                    _ => 0,
                };
                Ok(Some(code))
            }
            Tok::Var(name) if matches!(toks.get(1), Some((_, Tok::Assign(_)))) => {
                let Some((_, Tok::Assign(op))) = toks.get(1) else { return Ok(None) };
                let mut p = Parser { toks: &toks[2..], pos: 0 };
                let mut v = p.expr(self).map_err(runtime)?;
                if let Some(op) = op {
                    v = binary(*op, self.var(name), v).map_err(runtime)?;
                }
                p.finish().map_err(runtime)?;
                self.set(name, v);
                Ok(None)
            }
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                let args = self.arguments(&toks[1..]).map_err(runtime)?;
                match lower.as_str() {
                    "write-output" | "echo" | "write" => {
                        for a in args.iter().filter(|a| !matches!(a, Value::Null)) {
                            out.stdout.push_str(&a.text());
                            out.stdout.push_str("\r\n");
                        }
                        Ok(None)
                    }
                    "write-host" => {
                        let mut no_newline = false;
                        let mut words = Vec::new();
                        let mut it = args.iter();
                        while let Some(a) = it.next() {
                            match a {
                                Value::Str(s) if s.starts_with('-') && is_param(s, "-nonewline") => no_newline = true,
                                Value::Str(s) if s.starts_with('-') && (is_param(s, "-foregroundcolor") || is_param(s, "-backgroundcolor")) => {
                                    it.next();
                                }
                                Value::Str(s) if s.starts_with('-') && is_param(s, "-object") => {}
                                a => words.push(a.text()),
                            }
                        }
                        out.stdout.push_str(&words.join(" "));
                        if !no_newline {
                            out.stdout.push_str("\r\n");
                        }
                        Ok(None)
                    }
                    "write-error" => {
                        let words: Vec<String> =
                            args.iter().filter(|a| !matches!(a, Value::Str(s) if s.starts_with('-') && is_param(s, "-message"))).map(Value::text).collect();
                        Err(Failure {
                            message: format!("{text} : {}", words.join(" ")),
                            category: "NotSpecified: (:) [Write-Error], WriteErrorException".to_string(),
                            id: "Microsoft.PowerShell.Commands.WriteErrorException".to_string(),
                            span,
                        })
                    }
                    _ => Err(Failure {
                        message: format!(
                            "{w} : The term '{w}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the \
                             spelling of the name, or if a path was included, verify that the path is correct and try again."
                        ),
                        category: format!("ObjectNotFound: ({w}:String) [], CommandNotFoundException"),
                        id: "CommandNotFoundException".to_string(),
                        span: (toks[0].0, toks[0].0 + w.len()),
                    }),
                }
            }
            _ => {
                let mut p = Parser { toks, pos: 0 };
                let v = p.expr(self).map_err(runtime)?;
                p.finish().map_err(runtime)?;
                if v != Value::Null {
                    out.stdout.push_str(&v.text());
                    out.stdout.push_str("\r\n");
                }
                Ok(None)
            }
        }
    }

    /// The arguments of a command, in argument mode: bare words are strings.
    fn arguments(&self, toks: &[(usize, Tok)]) -> Result<Vec<Value>, String> {
        let mut args = Vec::new();
        let mut p = Parser { toks, pos: 0 };
        while let Some(t) = p.peek() {
            match t {
                Tok::Word(w) => {
                    args.push(Value::Str(w.clone()));
                    p.pos += 1;
                }
                Tok::Op(',') => p.pos += 1,
                Tok::Op(c) if *c != '(' && *c != '-' => {
                    args.push(Value::Str(c.to_string()));
                    p.pos += 1;
                }
                _ => args.push(p.unary(self)?),
            }
        }
        Ok(args)
    }

    fn var(&self, name: &str) -> Value {
        let lower = name.to_ascii_lowercase();
        if let Some(env) = lower.strip_prefix("env:") {
            return self.env.iter().find(|(k, _)| k.eq_ignore_ascii_case(env)).map_or(Value::Null, |(_, v)| Value::Str(v.clone()));
        }
        match lower.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => self.vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or(Value::Null, |(_, v)| v.clone()),
        }
    }

    fn set(&mut self, name: &str, v: Value) {
        if let Some(env) = name.to_ascii_lowercase().strip_prefix("env:") {
            self.env.retain(|(k, _)| !k.eq_ignore_ascii_case(env));
            self.env.push((env.to_string(), v.text()));
            return;
        }
        match self.vars.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = v,
            None => self.vars.push((name.to_string(), v)),
        }
    }

    /// Expands `$name`, `${name}`, `$(expr)` and backtick escapes of a "string".
    fn interpolate(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '`' if i + 1 < chars.len() => {
                    out.push(match chars[i + 1] {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '0' => '\0',
                        c => c,
                    });
                    i += 2;
                }
                '$' if chars.get(i + 1) == Some(&'(') => {
                    let mut depth = 0;
                    let mut j = i + 1;
                    while j < chars.len() {
                        match chars[j] {
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    let inner: String = chars[i + 2..j.min(chars.len())].iter().collect();
                    let toks = tokenize(&inner).map_err(|e| e.1)?;
                    let toks: Vec<_> = toks.into_iter().filter(|t| t.1 != Tok::End).collect();
                    let mut p = Parser { toks: &toks, pos: 0 };
                    if !toks.is_empty() {
                        out.push_str(&p.expr(self)?.text());
                    }
                    i = j + 1;
                }
                '$' if chars.get(i + 1).is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '{') => {
                    let mut name = String::new();
                    let mut j = i + 1;
                    if chars[j] == '{' {
                        j += 1;
                        while j < chars.len() && chars[j] != '}' {
                            name.push(chars[j]);
                            j += 1;
                        }
                        j += 1;
                    } else {
                        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || (chars[j] == ':' && name.eq_ignore_ascii_case("env"))) {
                            name.push(chars[j]);
                            j += 1;
                        }
                    }
                    out.push_str(&self.var(&name).text());
                    i = j;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Ok(out)
    }
}

fn is_param(arg: &str, name: &str) -> bool {
    arg.len() > 1 && name.starts_with(&arg.to_ascii_lowercase())
}

/// An error record's lines, as PowerShell formats one.
fn record(src: &str, span: (usize, usize), message: &str, category: &str, id: &str) -> Vec<String> {
    let mut start = span.0.min(src.len());
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_no = src[..start].matches('\n').count() + 1;
    let line_end = src[start..].find(['\n', '\r']).map_or(src.len(), |i| start + i);
    let col = src[line_start..start].chars().count() + 1;
    let mut end = span.1.clamp(start, line_end);
    while !src.is_char_boundary(end) {
        end += 1;
    }
    let width = src[start..end].trim_end().chars().count().max(1);
    vec![
        message.to_string(),
        format!("At line:{line_no} char:{col}"),
        format!("+ {}", &src[line_start..line_end]),
        format!("+ {}{}", " ".repeat(col - 1), "~".repeat(width)),
        format!("    + CategoryInfo          : {category}"),
        format!("    + FullyQualifiedErrorId : {id}"),
        " ".to_string(),
    ]
}

/// Expressions over a statement's tokens.
struct Parser<'a> {
    toks: &'a [(usize, Tok)],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn finish(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(format!("Unexpected token '{}' in expression or statement.", describe(t))),
        }
    }

    fn expr(&mut self, it: &Interp) -> Result<Value, String> {
        let mut v = self.term(it)?;
        while let Some(Tok::Op(c @ ('+' | '-'))) = self.peek() {
            let c = *c;
            self.pos += 1;
            let r = self.term(it)?;
            v = binary(c, v, r)?;
        }
        Ok(v)
    }

    fn term(&mut self, it: &Interp) -> Result<Value, String> {
        let mut v = self.unary(it)?;
        while let Some(Tok::Op(c @ ('*' | '/' | '%'))) = self.peek() {
            let c = *c;
            self.pos += 1;
            let r = self.unary(it)?;
            v = binary(c, v, r)?;
        }
        Ok(v)
    }

    fn unary(&mut self, it: &Interp) -> Result<Value, String> {
        if it.depth.get() >= MAX_DEPTH {
            return Err("The expression is nested too deeply.".to_string());
        }
        it.depth.set(it.depth.get() + 1);
        let v = self.unary_inner(it);
        it.depth.set(it.depth.get() - 1);
        v
    }

    fn unary_inner(&mut self, it: &Interp) -> Result<Value, String> {
        let Some(t) = self.peek().cloned() else { return Err("You must provide a value expression following the operator.".to_string()) };
        self.pos += 1;
        match t {
            Tok::Op('-') => binary('-', Value::Int(0), self.unary(it)?.number()?),
            Tok::Op('+') => self.unary(it)?.number(),
            Tok::Op('(') => {
                let v = self.expr(it)?;
                match self.peek() {
                    Some(Tok::Op(')')) => {
                        self.pos += 1;
                        Ok(v)
                    }
                    _ => Err("Missing closing ')' in expression.".to_string()),
                }
            }
            Tok::Num(v) => Ok(v),
            Tok::Lit(s) => Ok(Value::Str(s)),
            Tok::Interp(s) => Ok(Value::Str(it.interpolate(&s)?)),
            Tok::Var(name) => Ok(it.var(&name)),
            other => Err(format!("Unexpected token '{}' in expression or statement.", describe(&other))),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => v.text(),
        Tok::Lit(s) | Tok::Interp(s) | Tok::Word(s) => s.clone(),
        Tok::Var(n) => format!("${n}"),
        Tok::Op(c) => c.to_string(),
        Tok::Assign(None) => "=".to_string(),
        Tok::Assign(Some(c)) => format!("{c}="),
        Tok::End => ";".to_string(),
    }
}

/// Most characters a string repetition may build.
const MAX_STRING: usize = 1 << 20;

fn binary(op: char, l: Value, r: Value) -> Result<Value, String> {
    if let Value::Str(s) = &l {
        return match op {
            '+' => Ok(Value::Str(format!("{s}{}", r.text()))),
            '*' => match r.number()? {
                Value::Int(n) if n >= 0 && s.len().saturating_mul(n as usize) <= MAX_STRING => Ok(Value::Str(s.repeat(n as usize))),
                _ => Err("Array dimensions exceeded supported range.".to_string()),
            },
            _ => Err(format!("Method invocation failed because [System.String] does not contain a method named 'op_{}'.", op_name(op))),
        };
    }
    let (l, r) = (l.number()?, r.number()?);
    if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
        let (a, b) = (*a, *b);
        let exact = match op {
            '+' => a.checked_add(b),
            '-' => a.checked_sub(b),
            '*' => a.checked_mul(b),
            '/' if b == 0 => return Err("Attempted to divide by zero.".to_string()),
            '/' => a.checked_rem(b).filter(|&m| m == 0).and_then(|_| a.checked_div(b)),
            '%' if b == 0 => return Err("Attempted to divide by zero.".to_string()),
            '%' => a.checked_rem(b),
            _ => None,
        };
        if let Some(n) = exact {
            return Ok(Value::Int(n));
        }
    }
    let (a, b) = (l.float(), r.float());
    Ok(Value::Float(match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        '/' if b == 0.0 => return Err("Attempted to divide by zero.".to_string()),
        '/' => a / b,
        '%' if b == 0.0 => return Err("Attempted to divide by zero.".to_string()),
        _ => a % b,
    }))
}

fn op_name(op: char) -> &'static str {
    match op {
        '-' => "Subtraction",
        '/' => "Division",
        '%' => "Modulus",
        _ => "Unknown",
    }
}
