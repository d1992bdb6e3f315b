//! `Name=Value` pairs as they are typed: `--selector Name=WinRM`, `--set
//! VariableValue=1`, or winrm's hash `@{Name="WinRM";Other="x"}`.
//!
//! ```text
//! pair   := NAME '=' VALUE                       (the value is everything after the first '=')
//! hash   := '@{' [entry (';' entry)*] [';'] '}'   (spaces allowed around every token)
//! entry  := NAME '=' ( '"' chars '"' | '\'' chars '\'' | bare )
//! NAME   := one or more characters other than '=', ';', '{', '}', quotes and spaces
//! chars  := inside "...", \" is a quote and every other character is itself
//!           (backslashes in Windows paths stay); inside '...', everything is itself
//! bare   := up to the next ';' or '}', trimmed
//! ```

/// Parses one argument: a hash when it starts with `@{`, else one pair.
pub(crate) fn parse(text: &str, what: &str) -> Result<Vec<(String, String)>, String> {
    if text.trim_start().starts_with("@{") {
        return parse_hash(text).map_err(|e| format!("{what} {text:?}: {e}"));
    }
    match text.split_once('=') {
        Some((name, value)) if valid_name(name.trim()) => Ok(vec![(name.trim().to_owned(), value.to_owned())]),
        _ => Err(format!("{what} {text:?} is not NAME=VALUE or @{{NAME=\"VALUE\";...}}")),
    }
}

/// Parses every argument, in order.
pub(crate) fn parse_all<'a>(texts: impl IntoIterator<Item = &'a String>, what: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for t in texts {
        out.extend(parse(t, what)?);
    }
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| !matches!(c, '=' | ';' | '{' | '}' | '"' | '\'') && !c.is_whitespace())
}

fn parse_hash(text: &str) -> Result<Vec<(String, String)>, String> {
    let chars: Vec<char> = text.trim().chars().collect();
    // After the leading "@{".
    let mut i = 2;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let mut out = Vec::new();
    loop {
        skip_ws(&mut i);
        match chars.get(i) {
            None => return Err("no closing '}'".into()),
            Some('}') => {
                i += 1;
                break;
            }
            Some(';') => {
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        let start = i;
        while i < chars.len() && !matches!(chars[i], '=' | ';' | '}') && !chars[i].is_whitespace() {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        if !valid_name(&name) {
            return Err(format!("{name:?} is not a name"));
        }
        skip_ws(&mut i);
        if chars.get(i) != Some(&'=') {
            return Err(format!("'=' expected after {name}"));
        }
        i += 1;
        skip_ws(&mut i);
        let value = match chars.get(i) {
            Some(&q @ ('"' | '\'')) => {
                i += 1;
                let mut v = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(format!("the value of {name} has no closing {q}")),
                        Some('\\') if q == '"' && chars.get(i + 1) == Some(&'"') => {
                            v.push('"');
                            i += 2;
                        }
                        Some(&c) if c == q => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            v.push(c);
                            i += 1;
                        }
                    }
                }
                skip_ws(&mut i);
                if !matches!(chars.get(i), Some(';' | '}')) {
                    return Err(format!("';' or '}}' expected after the value of {name}"));
                }
                v
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ';' | '}') {
                    i += 1;
                }
                let v: String = chars[start..i].iter().collect();
                if v.contains(['"', '\'']) {
                    return Err(format!("the value of {name} has a stray quote"));
                }
                v.trim().to_owned()
            }
        };
        out.push((name, value));
    }
    if i != chars.len() {
        return Err("text after the closing '}'".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn pairs_and_hashes() {
        assert_eq!(parse("Name=WinRM", "--selector"), Ok(pairs(&[("Name", "WinRM")])));
        assert_eq!(parse("Path=a=b", "--set"), Ok(pairs(&[("Path", "a=b")])));
        assert_eq!(parse("Empty=", "--set"), Ok(pairs(&[("Empty", "")])));
        assert_eq!(parse(r#"@{Name="WinRM"}"#, "s"), Ok(pairs(&[("Name", "WinRM")])));
        assert_eq!(parse(r#" @{ Name = "Win RM" ; Other="x;y}z" ; } "#, "s"), Ok(pairs(&[("Name", "Win RM"), ("Other", "x;y}z")])));
        assert_eq!(parse(r#"@{P="C:\Temp\x";Q="say \"hi\""}"#, "s"), Ok(pairs(&[("P", r"C:\Temp\x"), ("Q", r#"say "hi""#)])));
        assert_eq!(parse("@{A=bare value;B='it''s'}", "s").map_err(|_| ()), Err(()), "'' is not an escape");
        assert_eq!(parse("@{A=bare value ;B='a\"b'}", "s"), Ok(pairs(&[("A", "bare value"), ("B", "a\"b")])));
        assert_eq!(parse("@{}", "s"), Ok(vec![]));
        assert_eq!(parse(r#"@{Name="";}"#, "s"), Ok(pairs(&[("Name", "")])));
    }

    #[test]
    fn bad_syntax_is_an_error_naming_the_flag() {
        for bad in [
            "NoEquals",
            "=value",
            "@{",
            r#"@{Name="WinRM""#,
            r#"@{Name="WinRM"} trailing"#,
            r#"@{Name "WinRM"}"#,
            r#"@{="x"}"#,
            r#"@{Name="a" Other="b"}"#,
            r#"@{Na"me=x}"#,
            r#"@{Name=a"b}"#,
        ] {
            let e = parse(bad, "--selector").expect_err(bad);
            assert!(e.starts_with("--selector "), "{bad}: {e}");
        }
    }
}
