use super::*;
use proptest::prelude::*;

fn svc() -> Instance {
    Instance::new("urn:test/Win32_Service", "Win32_Service")
        .with_key("Name", "WinRM")
        .with("Name", Value::str("WinRM"))
        .with("State", Value::str("Running"))
        .with("StartMode", Value::str("Auto"))
        .with("ProcessId", Value::UInt(1234))
        .with("ExitCode", Value::Int(-5))
        .with("Started", Value::Bool(true))
        .with("TagId", Value::str("42"))
        .with("Load", Value::Real(0.5))
        .with("InstallDate", Value::Null)
        .with("Caption", Value::str("Windows Remote Management (WS-Management)"))
        .with("Deps", Value::Array(vec![Value::str("RPCSS"), Value::str("HTTP")]))
}

fn m(q: &str) -> bool {
    Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).matches(&svc())
}

fn where_(expr: &str) -> bool {
    m(&format!("SELECT * FROM Win32_Service WHERE {expr}"))
}

#[test]
fn select_star_and_property_list() {
    let q = Query::parse("SELECT * FROM Win32_Service").unwrap();
    assert_eq!(q.class_name(), "Win32_Service");
    assert_eq!(q.properties(), None);
    assert!(q.selects("anything"));
    assert!(q.filter().is_none());
    assert!(q.matches(&svc()));

    let q = Query::parse("select Name ,state from win32_service").unwrap();
    assert_eq!(q.class_name(), "win32_service");
    assert_eq!(q.properties(), Some(&["Name".to_string(), "state".to_string()][..]));
    assert!(q.selects("STATE"));
    assert!(!q.selects("ProcessId"));
}

#[test]
fn keywords_any_case() {
    assert!(m("sElEcT * fRoM Win32_Service wHeRe name = 'winrm' aNd NoT state = 'Stopped'"));
}

#[test]
fn equality_strings_case_insensitive() {
    assert!(where_("Name = 'winrm'"));
    assert!(where_("name = \"WINRM\""));
    assert!(!where_("Name = 'WinRM2'"));
    assert!(where_("'WinRM' = Name"));
}

#[test]
fn not_equal_both_spellings() {
    assert!(where_("State <> 'Stopped'"));
    assert!(where_("State != 'Stopped'"));
    assert!(!where_("State <> 'running'"));
    assert!(!where_("State != 'RUNNING'"));
}

#[test]
fn ordering_numbers() {
    assert!(where_("ProcessId > 1000"));
    assert!(!where_("ProcessId > 1234"));
    assert!(where_("ProcessId >= 1234"));
    assert!(where_("ProcessId <= 1234"));
    assert!(!where_("ProcessId < 1234"));
    assert!(where_("ProcessId < 99999999999999999999"));
    assert!(where_("ExitCode < 0"));
    assert!(where_("ExitCode = -5"));
    assert!(where_("Load > 0.25"));
    assert!(!where_("Load >= 1"));
    // Literal on the left flips the operator.
    assert!(where_("1000 < ProcessId"));
    assert!(!where_("1000 > ProcessId"));
}

#[test]
fn ordering_strings_case_insensitive() {
    assert!(where_("Name > 'a'"));
    assert!(where_("Name < 'x'"));
    assert!(where_("Name >= 'WINRM'"));
    assert!(!where_("Name > 'WINRM'"));
}

#[test]
fn coercions() {
    // String property vs number literal.
    assert!(where_("TagId = 42"));
    assert!(where_("TagId > 41"));
    assert!(!where_("TagId = 43"));
    // Numeric property vs string literal.
    assert!(where_("ProcessId = '1234'"));
    assert!(!where_("ProcessId = 'abc'"));
    // A non-numeric string vs a number is unknown, in both polarities.
    assert!(!where_("Name = 5"));
    assert!(!where_("Name <> 5"));
}

#[test]
fn booleans() {
    assert!(where_("Started = TRUE"));
    assert!(where_("Started = true"));
    assert!(!where_("Started = FALSE"));
    assert!(where_("Started <> false"));
    assert!(where_("Started = 'True'"));
    assert!(!where_("Name = TRUE"));
    let s = Instance::new("u", "C").with("Flag", Value::str("false"));
    assert!(Query::parse("SELECT * FROM C WHERE Flag = FALSE").unwrap().matches(&s));
}

#[test]
fn and_or_not_parentheses_precedence() {
    assert!(where_("Name = 'WinRM' AND State = 'Running'"));
    assert!(!where_("Name = 'WinRM' AND State = 'Stopped'"));
    assert!(where_("Name = 'x' OR State = 'Running'"));
    assert!(!where_("Name = 'x' OR State = 'y'"));
    assert!(where_("NOT Name = 'x'"));
    assert!(!where_("NOT Name = 'WinRM'"));
    assert!(where_("NOT NOT Name = 'WinRM'"));
    // AND binds tighter than OR: true OR (false AND false).
    assert!(where_("Name = 'WinRM' OR Name = 'x' AND State = 'y'"));
    assert!(!where_("(Name = 'WinRM' OR Name = 'x') AND State = 'y'"));
    assert!(where_("((Name = 'WinRM'))"));
}

#[test]
fn like_wildcards() {
    assert!(where_("Name LIKE 'win%'"));
    assert!(where_("Name LIKE '%RM'"));
    assert!(where_("Name LIKE '%'"));
    assert!(where_("Name LIKE 'W_nRM'"));
    assert!(!where_("Name LIKE 'W_RM'"));
    assert!(where_("Name LIKE '[uvw]inrm'"));
    assert!(where_("Name LIKE '[a-z]%'"));
    assert!(!where_("Name LIKE '[^w]%'"));
    assert!(where_("Caption LIKE '%(WS-Management)'"));
    assert!(where_("Caption LIKE '%remote%management%'"));
    assert!(!where_("Name LIKE 'WinR'"));
    assert!(!where_("Name LIKE 'WinRM_'"));
    assert!(where_("Name NOT LIKE 'x%'"));
    assert!(!where_("NOT Name LIKE 'w%'"));
    assert!(where_("ProcessId LIKE '12%'"));
    assert!(!where_("InstallDate LIKE '%'"));
}

#[test]
fn like_direct() {
    let c = |s: &str| s.chars().collect::<Vec<_>>();
    assert!(like(&c(""), &c("%%")));
    assert!(!like(&c(""), &c("_")));
    assert!(like(&c("abcabc"), &c("%b%c")));
    assert!(like(&c("a[b"), &c("a[b")));
    assert!(!like(&c("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), &c("%a%a%a%a%a%ac")));
}

#[test]
fn is_null_and_is_not_null() {
    assert!(where_("InstallDate IS NULL"));
    assert!(!where_("InstallDate IS NOT NULL"));
    assert!(where_("Name IS NOT NULL"));
    assert!(!where_("Name IS NULL"));
    assert!(where_("Missing IS NULL"));
    assert!(where_("InstallDate = NULL"));
    assert!(where_("Name <> NULL"));
}

#[test]
fn nulls_are_unknown() {
    assert!(!where_("InstallDate = 'x'"));
    assert!(!where_("InstallDate <> 'x'"));
    assert!(!where_("NOT InstallDate = 'x'"));
    assert!(where_("InstallDate = 'x' OR Name = 'WinRM'"));
    assert!(!where_("Missing = 1"));
    assert!(!where_("Deps = 'HTTP'"));
}

#[test]
fn escapes_in_strings() {
    let s = Instance::new("u", "C").with("PathName", Value::str("C:\\Windows\\it's"));
    let q = Query::parse(r"SELECT * FROM C WHERE PathName = 'c:\\windows\\it\'s'").unwrap();
    assert!(q.matches(&s));
    let q = Query::parse(r#"SELECT * FROM C WHERE PathName = "C:\\Windows\\it's""#).unwrap();
    assert!(q.matches(&s));
}

#[test]
fn referenced_properties() {
    let q = Query::parse("SELECT Name FROM C WHERE State = 'x' OR NOT (Load LIKE 'y' AND Tag IS NULL)").unwrap();
    assert_eq!(q.referenced_properties(), vec!["Name", "State", "Load", "Tag"]);
}

#[test]
fn errors_are_typed() {
    let e = |q: &str| Query::parse(q).unwrap_err();
    assert_eq!(e(""), WqlError::UnexpectedEnd { expected: "SELECT" });
    assert!(matches!(e("ASSOCIATORS OF {Win32_Service.Name='WinRM'}"), WqlError::UnsupportedStatement(_)));
    assert!(matches!(e("REFERENCES OF {x}"), WqlError::UnsupportedStatement(_)));
    assert!(matches!(e("SELECT FROM C"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * C"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT *"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT a, FROM C"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = "), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a == 1"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = b"), WqlError::PropertyComparison(_)));
    assert!(matches!(e("SELECT * FROM C WHERE 1 = 1"), WqlError::LiteralComparison(_)));
    assert!(matches!(e("SELECT * FROM C WHERE a = 'x"), WqlError::UnterminatedString(_)));
    assert!(matches!(e(r"SELECT * FROM C WHERE a = 'x\n'"), WqlError::InvalidEscape(_)));
    assert!(matches!(e("SELECT * FROM C WHERE a = 12abc"), WqlError::InvalidNumber(_)));
    assert!(matches!(e("SELECT * FROM C WHERE a = 1.2.3"), WqlError::InvalidNumber(_)));
    assert!(matches!(e("SELECT * FROM C WHERE a = -"), WqlError::InvalidNumber(_)));
    assert!(matches!(e("SELECT * FROM C WHERE a LIKE 5"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a IS 5"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a NOT = 5"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE (a = 1"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = 1)"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = 1 AND"), WqlError::UnexpectedEnd { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a ISA 'x'"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = 1 ; DROP"), WqlError::UnexpectedChar { ch: ';', .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a ! 1"), WqlError::UnexpectedChar { ch: '!', .. }));
    assert!(matches!(e("SELECT * FROM WHERE"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C GROUP BY a"), WqlError::UnexpectedToken { .. }));
    assert!(matches!(e("SELECT * FROM C WHERE a = 1 a"), WqlError::UnexpectedToken { .. }));
}

#[test]
fn depth_and_length_are_bounded() {
    let deep = format!("SELECT * FROM C WHERE {}a = 1{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
    assert!(matches!(Query::parse(&deep), Err(WqlError::TooDeep(_))));
    let nots = format!("SELECT * FROM C WHERE {} a = 1", "NOT ".repeat(10_000));
    assert!(matches!(Query::parse(&nots), Err(WqlError::TooDeep(_))));
    let ok = format!("SELECT * FROM C WHERE {}a = 1{}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
    assert!(Query::parse(&ok).is_ok());
    let long = format!("SELECT * FROM C WHERE a = '{}'", "x".repeat(MAX_QUERY_LEN));
    assert!(matches!(Query::parse(&long), Err(WqlError::TooLong(_))));
}

#[test]
fn error_maps_to_enumeration_cannot_process_filter() {
    let f: Fault = Query::parse("SELECT").unwrap_err().into();
    assert_eq!(f.kind, FaultKind::EnumerationCannotProcessFilter);
}

#[test]
fn selector_filter() {
    let s = svc();
    let f = |pairs: &[(&str, &str)]| {
        let mut set = SelectorSet::default();
        for (n, v) in pairs {
            set.push(n, *v);
        }
        selector_filter_matches(&set, &s)
    };
    assert!(f(&[]));
    assert!(f(&[("name", "winrm")]));
    assert!(f(&[("State", "running"), ("StartMode", "Auto")]));
    assert!(!f(&[("State", "Stopped"), ("StartMode", "Auto")]));
    assert!(f(&[("Started", "TRUE")]));
    assert!(f(&[("ProcessId", "1234")]));
    assert!(f(&[("Deps", "http")]));
    assert!(!f(&[("Nope", "x")]));
    assert!(!f(&[("InstallDate", "")]));
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,200}") {
        let _ = Query::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_query_like_text(
        s in proptest::collection::vec(prop_oneof![
            Just("SELECT"), Just("*"), Just("FROM"), Just("C"), Just("WHERE"), Just("a"), Just("="),
            Just("<>"), Just("!="), Just("<"), Just(">="), Just("AND"), Just("OR"), Just("NOT"),
            Just("("), Just(")"), Just("LIKE"), Just("'%x_'"), Just("IS"), Just("NULL"), Just("1"),
            Just("-2.5"), Just("TRUE"), Just(","), Just("\"q\""), Just("'[^a-"),
        ], 0..40)
    ) {
        let q = s.join(" ");
        if let Ok(parsed) = Query::parse(&q) {
            // Whatever parses evaluates without panicking.
            let _ = parsed.matches(&svc());
        }
    }

    #[test]
    fn like_percent_matches_everything(t in "\\PC{0,40}") {
        let i = Instance::new("u", "C").with("P", Value::Str(t));
        prop_assert!(Query::parse("SELECT * FROM C WHERE P LIKE '%'").unwrap().matches(&i));
    }

    #[test]
    fn equality_is_case_insensitive(t in "[a-zA-Z0-9 ]{0,20}") {
        let i = Instance::new("u", "C").with("P", Value::Str(t.to_uppercase()));
        let q = Query::parse(&format!("SELECT * FROM C WHERE P = '{}'", t.to_lowercase())).unwrap();
        prop_assert!(q.matches(&i));
    }
}
