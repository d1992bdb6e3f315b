//! The client commands, `identify|get|put|create|delete|enumerate|invoke|shell|collect`:
//! flags -> a [`Session`] and typed values -> one [`wsman_client`] call ->
//! [`output`]. The protocol is the library's; this module only reads what
//! was typed and prints what came back.

mod collect;
mod json;
mod output;
mod shell;
mod values;

use std::process::ExitCode;
use std::sync::Arc;

use wsman_client::message::{Enumerate, EnumerationMode, Filter, Message};
use wsman_client::{Resource, Session};
use wsman_proto::{ns, Element, Limits, Property, SelectorSet, Value};

use crate::args::{
    ClientArgs, Command, CreateArgs, Dialect, EnumerateArgs, GetArgs, IdentifyArgs, InvokeArgs, Mode, OutputFormat, PutArgs, ResourceArgs, ValueArgs,
    DEFAULT_CLIENT_ENDPOINT,
};
use output::{Answer, Wire};

/// The checked settings of one client command (the high-level arguments).
struct Client {
    session: Session,
    url: String,
    format: OutputFormat,
    wire: Arc<Wire>,
}

impl Client {
    fn new(a: &ClientArgs) -> Result<Client, String> {
        let url = a.conn.endpoint.clone().unwrap_or_else(|| DEFAULT_CLIENT_ENDPOINT.to_owned());
        let wire = Arc::new(Wire::new(a.dump, a.format == OutputFormat::Raw));
        let endpoint = crate::connection::target(&a.conn, &url)?.with_observer(wire.clone());
        let session = Session::new(endpoint).map_err(|e| e.to_string())?;
        Ok(Client { session, url, format: a.format, wire })
    }

    /// Prints the answer, or the error with its exit status.
    fn finish(&self, answer: Result<Answer, wsman_client::Error>) -> ExitCode {
        match answer {
            Ok(a) => {
                output::print(&a, self.format, &self.wire);
                ExitCode::SUCCESS
            }
            Err(e) => {
                if self.format == OutputFormat::Raw {
                    // What came back, a fault envelope included, on stdout as asked.
                    output::print(&Answer::Nothing, self.format, &self.wire);
                }
                output::fail(&e, &self.url)
            }
        }
    }
}

/// RESOURCE and its selectors (`?Name=Value` in it, then every `--selector`).
fn resource(text: &str, selectors: &[String]) -> Result<Resource, String> {
    let mut r = Resource::parse(text).map_err(|e| e.to_string())?;
    for (name, value) in values::parse_all(selectors, "--selector")? {
        r.selectors.push(&name, value);
    }
    Ok(r)
}

fn target(t: &ResourceArgs) -> Result<Resource, String> {
    resource(&t.resource, &t.selectors)
}

/// String-valued properties (the wire has no types).
fn properties(pairs: Vec<(String, String)>) -> Vec<Property> {
    pairs.into_iter().map(|(name, value)| Property { name, value: Value::Str(value) }).collect()
}

/// `--set` values and the trailing `@{...}`, in that order.
fn set_values(v: &ValueArgs) -> Result<Vec<Property>, String> {
    Ok(properties(values::parse_all(v.set.iter().chain(v.values.iter()), "--set")?))
}

/// The root element of `--file`.
fn file_body(path: &std::path::Path) -> Result<Element, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("--file {}: {e}", path.display()))?;
    wsman_proto::xml::parse(&bytes, &Limits::default()).map_err(|e| format!("--file {}: not an XML element: {e}", path.display()))
}

/// Runs one client command.
pub(crate) async fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Identify(a) => identify(a).await,
        Command::Get(a) => get(a).await,
        Command::Put(a) => put(a).await,
        Command::Create(a) => create(a).await,
        Command::Delete(a) => delete(a).await,
        Command::Enumerate(a) => enumerate(a).await,
        Command::Invoke(a) => invoke(a).await,
        Command::Shell(a) => shell::run(a).await,
        Command::Collect(a) => collect::run(a).await,
        other => Err(format!("not a client command: {other:?}")),
    }
}

async fn identify(a: IdentifyArgs) -> Result<ExitCode, String> {
    let c = Client::new(&a.client)?;
    let r = if a.unauthenticated { c.session.identify_unauthenticated().await } else { c.session.identify().await };
    Ok(c.finish(r.map(|id| id.into_body().into_iter().next().map_or(Answer::Nothing, Answer::One))))
}

async fn get(a: GetArgs) -> Result<ExitCode, String> {
    let r = target(&a.target)?;
    let c = Client::new(&a.client)?;
    Ok(c.finish(c.session.get(&r).await.map(|g| Answer::One(g.representation))))
}

async fn put(a: PutArgs) -> Result<ExitCode, String> {
    let r = target(&a.target)?;
    let changes = set_values(&a.values)?;
    let body = a.values.file.as_deref().map(file_body).transpose()?;
    if body.is_none() && changes.is_empty() {
        return Err("put needs --set PROP=VALUE, @{PROP=\"VALUE\"} or --file FILE".into());
    }
    let c = Client::new(&a.client)?;
    let answer = match body {
        Some(el) => c.session.put(&r, el).await,
        None => c.session.set(&r, &changes).await,
    };
    Ok(c.finish(answer.map(|p| p.representation.map_or(Answer::Nothing, Answer::One))))
}

async fn create(a: CreateArgs) -> Result<ExitCode, String> {
    let r = resource(&a.resource, &[])?;
    let changes = set_values(&a.values)?;
    let body = match a.values.file.as_deref().map(file_body).transpose()? {
        Some(el) => el,
        None if changes.is_empty() => return Err("create needs --set PROP=VALUE, @{PROP=\"VALUE\"} or --file FILE".into()),
        None => {
            // The representation of a new instance: `<p:Class xmlns:p=URI>`,
            // the class being the URI's last segment.
            let class = r.uri.rsplit('/').next().unwrap_or_default().to_owned();
            let mut instance = wsman_proto::Instance::new(r.uri.clone(), class);
            instance.properties = changes;
            instance.to_element()
        }
    };
    let c = Client::new(&a.client)?;
    Ok(c.finish(c.session.create(&r, body).await.map(|epr| Answer::One(epr.to_element(ns::WXF, "ResourceCreated")))))
}

async fn delete(a: GetArgs) -> Result<ExitCode, String> {
    let r = target(&a.target)?;
    let c = Client::new(&a.client)?;
    Ok(c.finish(c.session.delete(&r).await.map(|()| Answer::Nothing)))
}

async fn enumerate(a: EnumerateArgs) -> Result<ExitCode, String> {
    let r = resource(&a.resource, &[])?;
    let filter = match (&a.filter, a.dialect) {
        (None, _) => None,
        (Some(q), Dialect::Wql) => Some(Filter::Wql(q.clone())),
        (Some(s), Dialect::Selector) => {
            let mut set = SelectorSet::default();
            for (name, value) in values::parse(s, "--filter")? {
                set.push(&name, value);
            }
            Some(Filter::Selector(set))
        }
    };
    let request = Enumerate {
        optimize: a.optimize,
        max_elements: a.max_elements,
        mode: match a.mode {
            None => EnumerationMode::Object,
            Some(Mode::Epr) => EnumerationMode::Epr,
            Some(Mode::ObjEpr) => EnumerationMode::ObjectAndEpr,
        },
        filter,
        ..Enumerate::default()
    };
    let c = Client::new(&a.client)?;
    let items = match c.session.enumerate(&r, request).await {
        Ok(e) => e.collect().await,
        Err(e) => Err(e),
    };
    Ok(c.finish(items.map(|items| Answer::Many(items.into_iter().map(|i| i.into_element()).collect()))))
}

async fn invoke(a: InvokeArgs) -> Result<ExitCode, String> {
    let r = target(&a.target)?;
    let input = properties(values::parse_all(a.params.iter().chain(a.values.iter()), "--param")?);
    let c = Client::new(&a.client)?;
    Ok(c.finish(c.session.invoke(&r, &a.method, &input).await.map(|out| Answer::One(out.to_element()))))
}
