//! [`Session`]: one endpoint, its transport and authenticator, and the
//! operations of DSP0226 as typed calls.
//!
//! Every typed operation builds its request with [`wsman_proto::message`]
//! and parses the answer in one place ([`Session::call`]):
//!
//! ```text
//!   HTTP 200/400/500 with a SOAP envelope?   no  -> Transport(HttpStatus(status))   (401, 404, 413, 415, HTML 500, ...)
//!   envelope decodes?                         no  -> Protocol(Decode)
//!   wsa:RelatesTo == request wsa:MessageID?   no  -> Protocol(RelatesTo)             (not for Identify: no addressing)
//!   s:Fault in the body?                      yes -> Fault(WireFault)
//!   status 200?                               no  -> Transport(HttpStatus(status))
//!   wsa:Action == the response Action?        no  -> Protocol(Action)
//!   body decodes as the response message?    no  -> Protocol(Decode)
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use wsman_proto::message::{
    Create, CreateResponse, Delete, DeleteResponse, EndpointReference, Enumerate, EnumerateResponse, Get, GetResponse, Identify, IdentifyResponse, Message,
    MethodInput, MethodOutput, Pull, PullResponse, Put, PutResponse, Release, ReleaseResponse,
};
use wsman_proto::selector::WsOption;
use wsman_proto::xml::Node;
use wsman_proto::{ns, Action, Element, Envelope, Header, Instance, Limits, OptionSet, Property, SelectorSet, XsDuration};

use crate::auth::{Authenticator, Basic};
use crate::endpoint::{AuthScheme, Endpoint};
use crate::enumeration::Enumeration;
use crate::error::{Error, ProtocolKind, TransportKind};
use crate::transport::{RawAuth, RawRequest, RawResponse, Transport};

/// The Content-Type of every typed request.
pub const SOAP_CONTENT_TYPE: &str = "application/soap+xml;charset=UTF-8";

/// `wsman:MaxEnvelopeSize` of typed requests: Windows' default
/// (`MaxEnvelopeSizekb` 500).
pub const MAX_ENVELOPE_SIZE: u64 = 512_000;

/// A resource addressed by the header: ResourceURI, selectors, options.
///
/// ```
/// use wsman_client::Resource;
///
/// let winrm = Resource::cimv2("Win32_Service").selector("Name", "WinRM");
/// assert!(winrm.uri.ends_with("/root/cimv2/Win32_Service"));
/// assert_eq!(winrm.selectors.get("Name"), Some("WinRM"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    /// `wsman:ResourceURI`.
    pub uri: String,
    /// `wsman:SelectorSet` (sent only when not empty).
    pub selectors: SelectorSet,
    /// `wsman:OptionSet` (sent only when not empty).
    pub options: OptionSet,
}

impl Resource {
    /// A resource by URI, with no selectors.
    pub fn new(uri: impl Into<String>) -> Resource {
        Resource { uri: uri.into(), ..Resource::default() }
    }

    /// A resource as people type it: a full URI or one of winrm's aliases,
    /// with optional `?Name=Value+Other=Value` selectors ([`crate::alias`]).
    ///
    /// ```
    /// use wsman_client::Resource;
    ///
    /// let r = Resource::parse("wmicimv2/Win32_Service?Name=WinRM").unwrap();
    /// assert_eq!(r, Resource::cimv2("Win32_Service").selector("Name", "WinRM"));
    /// ```
    ///
    /// # Errors
    /// [`crate::alias::InvalidResource`] for an empty URI or a bad selector.
    pub fn parse(text: &str) -> Result<Resource, crate::alias::InvalidResource> {
        let (uri, selectors) = crate::alias::parse(text)?;
        let mut r = Resource::new(uri);
        for (name, value) in selectors {
            r.selectors.push(&name, value);
        }
        Ok(r)
    }

    /// A WMI class of `root/cimv2` (`Win32_Service`).
    pub fn cimv2(class: &str) -> Resource {
        Resource::new(format!("{}root/cimv2/{class}", ns::WMI_RESOURCE_PREFIX))
    }

    /// With one more selector.
    pub fn selector(mut self, name: &str, value: impl Into<String>) -> Resource {
        self.selectors.push(name, value);
        self
    }

    /// With one more option (`MustComply` false).
    pub fn option(mut self, name: &str, value: impl Into<String>) -> Resource {
        self.options.options.push(WsOption { name: name.to_owned(), value: value.into(), must_comply: false, type_: None });
        self
    }

    /// The resource an endpoint reference names (a Create's answer, an
    /// EnumerateEPR item); `None` when it carries no ResourceURI.
    pub fn from_epr(epr: &EndpointReference) -> Option<Resource> {
        let uri = epr.resource_uri.clone()?;
        Some(Resource { uri, selectors: epr.selectors.clone().unwrap_or_default(), options: OptionSet::default() })
    }
}

/// A representation with `changes` applied, everything else kept as it is:
/// each changed property's elements (matched by local name,
/// case-insensitively as WMI names properties) are replaced, where the first
/// of them was and under the name it had, by the encoding of its new value ([`Instance::to_element`]:
/// `xsi:nil` for [`wsman_proto::Value::Null`], one element per array item);
/// a property the representation lacks is appended in the representation's
/// namespace.
///
/// ```
/// use wsman_client::session::with_properties;
/// use wsman_proto::{Instance, Property, Value};
///
/// let rep = Instance::new("urn:x", "C").with("A", Value::str("1")).with("B", Value::Null).to_element();
/// let changed = with_properties(rep, &[Property { name: "b".into(), value: Value::str("2") }]);
/// let i = wsman_proto::message::instance_from_element(&changed).unwrap();
/// assert_eq!(i.get("A"), Some(&Value::str("1")));
/// assert_eq!(i.get("B"), Some(&Value::str("2")));
/// ```
pub fn with_properties(mut representation: Element, changes: &[Property]) -> Element {
    let namespace = representation.ns.clone().unwrap_or_default();
    for change in changes {
        // The name as the representation spells it, when it has the property.
        let name = representation.elements().find(|e| e.name.eq_ignore_ascii_case(&change.name)).map_or_else(|| change.name.clone(), |e| e.name.clone());
        let encoded = Instance::new(namespace.clone(), representation.name.clone()).with(&name, change.value.clone()).to_element().children;
        let is_it = |n: &Node| matches!(n, Node::Element(e) if e.name.eq_ignore_ascii_case(&change.name));
        let at = representation.children.iter().position(is_it).unwrap_or(representation.children.len());
        representation.children.retain(|n| !is_it(n));
        let at = at.min(representation.children.len());
        representation.children.splice(at..at, encoded);
    }
    representation
}

/// A WS-Management session with one endpoint: cheap to clone (the clones
/// share the connections), safe to use from many tasks at once.
///
/// ```no_run
/// use wsman_client::{Endpoint, Resource, Session};
/// use wsman_client::message::Enumerate;
/// use wsman_proto::{Property, Value};
///
/// # async fn demo() -> Result<(), wsman_client::Error> {
/// let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
/// let service = Resource::cimv2("Win32_Service").selector("Name", "Spooler");
///
/// // Invoke a method: input properties in, output properties out.
/// let out = session.invoke(&service, "StopService", &[]).await?;
/// assert_eq!(out.return_value(), Some(0));
///
/// // A fault is a typed error.
/// match session.get(&Resource::cimv2("Win32_Service").selector("Name", "NoSuchService")).await {
///     Err(e) if e.is_fault() => println!("{:?} {:?}", e.fault().and_then(|f| f.subcode.clone()), e.fault().and_then(|f| f.wsman_code)),
///     other => println!("{other:?}"),
/// }
///
/// // Create returns the new resource's reference; Get, Put and Delete take it.
/// let env = Resource::cimv2("Win32_Environment");
/// let value = wsman_proto::Instance::new(&env.uri, "Win32_Environment")
///     .with("Name", Value::str("DEMO"))
///     .with("UserName", Value::str("<SYSTEM>"))
///     .with("VariableValue", Value::str("1"));
/// let epr = session.create(&env, value.to_element()).await?;
/// let created = Resource::from_epr(&epr).expect("a ResourceURI");
/// session.delete(&created).await?;
///
/// // Enumerate in EPR mode with a WQL filter, 20 items a batch.
/// let request = Enumerate {
///     optimize: true,
///     max_elements: std::num::NonZeroU64::new(20),
///     mode: wsman_client::message::EnumerationMode::Epr,
///     filter: Some(wsman_client::message::Filter::Wql("SELECT * FROM Win32_Service WHERE State = 'Running'".into())),
///     ..Enumerate::default()
/// };
/// let running = session.enumerate(&Resource::cimv2("*"), request).await?.collect().await?;
/// println!("{} running", running.len());
/// # let _ = Property { name: String::new(), value: Value::Null };
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    transport: Transport,
    /// Releases sent in the background by enumerations dropped before their
    /// end, so that [`Session::released`] can wait for them.
    releases: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("endpoint", &self.inner.endpoint.url).field("transport", &self.inner.transport).finish_non_exhaustive()
    }
}

#[cfg(feature = "negotiate")]
fn negotiate_authenticator(url: &str, user: &str, password: &str) -> Result<Arc<dyn Authenticator>, Error> {
    let encrypt = !url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    Ok(Arc::new(crate::auth::Negotiate::new(user, password, encrypt)?))
}

#[cfg(not(feature = "negotiate"))]
fn negotiate_authenticator(_url: &str, _user: &str, _password: &str) -> Result<Arc<dyn Authenticator>, Error> {
    Err(Error::new(crate::ErrorKind::Config, "Negotiate is not in this build (the wsman-client feature `negotiate` is off); use Basic"))
}

/// A new `uuid:` MessageID, upper case as Windows' clients write it (so that
/// a peer that changes its case is caught by the RelatesTo check).
fn new_message_id() -> String {
    format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_ascii_uppercase())
}

impl Session {
    /// A session with the endpoint's user under its scheme
    /// ([`AuthScheme`]: [`Basic`], or Negotiate with message encryption
    /// over plain HTTP), none without a user.
    ///
    /// # Errors
    /// [`crate::ErrorKind::Config`] for a URL that is not `http(s)://host...`,
    /// an unreadable CA file or a TLS configuration rustls refuses, or
    /// Negotiate in a build without the `negotiate` feature.
    pub fn new(endpoint: Endpoint) -> Result<Session, Error> {
        let auth: Option<Arc<dyn Authenticator>> = match (&endpoint.user, endpoint.auth) {
            (Some((u, p)), AuthScheme::Basic) => Some(Arc::new(Basic::new(u, p)?)),
            (Some((u, p)), AuthScheme::Negotiate) => Some(negotiate_authenticator(&endpoint.url, u, p)?),
            (None, _) => None,
        };
        Session::with_authenticator(endpoint, auth)
    }

    /// A session with this authenticator (the endpoint's user is not used).
    ///
    /// # Errors
    /// As [`Session::new`].
    pub fn with_authenticator(endpoint: Endpoint, authenticator: Option<Arc<dyn Authenticator>>) -> Result<Session, Error> {
        let transport = Transport::new(&endpoint, authenticator)?;
        Ok(Session { inner: Arc::new(Inner { endpoint, transport, releases: Mutex::new(Vec::new()) }) })
    }

    /// Whether the session's authenticator seals every message (Negotiate
    /// over plain HTTP): a streamed body cannot be sent through it.
    pub fn seals_messages(&self) -> bool {
        self.inner.transport.seals()
    }

    /// The connection settings.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The raw exchange: sends the caller's bytes as they are and returns
    /// whatever HTTP response comes back (any status), for tools that judge
    /// responses themselves (the driver, the fuzzer).
    ///
    /// ```no_run
    /// use wsman_client::{Endpoint, RawAuth, RawRequest, Session};
    ///
    /// # async fn demo() -> Result<(), wsman_client::Error> {
    /// let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
    /// let response = session
    ///     .raw(RawRequest {
    ///         content_type: Some("application/soap+xml;charset=UTF-8".into()),
    ///         auth: RawAuth::None,
    ///         body: "<not-soap/>".into(),
    ///         ..RawRequest::default()
    ///     })
    ///     .await?;
    /// println!("{} {:?}", response.status, response.content_type());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Transport errors only ([`Error::is_transport`]), or
    /// [`crate::ErrorKind::InvalidRequest`] for a header or method that cannot be sent.
    pub async fn raw(&self, request: RawRequest) -> Result<RawResponse, Error> {
        self.inner.transport.send(request).await
    }

    /// The raw exchange of a load generator: as [`Session::raw`], except
    /// that the body of a 2xx response is read to its end and dropped, never
    /// gathered into one buffer, so the returned body is empty; any other
    /// status keeps its body (a fault, whose subcode the caller may read).
    /// With an observer, or an authenticator that [`wraps`](Authenticator::wraps)
    /// bodies, every body is kept.
    ///
    /// A session used by one task at a time keeps one connection: a load
    /// generator's virtual user owns a session of its own.
    ///
    /// # Errors
    /// As [`Session::raw`].
    pub async fn raw_judged(&self, request: RawRequest) -> Result<RawResponse, Error> {
        self.inner.transport.send_judged(request).await
    }

    /// The exchange deadline.
    pub fn timeout(&self) -> Duration {
        self.inner.endpoint.timeout
    }

    /// The header of a typed request: To, ReplyTo anonymous, Action, a new
    /// MessageID, the resource, MaxEnvelopeSize, OperationTimeout (the
    /// session's deadline).
    pub fn header(&self, action: Action, resource: &Resource) -> Header {
        Header {
            to: Some(self.inner.endpoint.url.clone()),
            reply_to: Some(ns::WSA_ANONYMOUS.to_owned()),
            action: Some(action),
            message_id: Some(new_message_id()),
            resource_uri: Some(resource.uri.clone()),
            selectors: (!resource.selectors.is_empty()).then(|| resource.selectors.clone()),
            options: (!resource.options.is_empty()).then(|| resource.options.clone()),
            max_envelope_size: Some(MAX_ENVELOPE_SIZE),
            operation_timeout: Some(XsDuration::from_millis(u64::try_from(self.timeout().as_millis()).unwrap_or(u64::MAX))),
            ..Header::default()
        }
    }

    /// The envelope of a typed request, as the typed operations send it:
    /// [`Session::header`] for the message's Action and `resource`, the
    /// message as the Body. Identify has no Action and gets no header at all
    /// (DSP0226 §11: no addressing), so its `resource` is not used.
    ///
    /// For tools and tests that send the request themselves over
    /// [`Session::raw`]: to change a header first, or to judge the raw answer.
    ///
    /// ```
    /// use wsman_client::message::Get;
    /// use wsman_client::{Endpoint, Resource, Session};
    /// use wsman_proto::Action;
    ///
    /// # fn main() -> Result<(), wsman_client::Error> {
    /// let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman"))?;
    /// let mut envelope = session.request(&Resource::cimv2("Win32_Service").selector("Name", "WinRM"), Get);
    /// assert_eq!(envelope.header.action, Some(Action::Get));
    /// assert_eq!(envelope.header.selectors.as_ref().and_then(|s| s.get("Name")), Some("WinRM"));
    /// envelope.header.max_envelope_size = Some(8192);
    /// let bytes = envelope.encode();
    /// # let _ = bytes;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, resource: &Resource, message: impl Message) -> Envelope {
        let header = match message.action() {
            Some(action) => self.header(action, resource),
            None => Header::default(),
        };
        Envelope { header, body: message.into_body() }
    }

    /// Sends any typed request (`header` from [`Session::header`]) and
    /// decodes its answer as `R`, checked as the module documentation says.
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn call<R: Message>(&self, header: Header, request: impl Message, replayable: bool) -> Result<R, Error> {
        let expect = request.action().map(|a| a.response_uri());
        self.call_as(header, request.into_body(), expect, replayable, RawAuth::Session, Vec::new()).await
    }

    async fn call_as<R: Message>(
        &self,
        header: Header,
        body: Vec<Element>,
        expect_action: Option<String>,
        replayable: bool,
        auth: RawAuth,
        headers: Vec<(String, String)>,
    ) -> Result<R, Error> {
        let message_id = header.message_id.clone();
        let envelope = Envelope { header, body };
        let request = RawRequest {
            content_type: Some(SOAP_CONTENT_TYPE.to_owned()),
            headers,
            auth,
            body: Bytes::from(envelope.encode()),
            replayable,
            streamed: None,
            ..RawRequest::default()
        };
        let response = self.raw(request).await?;
        if self.inner.endpoint.lenient {
            return answer(response, None, None);
        }
        answer(response, message_id.as_deref(), expect_action.as_deref())
    }

    /// Sends a typed request and returns the whole answer envelope once the
    /// checks up to the status have passed (HTTP, RelatesTo, fault), for an
    /// operation whose answer may take more than one shape (an event Pull:
    /// a PullResponse or a Heartbeat) or whose headers matter.
    pub(crate) async fn exchange(&self, header: Header, body: Vec<Element>, replayable: bool) -> Result<Envelope, Error> {
        let message_id = header.message_id.clone();
        let envelope = Envelope { header, body };
        let request = RawRequest {
            content_type: Some(SOAP_CONTENT_TYPE.to_owned()),
            auth: RawAuth::Session,
            body: Bytes::from(envelope.encode()),
            replayable,
            streamed: None,
            ..RawRequest::default()
        };
        let response = self.raw(request).await?;
        checked_envelope(response, message_id.as_deref().filter(|_| !self.inner.endpoint.lenient))
    }

    /// Identify (DSP0226 §11) with the session's credentials: the product, its
    /// protocol versions and security profiles.
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn identify(&self) -> Result<IdentifyResponse, Error> {
        self.call_as(Header::default(), Identify.into_body(), None, true, RawAuth::Session, Vec::new()).await
    }

    /// Identify without credentials (`WSMANIDENTIFY: unauthenticated`, as
    /// Windows' clients send it), which Windows answers without the security profiles.
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn identify_unauthenticated(&self) -> Result<IdentifyResponse, Error> {
        let headers = vec![("WSMANIDENTIFY".to_owned(), "unauthenticated".to_owned())];
        self.call_as(Header::default(), Identify.into_body(), None, true, RawAuth::None, headers).await
    }

    /// WS-Transfer Get (DSP0226 §7.3): the representation of one instance.
    ///
    /// # Errors
    /// A fault (`wsman:InvalidSelectors`, `wsa:DestinationUnreachable`, ...),
    /// transport or protocol [`Error`].
    pub async fn get(&self, resource: &Resource) -> Result<GetResponse, Error> {
        self.call(self.header(Action::Get, resource), Get, true).await
    }

    /// WS-Transfer Put (DSP0226 §7.5): replaces the representation; the
    /// answer holds the representation after the change (Windows always sends it).
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn put(&self, resource: &Resource, representation: Element) -> Result<PutResponse, Error> {
        self.call(self.header(Action::Put, resource), Put { representation }, true).await
    }

    /// As `winrm set`: a Get, the `changes` applied to the representation
    /// ([`with_properties`]), a Put of the result.
    ///
    /// # Errors
    /// The Get's or the Put's fault, transport or protocol [`Error`].
    pub async fn set(&self, resource: &Resource, changes: &[Property]) -> Result<PutResponse, Error> {
        let current: GetResponse = self.get(resource).await?;
        self.put(resource, with_properties(current.representation, changes)).await
    }

    /// WS-Transfer Create (DSP0226 §7.6): the new resource's endpoint reference.
    ///
    /// # Errors
    /// A fault (`wsman:AlreadyExists`, ...), transport or protocol [`Error`].
    pub async fn create(&self, resource: &Resource, representation: Element) -> Result<EndpointReference, Error> {
        let r: CreateResponse = self.call(self.header(Action::Create, resource), Create { representation }, false).await?;
        Ok(r.resource_created)
    }

    /// WS-Transfer Delete (DSP0226 §7.7).
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn delete(&self, resource: &Resource) -> Result<(), Error> {
        let _: DeleteResponse = self.call(self.header(Action::Delete, resource), Delete, true).await?;
        Ok(())
    }

    /// WS-Enumeration Enumerate (DSP0226 §8.2): a stream of the items, pulled
    /// to the end with the same `MaxElements` (see [`Enumeration`]).
    ///
    /// # Errors
    /// A fault (`wsman:CannotProcessFilter`, ...), transport or protocol
    /// [`Error`] of the Enumerate itself; the Pulls' errors come from [`Enumeration::next`].
    pub async fn enumerate(&self, resource: &Resource, request: Enumerate) -> Result<Enumeration, Error> {
        let max_elements = request.max_elements;
        let r: EnumerateResponse = self.call(self.header(Action::Enumerate, resource), request, true).await?;
        Ok(Enumeration::start(self.clone(), resource.clone(), max_elements, r))
    }

    /// WS-Enumeration Pull of a context (what [`Enumeration::next`] sends).
    ///
    /// # Errors
    /// A fault (`wsen:InvalidEnumerationContext` for a released or expired
    /// context), transport or protocol [`Error`].
    pub async fn pull(&self, resource: &Resource, pull: Pull) -> Result<PullResponse, Error> {
        self.call(self.header(Action::Pull, resource), pull, false).await
    }

    /// WS-Enumeration Release of a context.
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn release(&self, resource: &Resource, context: &str) -> Result<(), Error> {
        let _: ReleaseResponse = self.call(self.header(Action::Release, resource), Release { context: context.to_owned() }, false).await?;
        Ok(())
    }

    /// A custom method (DSP0226 §9): `<Method>_INPUT` with these input
    /// properties, answered by `<Method>_OUTPUT` ([`MethodOutput::properties`],
    /// [`MethodOutput::return_value`]).
    ///
    /// # Errors
    /// A fault, transport or protocol [`Error`].
    pub async fn invoke(&self, resource: &Resource, method: &str, input: &[Property]) -> Result<MethodOutput, Error> {
        let mut instance = Instance::new(resource.uri.clone(), format!("{method}_INPUT"));
        instance.properties = input.to_vec();
        let parameters = instance.to_element().elements().cloned().collect();
        let message = MethodInput { resource_uri: resource.uri.clone(), method: method.to_owned(), parameters };
        let action = Action::Other(format!("{}/{method}", resource.uri));
        let output: MethodOutput = self.call(self.header(action, resource), message, false).await?;
        Ok(output)
    }

    /// Waits for the Releases that enumerations dropped before their end
    /// sent in the background, and the Deletes of shells dropped without
    /// [`crate::RemoteShell::close`] (each bounded by the session's deadline).
    pub async fn released(&self) {
        let pending: Vec<_> = std::mem::take(&mut *self.inner.releases.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        for task in pending {
            let _ = task.await;
        }
    }

    /// Sends a best-effort Release of `context` in the background (from a
    /// drop: there is no caller to wait). Without a tokio runtime, nothing is sent.
    pub(crate) fn release_in_background(&self, resource: Resource, context: String) {
        let session = self.clone();
        self.in_background(async move {
            // Best effort: the endpoint expires the context anyway.
            let _ = session.release(&resource, &context).await;
        });
    }

    /// Runs a best-effort clean-up exchange in the background (from a drop),
    /// kept for [`Session::released`]. Without a tokio runtime, nothing runs.
    pub(crate) fn in_background(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let task = runtime.spawn(work);
        let mut releases = self.inner.releases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        releases.retain(|t| !t.is_finished());
        releases.push(task);
    }
}

fn is_soap(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/soap+xml"))
}

/// Reads the answer to a typed request (the checks of the module documentation).
fn answer<R: Message>(response: RawResponse, message_id: Option<&str>, expect_action: Option<&str>) -> Result<R, Error> {
    let envelope = checked_envelope(response, message_id)?;
    if let Some(expected) = expect_action {
        let action = envelope.header.action.as_ref().map(Action::uri);
        if action.as_deref() != Some(expected) {
            return Err(Error::protocol(ProtocolKind::Action, format!("wsa:Action is {action:?}, expected {expected}")).with_status(200));
        }
    }
    R::decode_owned(envelope.body).map_err(|e| Error::protocol(ProtocolKind::Decode, format!("the response body: {e}")).with_status(200))
}

/// The checks of the module documentation up to the status (HTTP, SOAP,
/// RelatesTo, fault, 200): the envelope of a successful answer, whose
/// Action and body the caller judges.
fn checked_envelope(response: RawResponse, message_id: Option<&str>) -> Result<Envelope, Error> {
    let status = response.status;
    let soap = is_soap(response.content_type());
    let http_status = |what: &str| {
        let ct = response.content_type().unwrap_or("no content type");
        Error::transport(TransportKind::HttpStatus(status), format!("HTTP {status} ({ct}){what}"))
    };
    if !matches!(status, 200 | 400 | 500) || (status != 200 && !soap) {
        return Err(http_status(""));
    }
    let envelope = match Envelope::decode(&response.body, &Limits::default()) {
        Ok(e) => e,
        Err(e) if status == 200 => return Err(Error::protocol(ProtocolKind::Decode, format!("the response is not a SOAP envelope: {e}")).with_status(status)),
        Err(_) => return Err(http_status(" without a SOAP envelope")),
    };
    if let Some(id) = message_id {
        let relates = envelope.header.relates_to.as_deref();
        if relates != Some(id) {
            return Err(Error::protocol(ProtocolKind::RelatesTo, format!("wsa:RelatesTo is {relates:?}, not the request's MessageID {id}")).with_status(status));
        }
    }
    if let Some(fault) = envelope.fault() {
        return Err(Error::from_fault(fault, status));
    }
    if status != 200 {
        return Err(http_status(" with a SOAP envelope that is not a fault"));
    }
    Ok(envelope)
}
