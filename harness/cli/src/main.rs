//! `wsman-harness`: the only binary. Flags are parsed here (low level), turned
//! into checked settings (high level) and handed to the libraries; no protocol
//! logic lives in this crate.

mod args;
mod check;
mod client_cmd;
mod connection;
mod discover;
mod fuzz;
mod load;
mod report_cmd;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for usage and setup errors (DESIGN.md).
pub(crate) const EXIT_USAGE: u8 = 2;

/// Installs the `tracing` subscriber: events to stderr (ANSI colours only on
/// a terminal), filtered by `RUST_LOG` as `tracing_subscriber`'s `Targets`
/// (`info`, `wsman_server=debug,warn`, ...). The default is `info` for
/// `serve` (one access line per request) and `warn` for every other command:
/// the server `check` starts in-process must not print its access lines over
/// the run's console output. stdout is left to the commands (readiness
/// lines, reports).
fn init_logging(command: &args::Command) -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let default = match command {
        args::Command::Serve(_) => tracing::Level::INFO,
        _ => tracing::Level::WARN,
    };
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    let filter = match from_env.as_deref().map(str::parse::<Targets>) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("warning: RUST_LOG is not a list of target=level directives ({e}); using the default");
            Targets::new().with_default(default)
        }
        None => Targets::new().with_default(default),
    };
    // Lines go through a bounded queue to a writer thread, which drops lines
    // rather than wait when the queue is full: a stderr that nobody reads (a
    // pipe left undrained by a script) must never stall request handling.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(true).finish(std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(std::io::stderr().is_terminal());
    // A second subscriber cannot be installed; there is none before this one.
    let _ = tracing_subscriber::registry().with(filter).with(fmt).try_init();
    guard
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line, not clap's usage block: scripts read the first line.
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
            eprintln!("{first}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Kept to the end of main: dropping it flushes the queued log lines.
    let _log_guard = init_logging(&cli.command);
    // `load --threads N` sizes the generator's runtime; one thread is a
    // current-thread runtime, as wrk -t1 is one event loop.
    let mut builder = match &cli.command {
        args::Command::Load(a) if a.threads == Some(1) => tokio::runtime::Builder::new_current_thread(),
        args::Command::Load(args::LoadArgs { threads: Some(n), .. }) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(usize::from(*n));
            b
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            args::Command::Serve(a) => serve::run(a).await,
            args::Command::Check(a) => check::run(a).await,
            args::Command::Discover(a) => discover::run(a).await,
            args::Command::Report(c) => report_cmd::run(c),
            args::Command::Validate(a) => validate::run(a),
            args::Command::Fuzz(a) => fuzz::run(a).await,
            args::Command::Load(a) => load::run(a).await,
            c => client_cmd::run(c).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
