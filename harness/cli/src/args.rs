//! Command-line flags as the user types them (DESIGN.md "Command-line contract").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// WS-Management conformance, fuzzing and load-testing harness.
#[derive(Debug, Parser)]
#[command(name = "wsman-harness", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the reference WS-Man endpoint (a simulated Windows host) and the BMC simulator.
    Serve(ServeArgs),
    /// Certify an endpoint against the corpus (the embedded reference server without --endpoint).
    Check(CheckArgs),
    /// Judge captured envelopes offline: XSD and structural rules.
    Validate(ValidateArgs),
    /// Send structured mutations of the corpus and shrink every answer the oracle refuses (the embedded reference server without --endpoint).
    Fuzz(FuzzArgs),
    /// Load an endpoint with a mix of operations; throughput and latency percentiles without coordinated omission (the embedded reference server without --endpoint).
    Load(LoadArgs),
    /// Find the resources the corpus's cases can use on an endpoint (Identify, DMTF registered profiles, Windows classes) and write them as a target file for check --target.
    Discover(DiscoverArgs),
    /// Merge or compare reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Identify the endpoint: product, protocol versions, security profiles (winrm id).
    Identify(IdentifyArgs),
    /// Get one instance (WS-Transfer Get), e.g. `get wmicimv2/Win32_Service --selector Name=WinRM`.
    Get(GetArgs),
    /// Change an instance: Get, set the --set values, Put (as winrm set); or Put the body of --file.
    Put(PutArgs),
    /// Create an instance from --set values or the body of --file; prints the new reference.
    Create(CreateArgs),
    /// Delete an instance.
    Delete(GetArgs),
    /// Enumerate a class or a WQL query (Enumerate, then Pull to the end).
    #[command(visible_alias = "enum")]
    Enumerate(EnumerateArgs),
    /// Invoke a method with --param inputs; prints its output (a non-zero ReturnValue is not an error).
    Invoke(InvokeArgs),
    /// Run a command in a WinRS shell (as winrs): its stdout and stderr as they come, its exit code as ours.
    Shell(ShellArgs),
    /// Subscribe to an event source (WS-Eventing), write one JSON line per event, unsubscribe at the end.
    Collect(CollectArgs),
}

/// Where `identify`, `get`, ... connect without `--endpoint` (winrm's default
/// is the local host; loopback IPv4, where `serve` listens by default).
pub(crate) const DEFAULT_CLIENT_ENDPOINT: &str = "http://127.0.0.1:5985/wsman";

/// Output of the client commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// The instance(s), reference or output as indented XML.
    Xml,
    /// The same as JSON: an object per element (local names as keys, repeated
    /// children as arrays, xsi:nil as null, text as strings, attributes as
    /// "@name"); enumerate prints an array.
    Json,
    /// Every response body as received, one after another.
    Raw,
}

/// The connection and output flags of the client commands.
#[derive(Debug, Args)]
#[command(mut_arg("endpoint", |a| a.help("Endpoint URL [default: http://127.0.0.1:5985/wsman; winrm's default is the local host]")))]
#[command(mut_arg("timeout", |a| a.help("Deadline of one exchange (connect, send, whole response), e.g. 500ms, 10s, 2m").long_help(None::<&str>)))]
pub(crate) struct ClientArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "xml")]
    pub(crate) format: OutputFormat,
    /// Print every HTTP request and response to stderr, for a bug report (Authorization redacted).
    #[arg(long)]
    pub(crate) dump: bool,
}

/// The resource a command addresses.
#[derive(Debug, Args)]
pub(crate) struct ResourceArgs {
    /// Resource URI or winrm alias: wmicimv2/Win32_Service, wmi/root/cimv2/Win32_Service,
    /// cimv2/CIM_NumericSensor (DMTF schema), winrm/config, a full http(s) URI;
    /// `?Name=Value+Other=Value` selectors may follow.
    #[arg(value_name = "RESOURCE")]
    pub(crate) resource: String,
    /// A selector Name=Value, or winrm's @{Name="Value";Other="x"} (repeatable).
    #[arg(long = "selector", value_name = "SELECTOR")]
    pub(crate) selectors: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct IdentifyArgs {
    /// Send no credentials (WSMANIDENTIFY: unauthenticated), as winrm id -auth:none.
    #[arg(long)]
    pub(crate) unauthenticated: bool,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    pub(crate) target: ResourceArgs,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Property values of put and create.
#[derive(Debug, Args)]
pub(crate) struct ValueArgs {
    /// A property Prop=Value, or @{Prop="Value";Other="x"} (repeatable).
    #[arg(long = "set", value_name = "PROP=VALUE")]
    pub(crate) set: Vec<String>,
    /// Send this file's XML element as the body instead of --set values.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["set", "values"])]
    pub(crate) file: Option<PathBuf>,
    /// winrm's form of the values, after the resource: @{Prop="Value";Other="x"}.
    #[arg(value_name = "@{...}")]
    pub(crate) values: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    #[command(flatten)]
    pub(crate) target: ResourceArgs,
    #[command(flatten)]
    pub(crate) values: ValueArgs,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Resource URI or winrm alias (as for get).
    #[arg(value_name = "RESOURCE")]
    pub(crate) resource: String,
    #[command(flatten)]
    pub(crate) values: ValueArgs,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Filter dialects of enumerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Dialect {
    /// A WQL query (SELECT * FROM Win32_Service WHERE State = 'Running').
    Wql,
    /// A selector filter: Name=Value or @{Name="Value";Other="x"}.
    Selector,
}

/// Enumeration modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Endpoint references only (EnumerateEPR).
    Epr,
    /// The objects with their references (EnumerateObjectAndEPR).
    ObjEpr,
}

#[derive(Debug, Args)]
pub(crate) struct EnumerateArgs {
    /// Resource URI or winrm alias (as for get; `wmicimv2/*` with a WQL --filter).
    #[arg(value_name = "RESOURCE")]
    pub(crate) resource: String,
    /// A filter, in the --dialect.
    #[arg(long, value_name = "FILTER")]
    pub(crate) filter: Option<String>,
    /// The filter's dialect.
    #[arg(long, value_enum, default_value = "wql", requires = "filter")]
    pub(crate) dialect: Dialect,
    /// Items per response (wsman:MaxElements, and each Pull's).
    #[arg(long, value_name = "N")]
    pub(crate) max_elements: Option<std::num::NonZeroU64>,
    /// Ask for the first items in the Enumerate response (wsman:OptimizeEnumeration).
    #[arg(long)]
    pub(crate) optimize: bool,
    /// Enumeration mode; the objects without it.
    #[arg(long, value_enum)]
    pub(crate) mode: Option<Mode>,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InvokeArgs {
    /// The method (StopService).
    #[arg(value_name = "METHOD")]
    pub(crate) method: String,
    #[command(flatten)]
    pub(crate) target: ResourceArgs,
    /// An input parameter Name=Value, or @{Name="Value";Other="x"} (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub(crate) params: Vec<String>,
    /// winrm's form of the inputs, after the resource: @{Name="Value"}.
    #[arg(value_name = "@{...}")]
    pub(crate) values: Option<String>,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// `shell`: a command line for a WinRS cmd shell.
#[derive(Debug, Args)]
#[command(mut_arg("endpoint", |a| a.help("Endpoint URL [default: http://127.0.0.1:5985/wsman; winrm's default is the local host]")))]
#[command(mut_arg("timeout", |a| a.help("Deadline of one exchange (connect, send, whole response), e.g. 500ms, 10s, 2m").long_help(None::<&str>)))]
pub(crate) struct ShellArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Print every HTTP request and response to stderr, for a bug report (Authorization redacted).
    #[arg(long)]
    pub(crate) dump: bool,
    /// Interactive: send each line of stdin as it is typed, as a console's
    /// (WINRS_CONSOLEMODE_STDIN); Ctrl-D ends the input.
    #[arg(short = 'i', long)]
    pub(crate) interactive: bool,
    /// The shell's codepage (WINRS_CODEPAGE): 437 as cmd's default, 65001 for UTF-8.
    #[arg(long, value_name = "N", default_value_t = 437)]
    pub(crate) codepage: u32,
    /// Run the program itself, not under cmd /c (WINRS_SKIP_CMD_SHELL).
    #[arg(long)]
    pub(crate) skip_cmd_shell: bool,
    /// The shell's working directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) workdir: Option<String>,
    /// An environment variable of the shell, NAME=VALUE (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub(crate) env: Vec<String>,
    /// How long one Receive waits for output on the endpoint (its
    /// OperationTimeout; shorter than --timeout) [default: 2/3 of --timeout, at most 20s].
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) receive_timeout: Option<Duration>,
    /// The command (cmd's built-ins too: echo, dir, exit /b N, ...).
    #[arg(value_name = "COMMAND")]
    pub(crate) command: String,
    /// Its arguments: everything after COMMAND, flags included, goes to the remote command.
    #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
    pub(crate) args: Vec<String>,
}

/// Delivery modes of collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CollectMode {
    /// Pull the events (WS-Enumeration Pull of the subscription's context, long-polled).
    Pull,
    /// The source pushes each event to a loopback listener collect runs (unacknowledged).
    Push,
    /// As push, each event acknowledged (the source retries until the Ack).
    PushWithAck,
    /// As push-with-ack, in wsman:Events batches.
    Events,
}

/// What collect prints as an event's "event".
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EventFormat {
    /// The payload mapped as `--format json` maps elements.
    Json,
    /// The payload's XML text, as one string.
    Xml,
}

/// `collect`: a subscription and where its events go.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("stop").args(["duration", "events"])))]
#[command(mut_arg("endpoint", |a| a.help("Endpoint URL [default: http://127.0.0.1:5985/wsman; winrm's default is the local host]")))]
#[command(mut_arg("timeout", |a| a.help("Deadline of one exchange (connect, send, whole response), e.g. 500ms, 10s, 2m").long_help(None::<&str>)))]
pub(crate) struct CollectArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Print every HTTP request and response of the subscription to stderr (Authorization redacted).
    #[arg(long)]
    pub(crate) dump: bool,
    /// The event source: a resource URI or winrm alias (wsman/windows/EventLog is the Windows event log).
    #[arg(long, value_name = "URI")]
    pub(crate) resource: String,
    /// How the events come.
    #[arg(long, value_enum, default_value = "pull")]
    pub(crate) mode: CollectMode,
    /// A filter: XML (a <QueryList> of the event query dialect) or text (a WQL query).
    #[arg(long, value_name = "TEXT")]
    pub(crate) filter: Option<String>,
    /// The filter's dialect: a URI, or wql, eventquery [default: eventquery for XML, wql for text].
    #[arg(long, value_name = "URI", requires = "filter")]
    pub(crate) dialect: Option<String>,
    /// Ask for a heartbeat after this long without events (wsman:Heartbeats), e.g. 30s.
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) heartbeats: Option<Duration>,
    /// The subscription's expiry (wse:Expires), renewed at half of what the source grants [default: the source's].
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) expires: Option<Duration>,
    /// Stop (and unsubscribe) after this long.
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) duration: Option<Duration>,
    /// Stop (and unsubscribe) after this many events.
    #[arg(long, value_name = "N")]
    pub(crate) events: Option<std::num::NonZeroU64>,
    /// Resume after this bookmark (the "bookmark" of an earlier line), or `earliest`.
    #[arg(long, value_name = "TEXT")]
    pub(crate) bookmark: Option<String>,
    /// How long one Pull waits on the endpoint (wsen:MaxTime and its
    /// OperationTimeout; shorter than --timeout) [default: 2/3 of --timeout, at most 20s].
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) max_time: Option<Duration>,
    /// The loopback address the push listener binds [default: 127.0.0.1:0, an ephemeral port].
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<SocketAddr>,
    /// How each line's "event" is written.
    #[arg(long, value_enum, default_value = "json")]
    pub(crate) format: EventFormat,
}

/// The connection flags every command that talks to an endpoint takes.
#[derive(Debug, Args)]
pub(crate) struct ConnectionArgs {
    /// Endpoint URL; without it the reference server is started in-process.
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// Credentials NAME:PASS for HTTP Basic.
    #[arg(long, value_name = "NAME:PASS")]
    pub(crate) user: Option<String>,
    /// Authentication scheme.
    #[arg(long, value_name = "SCHEME", default_value = "basic", value_parser = ["basic", "negotiate"])]
    pub(crate) auth: String,
    /// Do not check the server certificate (https).
    #[arg(long, conflicts_with = "ca")]
    pub(crate) insecure: bool,
    /// Check the server certificate against this PEM file.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca: Option<PathBuf>,
    /// Deadline of one exchange (connect, send, whole response), e.g. 500ms, 10s, 2m.
    /// An action that times out twice in a row is not sent again in the run.
    #[arg(long, value_name = "D", default_value = "30s", value_parser = parse_timeout)]
    pub(crate) timeout: Duration,
}

/// A humantime duration greater than zero.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| format!("not a duration such as 500ms, 10s or 2m ({e})"))?;
    if d.is_zero() {
        return Err("the timeout must be greater than 0".into());
    }
    Ok(d)
}

/// Flags of `discover`.
#[derive(Debug, Args)]
pub(crate) struct DiscoverArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Where to write the target file (`-`: standard output).
    #[arg(short, long, value_name = "FILE", default_value = "target.toml")]
    pub(crate) output: PathBuf,
    /// The target's name in reports [default: the product vendor and the endpoint URL].
    #[arg(long, value_name = "TEXT")]
    pub(crate) name: Option<String>,
}

/// Where and how reports are written.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Folder for the reports.
    #[arg(long, value_name = "DIR", default_value = "wsman-report")]
    pub(crate) report_dir: PathBuf,
    /// Report formats, comma-separated: json, junit, html, md.
    #[arg(long, value_name = "LIST", default_value = "json,junit,html,md")]
    pub(crate) format: String,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Run only this profile (repeatable): core, transfer, enumeration, eventing, shell, ipmi.
    #[arg(long = "profile", value_name = "NAME")]
    pub(crate) profiles: Vec<String>,
    /// Use this corpus folder instead of the built-in corpus.
    #[arg(long, value_name = "DIR")]
    pub(crate) corpus: Option<PathBuf>,
    /// Target file: the endpoint's resources by role (what `discover` writes); cases needing a role it lacks are SKIP [default: the built-in reference target].
    #[arg(long, value_name = "FILE")]
    pub(crate) target: Option<PathBuf>,
    /// Discover the endpoint's resources first (as `discover` does) and run against them; the target is written to the report folder as target.toml.
    #[arg(long, conflicts_with = "target")]
    pub(crate) discover: bool,
    /// Run only cases whose id matches this glob.
    #[arg(long = "case", value_name = "GLOB")]
    pub(crate) case: Option<String>,
    /// Waiver file (glob -> reason): known failures become WARN.
    #[arg(long, value_name = "FILE")]
    pub(crate) waivers: Option<PathBuf>,
    /// Compare normalized responses with the snapshots in this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshots: Option<PathBuf>,
    /// Write snapshots instead of comparing (never when CI is set).
    #[arg(long, requires = "snapshots")]
    pub(crate) update_snapshots: bool,
    /// Cases in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub(crate) concurrency: usize,
    #[command(flatten)]
    pub(crate) report: ReportArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FuzzArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Cases to run [default: 10000 when --duration is not given either].
    #[arg(long, value_name = "N", conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) cases: Option<u64>,
    /// Run for this long instead of a number of cases, e.g. 30s, 5m.
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) duration: Option<Duration>,
    /// The seed: the same seed gives the same cases [default: from the clock, printed].
    #[arg(long, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// Run only this case number of the seed (what a find's "reproduce with" line says).
    #[arg(long = "case", value_name = "ID")]
    pub(crate) case: Option<u64>,
    /// Seed only from this profile's cases (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    pub(crate) profiles: Vec<String>,
    /// Use this corpus folder instead of the built-in corpus.
    #[arg(long, value_name = "DIR")]
    pub(crate) corpus: Option<PathBuf>,
    /// Write each shrunk find as a corpus case in this folder (a profile named after it), for check to replay.
    #[arg(long, value_name = "DIR")]
    pub(crate) save_regressions: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) concurrency: u64,
    #[command(flatten)]
    pub(crate) report: ReportArgs,
}

/// A humantime duration (zero allowed: `--warmup 0s`).
fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("not a duration such as 500ms, 10s or 2m ({e})"))
}

/// A request rate: a finite number above zero.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err("the rate is a number of requests per second above 0, e.g. 500".into()),
    }
}

#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    #[command(flatten)]
    pub(crate) conn: ConnectionArgs,
    /// Weighted operations OP=W,...: identify, get-service, enumerate-optimized, enumerate-flow, winrs-flow, or a single-step corpus case id.
    #[arg(long, value_name = "OP=W,...", default_value = "identify")]
    pub(crate) mix: String,
    /// Virtual users, each with its own keep-alive connection.
    #[arg(long, short = 'c', value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) connections: u64,
    /// Generator threads (as wrk's -t); 1 drives every connection from one thread, with no cross-thread wake-ups [default: the machine's cores].
    #[arg(long, short = 't', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
    /// Open schedule: this many requests (flows) per second over all connections; latency from each request's intended start. Without it: closed (as fast as answers come).
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub(crate) rate: Option<f64>,
    /// Measure for this long after the warm-up [default: 10s when --requests is not given either].
    #[arg(long, value_name = "D", conflicts_with = "requests", value_parser = parse_timeout)]
    pub(crate) duration: Option<Duration>,
    /// Measure this many requests (flows), then stop.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) requests: Option<u64>,
    /// Send for this long before measuring (not counted).
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_duration_or_zero)]
    pub(crate) warmup: Duration,
    /// Run shard I of N (from 0): the rate (open) or the connections (closed) are split; `report merge` joins the shards' --hdr-log files.
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<String>,
    /// Objectives, e.g. 'p99<50ms,errors<0.1%' (p50 p90 p99 p999 p9999 max, errors as % or count); exit 1 when one breaks.
    #[arg(long, value_name = "EXPR")]
    pub(crate) slo: Option<String>,
    /// Step the open rate (start at --rate or 50, double until the SLO breaks, then bisect) and report the highest rate that held.
    #[arg(long, requires = "slo")]
    pub(crate) find_knee: bool,
    /// Write the HDR interval log (one histogram per second and operation, tagged) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) hdr_log: Option<PathBuf>,
    /// Use this corpus folder for corpus case ids in --mix instead of the built-in corpus.
    #[arg(long, value_name = "DIR")]
    pub(crate) corpus: Option<PathBuf>,
    /// Switch on a defect of the embedded reference server (without --endpoint only; repeatable), e.g. late-past-operation-timeout.
    #[arg(long = "defect", value_name = "NAME")]
    pub(crate) defects: Vec<String>,
    #[command(flatten)]
    pub(crate) report: ReportArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Fail the deviations Windows tolerates from real clients (reported as WARN otherwise).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Envelope files or folders (searched for *.xml).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) report: ReportArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Merge report.json files (shards) into one, or HDR interval logs of `load --hdr-log` (shards) into exact whole-run percentiles (load.json, load.md, load.html).
    Merge {
        /// The report.json files, or the interval logs.
        #[arg(required = true, value_name = "LOG")]
        logs: Vec<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// List regressions (pass -> fail) and fixes; exit 1 on any regression.
    Diff {
        /// The baseline report.json.
        old: PathBuf,
        /// The new report.json.
        new: PathBuf,
        /// Compare runs whose corpus digests differ (refused by default: exit 2).
        #[arg(long)]
        allow_corpus_change: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Plain HTTP listener address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5985")]
    pub(crate) http: SocketAddr,
    /// HTTPS listener address (TLS with --cert/--key, or a self-signed certificate).
    #[arg(long, value_name = "ADDR")]
    pub(crate) https: Option<SocketAddr>,
    /// PEM certificate chain for --https.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// PEM private key for --https.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// IPMI-over-LAN (UDP) listener address of the BMC simulator.
    #[arg(long, value_name = "ADDR")]
    pub(crate) ipmi: Option<SocketAddr>,
    /// A user NAME:PASS (repeatable); without it, admin:admin on loopback only.
    #[arg(long = "user", value_name = "NAME:PASS")]
    pub(crate) users: Vec<String>,
    /// Accept HTTP Basic over plain HTTP (WinRM's AllowUnencrypted).
    #[arg(long)]
    pub(crate) allow_unencrypted: bool,
    /// BMC scenario file (TOML); the built-in default otherwise.
    #[arg(long, value_name = "FILE")]
    pub(crate) scenario: Option<PathBuf>,
    /// Switch on a named misbehaviour (repeatable); see --list-defects.
    #[arg(long = "defect", value_name = "NAME")]
    pub(crate) defects: Vec<String>,
    /// Print the defect names and what each changes, then exit.
    #[arg(long)]
    pub(crate) list_defects: bool,
    /// WinRS shells one user may hold at once, capped by winrm/config/winrs MaxShellsPerUser [default: 30, as Windows Server 2012].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_shells_per_user: Option<u32>,
    /// Commands one WinRS shell may run at once, capped by winrm/config/winrs MaxProcessesPerShell [default: 25, as Windows Server 2012].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_processes_per_shell: Option<u32>,
    /// Publish a timer event in the Application log every D (e.g. 1s), so event subscribers always have something to receive [default: off].
    #[arg(long, value_name = "D", value_parser = parse_timeout)]
    pub(crate) event_timer: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;

    #[test]
    fn the_default_timeout_is_the_drivers() {
        assert_eq!(parse_timeout("30s"), Ok(driver::DEFAULT_TIMEOUT));
        assert_eq!(parse_timeout("500ms"), Ok(std::time::Duration::from_millis(500)));
        assert!(parse_timeout("0ms").is_err());
    }
}
