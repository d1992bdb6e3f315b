//! `discover`: walk an endpoint and write the target file the corpus's cases
//! will use on it; and the same walk for `check --discover`.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use driver::discover::{discover, DiscoverOptions, Discovery};
use driver::Endpoint;
use wsman_client::Session;

use crate::args::DiscoverArgs;
use crate::check::start_embedded;
use crate::connection::target;

/// Discovers `endpoint` and returns what was found; every probe is one line
/// of [`Discovery::log`].
///
/// # Errors
/// One line when the endpoint does not answer Identify.
pub(crate) async fn discover_endpoint(endpoint: Endpoint) -> Result<Discovery, String> {
    let session = Session::new(endpoint.lenient()).map_err(|e| e.to_string())?;
    discover(&session, DiscoverOptions::default()).await.map_err(|e| e.to_string())
}

/// The name a discovered target gets without `--name`: the product and the endpoint.
pub(crate) fn default_name(d: &Discovery) -> String {
    let vendor = d.identify.product_vendor.as_deref().unwrap_or("endpoint");
    format!("{vendor} at {}", d.endpoint)
}

/// Writes `text` to `path` (`-`: standard output).
pub(crate) fn write_target(path: &Path, text: &str) -> Result<(), String> {
    if path == Path::new("-") {
        return std::io::stdout().lock().write_all(text.as_bytes()).map_err(|e| e.to_string());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) async fn run(a: DiscoverArgs) -> Result<ExitCode, String> {
    let (endpoint, embedded) = match &a.conn.endpoint {
        Some(url) => (target(&a.conn, url)?, None),
        None => {
            let (t, stop, task, _) = start_embedded(a.conn.timeout).await?;
            (t, Some((stop, task)))
        }
    };
    let found = discover_endpoint(endpoint).await;
    if let Some((stop, task)) = embedded {
        let _ = stop.send(());
        let _ = task.await;
    }
    let d = found?;
    for line in &d.log {
        eprintln!("{line}");
    }
    let name = a.name.clone().unwrap_or_else(|| default_name(&d));
    let text = d.to_target_toml(&name);
    let parsed = driver::Target::parse(&text).map_err(|e| format!("the discovered target does not read back (a bug, please report it): {e}"))?;
    write_target(&a.output, &text)?;
    if a.output != Path::new("-") {
        let roles = driver::target::ROLES.iter().filter(|r| parsed.has_role(r)).copied().collect::<Vec<_>>().join(", ");
        eprintln!("wrote {} (roles: {roles}; {} profile(s))", a.output.display(), d.profiles.len());
    }
    Ok(ExitCode::SUCCESS)
}
