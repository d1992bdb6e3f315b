//! Discovery against the reference server: the BMC's DMTF profiles through
//! the interop namespace, the Windows classes beside them.

use driver::discover::{discover, DiscoverOptions, PROFILES};
use test_support::TestServer;
use wsman_client::{Endpoint, Session};

fn session(url: &str) -> Session {
    Session::new(Endpoint::new(url).with_user("admin", "admin").with_timeout(std::time::Duration::from_secs(20))).expect("session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_host_advertises_its_profiles_and_every_class_answers() {
    let server = TestServer::reference().await;
    let d = discover(&session(&server.url), DiscoverOptions::default()).await.expect("discover");
    assert_eq!(d.interop_namespace.as_deref(), Some("root/interop"), "{:#?}", d.log);
    for known in PROFILES {
        let p = d.profiles.iter().find(|p| p.dsp == Some(known.dsp)).unwrap_or_else(|| panic!("{} not advertised: {:#?}", known.dsp, d.log));
        assert_eq!(p.organization, "DMTF");
        assert!(!p.version.is_empty(), "{} has no RegisteredVersion", known.dsp);
        assert_eq!(p.classes.len(), known.classes.len());
        for c in &p.classes {
            assert_eq!(c.error, None, "{} {}", known.dsp, c.class);
            assert!(c.instances > 0, "{} {} has no instance", known.dsp, c.class);
            assert!(c.selectors.as_ref().is_some_and(|s| !s.is_empty()), "{} {}: no selectors in its EPR", known.dsp, c.class);
        }
    }
    let text = d.to_target_toml("reference host (discovered)");
    let t: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // Generic roles come from the DMTF classes, Windows-only ones from cimv2.
    assert_eq!(t["keyed"]["class"].as_str(), Some("CIM_NumericSensor"), "{text}");
    assert!(t["keyed"]["resource_uri"].as_str().is_some_and(|u| u.starts_with(wsman_proto::ns::DMTF_CIM_RESOURCE_PREFIX)));
    assert!(t["keyed"]["instances"].as_integer().is_some_and(|n| n >= 2));
    assert_eq!(t["method"]["method"].as_str(), Some("RequestPowerStateChange"), "{text}");
    assert_eq!(t["read_only"]["property"].as_str(), Some("CurrentReading"), "{text}");
    assert!(t["writable"]["property"].as_str().is_some_and(|p| p.contains("Threshold")), "{text}");
    assert_eq!(t["singleton"]["class"].as_str(), Some("Win32_OperatingSystem"), "{text}");
    assert_eq!(t["instance"]["class"].as_str(), Some("CIM_ComputerSystem"), "{text}");
    assert!(t["instance"]["selectors"]["Name"].as_str().is_some(), "{text}");
    for role in ["creatable", "event_source", "shell", "cimv2", "config", "hardware"] {
        assert!(t.contains_key(role), "no {role}: {text}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_bmc_the_windows_classes_fill_the_roles() {
    let server = TestServer::default_server().await;
    let d = discover(&session(&server.url), DiscoverOptions::default()).await.expect("discover");
    assert!(d.profiles.is_empty(), "{:#?}", d.profiles);
    assert_eq!(d.interop_namespace, None);
    let text = d.to_target_toml("windows");
    let t: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(t["keyed"]["class"].as_str(), Some("Win32_Service"), "{text}");
    assert_eq!(t["instance"]["class"].as_str(), Some("Win32_OperatingSystem"), "{text}");
    assert!(t["instance"].get("selectors").is_none(), "{text}");
    assert!(!t.contains_key("profile"), "{text}");
    // The Windows fallbacks: the OS variable written with its own value, WinRM's start mode.
    assert_eq!(t["writable"]["property"].as_str(), Some("VariableValue"), "{text}");
    assert_eq!(t["writable"]["value"].as_str(), Some("Windows_NT"), "{text}");
    assert_eq!(t["method"]["method"].as_str(), Some("ChangeStartMode"), "{text}");
    assert_eq!(t["method"]["input"]["StartMode"].as_str(), Some("Automatic"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_dead_endpoint_is_an_identify_error_in_bounded_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/wsman", listener.local_addr().expect("addr"));
    drop(listener);
    let s = Session::new(Endpoint::new(url).with_user("a", "b").with_timeout(std::time::Duration::from_secs(2))).expect("session");
    let e = discover(&s, DiscoverOptions::default()).await.expect_err("nothing listens");
    assert!(e.to_string().starts_with("Identify failed"), "{e}");
}

#[test]
fn the_profile_table_agrees_with_the_simulated_bmc() {
    // Discovery carries its own table (it walks third-party endpoints); the
    // BMC simulator advertises from its own. They must name the same classes.
    for (dsp, name, classes) in ipmi_sim::cim::PROFILE_CLASSES {
        let known = PROFILES.iter().find(|p| p.dsp == *dsp).unwrap_or_else(|| panic!("{dsp} unknown to discovery"));
        assert_eq!(known.name, *name, "{dsp}");
        assert_eq!(known.classes, *classes, "{dsp}");
    }
    assert_eq!(PROFILES.len(), ipmi_sim::cim::PROFILE_CLASSES.len());
}
