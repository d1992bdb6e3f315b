//! Command-line flags as the user types them (DESIGN.md "Command-line contract").

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}
