//! Test helpers shared by the project's integration tests (never a feature of
//! a production crate).
//!
//! - [`TestServer`]: the reference server on `127.0.0.1:0`, stopped on drop.
//! - [`Client`]: posts envelopes with Basic auth, through wsman-client's raw
//!   exchange (one HTTP client in the project). Requests are built the one
//!   way the project builds them: wsman-proto's typed messages under the
//!   client's header ([`Client::request`], [`wsman_client::Session::request`]),
//!   then changed or hand-built where a test sends something malformed.
//! - [`redact`]: replaces volatile values (UUIDs, enumeration contexts,
//!   dates) so responses can be snapshotted.
//! - [`reference_dir`]: where ../shared/reference lives, when present.

use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use tokio::sync::oneshot;
use wsman_client::message::Message;
use wsman_client::{Endpoint, RawAuth, RawRequest, Resource, Session, TlsMode};
use wsman_proto::Envelope;
use wsman_server::{BmcOptions, Config, ReferenceHost, Server};

/// The reference server running on an ephemeral loopback port.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT/wsman`.
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The BMC behind the server, when it is the reference host ([`TestServer::reference`], [`TestServer::host`]).
    pub bmc: Option<ipmi_sim::SharedBmc>,
    /// The BMC's IPMI-over-LAN address, when its LAN face was asked for.
    pub ipmi_addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with `config` (its `http` address is replaced by 127.0.0.1:0,
    /// `allow_unencrypted` is forced on so tests can use Basic over HTTP).
    pub async fn start(mut config: Config) -> TestServer {
        config.http = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.https = None;
        config.allow_unencrypted = true;
        Self::start_exact(config).await
    }

    /// Starts a server with `config` as given (the caller picks port-0 addresses).
    pub async fn start_exact(config: Config) -> TestServer {
        let server = Server::bind(config).await.expect("bind the test server");
        let addr = server.http_addr().or(server.https_addr()).expect("a listener");
        let scheme = if server.http_addr().is_some() { "http" } else { "https" };
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        TestServer { url: format!("{scheme}://{addr}/wsman"), addr, bmc: None, ipmi_addr: None, stop: Some(tx), task: Some(task) }
    }

    /// Starts the reference host (the server with its BMC, assembled by
    /// [`ReferenceHost::bind`]) on 127.0.0.1:0, Basic over HTTP allowed.
    pub async fn host(mut config: Config, bmc: BmcOptions) -> TestServer {
        config.http = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.https = None;
        config.allow_unencrypted = true;
        let host = ReferenceHost::bind(config, bmc).await.expect("bind the reference host");
        let addr = host.server().http_addr().expect("an HTTP listener");
        let (shared, ipmi_addr) = (host.bmc().clone(), host.ipmi_addr());
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(host.run(async {
            let _ = rx.await;
        }));
        TestServer { url: format!("http://{addr}/wsman"), addr, bmc: Some(shared), ipmi_addr, stop: Some(tx), task: Some(task) }
    }

    /// Starts the default configuration (user admin:admin).
    pub async fn default_server() -> TestServer {
        Self::start(Config::default()).await
    }

    /// The reference endpoint as `check` certifies it: the simulated host plus
    /// the BMC's CIM classes (user admin:admin), the BMC's scenario clock
    /// frozen at 0 so sensor readings and SEL times are reproducible.
    pub async fn reference() -> TestServer {
        let bmc = BmcOptions { clock: ipmi_sim::Clock::frozen(std::time::Duration::ZERO), ..BmcOptions::default() };
        Self::host(Config::default(), bmc).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A response as the tests see it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content-Type, if any.
    pub content_type: Option<String>,
    /// WWW-Authenticate, if any (several headers joined with ", ").
    pub www_authenticate: Option<String>,
    /// Body bytes.
    pub body: Bytes,
}

impl Reply {
    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as an envelope.
    pub fn envelope(&self) -> Envelope {
        Envelope::decode(&self.body, &wsman_proto::Limits::default()).unwrap_or_else(|e| panic!("response is not an envelope: {e}\n{}", self.text()))
    }
}

/// A small HTTP client for tests: wsman-client's raw exchange with fixed
/// Basic credentials, any certificate accepted, a 30 s deadline, and a panic
/// (with the reason) when no response comes.
///
/// ```no_run
/// # async fn demo(server: &test_support::TestServer) {
/// use test_support::Client;
/// use wsman_client::message::Get;
/// use wsman_client::Resource;
///
/// let c = Client::admin(server);
/// // A well-formed Get, then a header broken on purpose.
/// let mut req = c.request(&Resource::cimv2("Win32_OperatingSystem"), Get);
/// req.header.max_envelope_size = Some(8191);
/// let reply = c.post(req.encode()).await;
/// assert_eq!(reply.status, 500);
/// // The typed operations, with the same credentials.
/// let os = c.session().get(&Resource::cimv2("Win32_OperatingSystem")).await;
/// # let _ = os; }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    session: Session,
    url: String,
    user: Option<(String, String)>,
}

/// How long a test request may take.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

fn session_for(url: &str, user: Option<&(String, String)>) -> Session {
    let mut endpoint = Endpoint::new(url).with_tls(TlsMode::Insecure).with_timeout(DEADLINE);
    if let Some((name, password)) = user {
        endpoint = endpoint.with_user(name, password);
    }
    Session::new(endpoint).unwrap_or_else(|e| panic!("a session for {url}: {e}"))
}

/// `scheme://authority` and path-and-query of a URL.
fn split_url(url: &str) -> (String, String) {
    let uri: wsman_client::hyper::Uri = url.parse().unwrap_or_else(|e| panic!("a URL, not {url:?}: {e}"));
    let origin = format!("{}://{}", uri.scheme_str().unwrap_or("http"), uri.authority().map(|a| a.as_str()).unwrap_or(""));
    (origin, uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()))
}

impl Client {
    /// A client for `url` with Basic credentials `user:pass`.
    pub fn new(url: &str, user_pass: Option<&str>) -> Client {
        let user = user_pass.map(|up| {
            let (name, password) = up.split_once(':').unwrap_or((up, ""));
            (name.to_owned(), password.to_owned())
        });
        Client { session: session_for(url, user.as_ref()), url: url.to_owned(), user }
    }

    /// A client for the test server as admin:admin.
    pub fn admin(server: &TestServer) -> Client {
        Client::new(&server.url, Some("admin:admin"))
    }

    /// The wsman-client session under the client (same endpoint and
    /// credentials), for the typed operations.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A well-formed request envelope: the typed `message` under the client's
    /// header for `resource` ([`Session::request`]). Change its header or
    /// body to make it malformed; send it with [`Client::post`].
    pub fn request(&self, resource: &Resource, message: impl Message) -> Envelope {
        self.session.request(resource, message)
    }

    /// POSTs `body` with the SOAP content type.
    pub async fn post(&self, body: impl Into<Bytes>) -> Reply {
        self.send("POST", &self.url.clone(), Some("application/soap+xml;charset=UTF-8"), &[], body.into()).await
    }

    /// Sends any request (to the client's endpoint, or to another URL).
    pub async fn send(&self, method: &str, url: &str, content_type: Option<&str>, headers: &[(&str, &str)], body: Bytes) -> Reply {
        let (origin, path) = split_url(url);
        let other;
        let session = if origin == split_url(&self.url).0 {
            &self.session
        } else {
            other = session_for(url, self.user.as_ref());
            &other
        };
        let request = RawRequest {
            method: Some(method.to_owned()),
            path: Some(path),
            content_type: content_type.map(str::to_owned),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            auth: RawAuth::Session,
            body,
            // As hyper's pooled client did: a kept-alive connection found
            // closed before any answer is not a failure of the test.
            replayable: true,
            streamed: None,
        };
        let resp = match session.raw(request).await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => panic!("the server answered within 30 s: {e}"),
            Err(e) => panic!("the request was sent: {e}"),
        };
        Reply {
            status: resp.status,
            content_type: resp.content_type().map(str::to_owned),
            // Every offer, in order, joined as one header would carry them.
            www_authenticate: {
                let offers: Vec<&str> = resp.headers.get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()).collect();
                (!offers.is_empty()).then(|| offers.join(", "))
            },
            body: resp.body,
        }
    }
}

/// Redaction of volatile values, used everywhere a response is snapshotted.
pub mod redact {
    use regex::Regex;
    use std::sync::OnceLock;

    fn uuid_re() -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        RE.get_or_init(|| Regex::new(r"(?i)(uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("valid regex"))
    }

    fn date_re() -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        RE.get_or_init(|| Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?").expect("valid regex"))
    }

    /// Replaces UUIDs (MessageID, RelatesTo, contexts) with `[uuid]` and
    /// timestamps with `[datetime]`. The request's MessageID is kept distinct
    /// as `[request-id]`, so a snapshot still shows that RelatesTo echoes it.
    pub fn redact(text: &str, request_message_id: Option<&str>) -> String {
        let mut t = text.to_owned();
        if let Some(id) = request_message_id {
            t = t.replace(id, "[request-id]");
        }
        let t = uuid_re().replace_all(&t, "[uuid]");
        date_re().replace_all(&t, "[datetime]").into_owned()
    }

    /// Pretty-prints XML for snapshots: one element per line, two-space
    /// indentation, names as `{prefix}local` with the protocol prefixes, other
    /// namespaces labelled `p`, `p1`... in a legend on top. This is a readable
    /// rendering of the tree, not XML.
    pub fn pretty_xml(text: &str) -> String {
        let root = match wsman_proto::xml::parse_str(text, &wsman_proto::Limits::default()) {
            Ok(r) => r,
            Err(_) => return text.to_owned(),
        };
        let mut labels: Vec<String> = Vec::new();
        let mut body = String::new();
        write_pretty(&root, 0, &mut body, &mut labels);
        let mut out = String::new();
        for (i, ns) in labels.iter().enumerate() {
            out.push_str(&format!("# {} = {ns}\n", label(i)));
        }
        out + &body
    }

    fn label(i: usize) -> String {
        if i == 0 {
            "p".to_owned()
        } else {
            format!("p{i}")
        }
    }

    fn short(ns: &str, labels: &mut Vec<String>) -> String {
        if let Some(p) = wsman_proto::ns::preferred_prefix(ns) {
            return p.to_owned();
        }
        let i = labels.iter().position(|l| l == ns).unwrap_or_else(|| {
            labels.push(ns.to_owned());
            labels.len() - 1
        });
        label(i)
    }

    fn write_pretty(el: &wsman_proto::Element, depth: usize, out: &mut String, labels: &mut Vec<String>) {
        use wsman_proto::xml::Node;
        let pad = "  ".repeat(depth);
        let name = match &el.ns {
            Some(ns) => format!("{{{}}}{}", short(ns, labels), el.name),
            None => el.name.clone(),
        };
        let mut attrs: Vec<String> = el
            .attrs
            .iter()
            .filter(|a| a.ns.as_deref() != Some(wsman_proto::envelope::RESOLVED_NS))
            .map(|a| match &a.ns {
                Some(ns) => format!(" {{{}}}{}=\"{}\"", short(ns, labels), a.name, a.value),
                None => format!(" {}=\"{}\"", a.name, a.value),
            })
            .collect();
        attrs.sort();
        let attrs = attrs.concat();
        if el.elements().next().is_none() {
            let text = el.text();
            if text.is_empty() {
                out.push_str(&format!("{pad}<{name}{attrs}/>\n"));
            } else {
                out.push_str(&format!("{pad}<{name}{attrs}>{text}</>\n"));
            }
            return;
        }
        out.push_str(&format!("{pad}<{name}{attrs}>\n"));
        for n in &el.children {
            match n {
                Node::Element(c) => write_pretty(c, depth + 1, out, labels),
                Node::Text(t) if !t.trim().is_empty() => out.push_str(&format!("{pad}  {}\n", t.trim())),
                Node::Text(_) => {}
            }
        }
        out.push_str(&format!("{pad}</{name}>\n"));
    }
}

/// `../shared/reference` relative to the workspace root, if present.
pub fn reference_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/reference");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The envelopes under `../shared/reference`, extracted for oracle tests.
pub mod reference {
    use std::path::{Path, PathBuf};

    /// Whether an envelope was sent by a client or by a server.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Origin {
        /// A request a real client sent (pypsrp recordings).
        Request,
        /// A response a real Windows host sent (pypsrp recordings).
        Response,
        /// A stand-alone document (specification example, stub, test file).
        Document,
    }

    /// One extracted envelope.
    #[derive(Clone, Debug)]
    pub struct RefEnvelope {
        /// `path[#n.request|#n.response]`, relative to the reference folder.
        pub name: String,
        /// Who sent it.
        pub origin: Origin,
        /// The bytes.
        pub bytes: Vec<u8>,
    }

    /// A file that holds no usable envelope, and why.
    #[derive(Clone, Debug)]
    pub struct Excluded {
        /// Path relative to the reference folder.
        pub name: String,
        /// Why it is not an envelope.
        pub reason: String,
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[derive(serde::Deserialize)]
    struct Recording {
        messages: Vec<Message>,
    }

    #[derive(serde::Deserialize)]
    struct Message {
        request: Option<String>,
        response: Option<String>,
    }

    /// Every envelope in `dir` (the reference folder) and every file left out, with its reason.
    pub fn envelopes(dir: &Path) -> (Vec<RefEnvelope>, Vec<Excluded>) {
        let mut files = Vec::new();
        walk(dir, &mut files);
        let mut found = Vec::new();
        let mut excluded = Vec::new();
        for path in files {
            let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            let exclude = |reason: &str| Excluded { name: name.clone(), reason: reason.to_owned() };
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            if name.ends_with(".yml") {
                match serde_yaml::from_slice::<Recording>(&bytes) {
                    Ok(rec) => {
                        for (i, m) in rec.messages.into_iter().enumerate() {
                            for (origin, part, label) in [(Origin::Request, m.request, "request"), (Origin::Response, m.response, "response")] {
                                if let Some(p) = part.filter(|p| p.contains("Envelope")) {
                                    found.push(RefEnvelope { name: format!("{name}#{i}.{label}"), origin, bytes: p.into_bytes() });
                                }
                            }
                        }
                    }
                    Err(e) => excluded.push(exclude(&format!("not a recording: {e}"))),
                }
            } else if name.ends_with(".notwellformed.xml") {
                excluded.push(exclude("specification template with elisions (not well-formed by construction)"));
            } else if !name.ends_with(".xml") {
                excluded.push(exclude("not an XML document (WSDL, XSD, text or provenance notes)"));
            } else if text.contains("${") {
                excluded.push(exclude("recording template with ${...} placeholders"));
            } else if !text.contains("Envelope") {
                excluded.push(exclude("an XML document that is not an envelope (EPR, filter, data, test configuration)"));
            } else if text.contains("<!DOCTYPE") {
                excluded.push(exclude("wraps envelopes in a DTD-declared container; DTDs are refused by design"));
            } else {
                found.push(RefEnvelope { name, origin: Origin::Document, bytes });
            }
        }
        (found, excluded)
    }
}
