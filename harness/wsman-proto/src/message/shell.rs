//! WinRS remote shell bodies (MS-WSMV §2.2.4.x, §3.1.4.5 and §3.1.4.11-14),
//! on the resource `http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd`
//! ([`ns::SHELL_CMD_RESOURCE`]).
//!
//! ```text
//! Create   <rsp:Shell>InputStreams OutputStreams ...</rsp:Shell>     -> <wxf:ResourceCreated>EPR</wxf:ResourceCreated> <rsp:Shell>ShellId ...</rsp:Shell>
//! Command  <rsp:CommandLine><rsp:Command/><rsp:Arguments/>*</...>   -> <rsp:CommandResponse><rsp:CommandId/></...>
//! Send     <rsp:Send><rsp:Stream Name CommandId End>b64</...>+</...> -> <rsp:SendResponse/>
//! Receive  <rsp:Receive><rsp:DesiredStream CommandId>stdout stderr</...></...>
//!                                                                    -> <rsp:ReceiveResponse><rsp:Stream/>* <rsp:CommandState/>?</...>
//! Signal   <rsp:Signal CommandId><rsp:Code>uri</rsp:Code></...>      -> <rsp:SignalResponse/>
//! Delete   <s:Body/> (SelectorSet ShellId)                           -> <s:Body/>  (message::Delete, DeleteResponse)
//! ```
//!
//! # The shell Create on the WS-Transfer types
//!
//! A shell is created with a WS-Transfer Create whose one body element is
//! `rsp:Shell`, so [`Shell`] is a [`Message`] with the Create action and the
//! same body as `message::Create { representation: shell.to_element() }`
//! ([`Shell::to_create`], [`Shell::from_create`]). The answer is a
//! [`CreateResponse`]: `resource_created` is the shell's EPR (Address, the
//! cmd ResourceURI and a SelectorSet with `ShellId`, where pypsrp reads it),
//! and `representation` is the `rsp:Shell` Windows sends after it (ShellId,
//! Owner, ClientIP, ...). [`Shell::create_response`] builds that pair;
//! [`Shell::from_create_response`] reads the representation back and
//! [`shell_id_of`] finds the ShellId where either side put it.
//!
//! # Decisions
//!
//! - **What real clients send.** `CommandId` is read unqualified (pywinrm,
//!   pypsrp) or qualified `rsp:CommandId` (winrm4j on DesiredStream);
//!   booleans (`End`) are `true`/`false` in any case or `1`/`0` (pypsrp sends
//!   `True`/`False`, Windows `true`); stream lists are whitespace-separated
//!   names. The PSRP shapes are kept too: a ShellId *attribute* on the Create's
//!   `rsp:Shell` (read into [`Shell::shell_id`] when there is no element),
//!   `CommandLine@CommandId`, a shell-level Signal or Receive without
//!   CommandId. The encoder writes one form (unqualified attributes, `End`
//!   only when true, `rsp:ShellId` as an element).
//! - **Other shell children stay verbatim.** Windows' `rsp:Shell` carries more
//!   than a client asks for (ProcessId, MaxIdleTimeOut, Locale, State,
//!   MemoryUsed, PSRP's creationXml ...): those are kept in [`Shell::other`]
//!   in order, so nothing Windows says is lost and encode∘decode keeps them.
//! - **Open enums.** A CommandState or Signal code URI that is not one of
//!   MS-WSMV's is valid XML from a newer peer: [`CommandStateKind::Other`] and
//!   [`SignalCode::Other`] keep it; the server decides what it refuses.
//!   The PowerShell ctrl-C code is written `powershell/signal/ctrl_c` (what
//!   pypsrp sends and Windows accepts); MS-PSRP's spelling `crtl_c` decodes
//!   to the same value. Code and State URIs compare case-insensitively:
//!   pypsrp sends `.../signal/Terminate` and Windows answers SignalResponse.
//! - **Text.** Identifiers, names, URIs and the Command are trimmed;
//!   `rsp:Arguments` and environment values are kept as written (their
//!   whitespace is content). Stream payloads are base64 (standard alphabet,
//!   padding, whitespace between characters ignored as Windows wraps nothing
//!   but clients may) decoded to bytes.
//!
//! # Faults
//!
//! A body without its element, or an element without a required child or
//! attribute (Command, CommandId, DesiredStream, Stream@Name, Code,
//! CommandState@State), is [`MessageError::MissingBody`] /
//! [`MessageError::MissingElement`]: `wsman:SchemaValidationError`, which
//! Windows answers for a body that does not follow the shell schema. A value
//! of the right element that does not parse (base64 payload, `End`, ExitCode,
//! SequenceId, IdleTimeOut or Lifetime as `xs:duration`) is
//! [`MessageError::InvalidValue`]: `wsman:InvalidParameter` with the
//! `InvalidValue` detail, as Windows answers a parameter out of its type.
//! The same fault is what a Windows cmd shell answers for a Receive without
//! CommandId (a pypsrp recording): [`Receive::require_command_id`].

use base64::Engine as _;

use super::{text_element, trimmed, CreateResponse, EndpointReference, Message, MessageError};
use crate::action::Action;
use crate::duration::XsDuration;
use crate::ns;
use crate::selector::SelectorSet;
use crate::xml::Element;

use super::transfer::Create;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// ---------------------------------------------------------------- helpers

/// The `rsp:` element of the body, or MissingBody.
fn root<'a>(body: &'a [Element], name: &str, expected: &'static str) -> Result<&'a Element, MessageError> {
    super::find(body, ns::RSP, name).ok_or(MessageError::MissingBody { expected })
}

fn rsp_text(el: &Element, name: &str) -> Option<String> {
    el.child(ns::RSP, name).map(trimmed)
}

/// An attribute, unqualified or in the rsp namespace (winrm4j qualifies `CommandId`).
fn rsp_attr<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attr(None, name).or_else(|| el.attr(Some(ns::RSP), name))
}

fn rsp_attr_trimmed(el: &Element, name: &str) -> Option<String> {
    rsp_attr(el, name).map(|v| v.trim().to_owned())
}

fn invalid(element: &'static str, value: &str) -> MessageError {
    MessageError::InvalidValue { element, value: value.to_owned() }
}

fn parse_bool(element: &'static str, v: &str) -> Result<bool, MessageError> {
    match v.trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" => Ok(false),
        _ => Err(invalid(element, v)),
    }
}

fn parse_duration(el: &Element, name: &str, element: &'static str) -> Result<Option<XsDuration>, MessageError> {
    match el.child(ns::RSP, name) {
        None => Ok(None),
        Some(c) => {
            let t = trimmed(c);
            XsDuration::parse(&t).map(Some).ok_or_else(|| invalid(element, &t))
        }
    }
}

/// Whitespace-separated stream names.
fn names(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn decode_b64(element: &'static str, text: &str) -> Result<Vec<u8>, MessageError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact.as_bytes()).map_err(|_| invalid(element, text.trim()))
}

fn rsp(name: &str) -> Element {
    Element::ns(ns::RSP, name)
}

fn response_action(request: Action) -> Option<Action> {
    Some(Action::Other(request.response_uri()))
}

// ---------------------------------------------------------------- Shell

/// One `rsp:Environment/rsp:Variable`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentVariable {
    /// `@Name`, as written.
    pub name: String,
    /// The text, as written.
    pub value: String,
}

/// `rsp:Shell`: the body of a shell Create and the representation Windows
/// returns after its ResourceCreated (MS-WSMV §2.2.4.37).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Shell {
    /// `rsp:ShellId` (responses; PSRP clients send it as an attribute).
    pub shell_id: Option<String>,
    /// `rsp:Name`.
    pub name: Option<String>,
    /// `rsp:ResourceUri` (responses).
    pub resource_uri: Option<String>,
    /// `rsp:Owner` (responses).
    pub owner: Option<String>,
    /// `rsp:ClientIP` (responses).
    pub client_ip: Option<String>,
    /// `rsp:InputStreams`, e.g. `["stdin"]`.
    pub input_streams: Vec<String>,
    /// `rsp:OutputStreams`, e.g. `["stdout", "stderr"]`.
    pub output_streams: Vec<String>,
    /// `rsp:WorkingDirectory`.
    pub working_directory: Option<String>,
    /// `rsp:Environment/rsp:Variable`, in order; `None` is no Environment element.
    pub environment: Option<Vec<EnvironmentVariable>>,
    /// `rsp:IdleTimeOut`.
    pub idle_timeout: Option<XsDuration>,
    /// `rsp:Lifetime`.
    pub lifetime: Option<XsDuration>,
    /// `rsp:ShellRunTime` (responses).
    pub shell_run_time: Option<XsDuration>,
    /// `rsp:ShellInactivity` (responses).
    pub shell_inactivity: Option<XsDuration>,
    /// Every other child, verbatim and in order (ProcessId, State, creationXml, ...).
    pub other: Vec<Element>,
}

impl Shell {
    /// The children this type reads into fields.
    const KNOWN: &'static [&'static str] = &[
        "ShellId",
        "Name",
        "ResourceUri",
        "Owner",
        "ClientIP",
        "InputStreams",
        "OutputStreams",
        "WorkingDirectory",
        "Environment",
        "IdleTimeOut",
        "Lifetime",
        "ShellRunTime",
        "ShellInactivity",
    ];

    /// Decodes an `rsp:Shell` element.
    pub fn from_element(el: &Element) -> Result<Shell, MessageError> {
        let environment = el.child(ns::RSP, "Environment").map(|env| {
            env.children_named(ns::RSP, "Variable")
                .map(|v| EnvironmentVariable { name: v.attr(None, "Name").unwrap_or_default().to_owned(), value: v.text().into_owned() })
                .collect()
        });
        Ok(Shell {
            shell_id: rsp_text(el, "ShellId").or_else(|| rsp_attr_trimmed(el, "ShellId")),
            name: rsp_text(el, "Name"),
            resource_uri: rsp_text(el, "ResourceUri"),
            owner: rsp_text(el, "Owner"),
            client_ip: rsp_text(el, "ClientIP"),
            input_streams: el.child(ns::RSP, "InputStreams").map(|c| names(&c.text())).unwrap_or_default(),
            output_streams: el.child(ns::RSP, "OutputStreams").map(|c| names(&c.text())).unwrap_or_default(),
            working_directory: rsp_text(el, "WorkingDirectory"),
            environment,
            idle_timeout: parse_duration(el, "IdleTimeOut", "rsp:IdleTimeOut")?,
            lifetime: parse_duration(el, "Lifetime", "rsp:Lifetime")?,
            shell_run_time: parse_duration(el, "ShellRunTime", "rsp:ShellRunTime")?,
            shell_inactivity: parse_duration(el, "ShellInactivity", "rsp:ShellInactivity")?,
            other: el.elements().filter(|c| !(c.ns.as_deref() == Some(ns::RSP) && Self::KNOWN.contains(&c.name.as_str()))).cloned().collect(),
        })
    }

    /// Encodes as `rsp:Shell`, children in the order Windows writes them.
    pub fn to_element(&self) -> Element {
        let mut el = rsp("Shell");
        let opt = |el: &mut Element, name: &str, v: &Option<String>| {
            if let Some(v) = v {
                el.push(text_element(ns::RSP, name, v.clone()));
            }
        };
        let dur = |el: &mut Element, name: &str, v: Option<XsDuration>| {
            if let Some(d) = v {
                el.push(text_element(ns::RSP, name, d.to_lexical()));
            }
        };
        opt(&mut el, "ShellId", &self.shell_id);
        opt(&mut el, "Name", &self.name);
        opt(&mut el, "ResourceUri", &self.resource_uri);
        opt(&mut el, "Owner", &self.owner);
        opt(&mut el, "ClientIP", &self.client_ip);
        opt(&mut el, "WorkingDirectory", &self.working_directory);
        if let Some(vars) = &self.environment {
            let mut env = rsp("Environment");
            for v in vars {
                env.push(text_element(ns::RSP, "Variable", v.value.clone()).with_attr(None, "Name", v.name.clone()));
            }
            el.push(env);
        }
        dur(&mut el, "IdleTimeOut", self.idle_timeout);
        dur(&mut el, "Lifetime", self.lifetime);
        if !self.input_streams.is_empty() {
            el.push(text_element(ns::RSP, "InputStreams", self.input_streams.join(" ")));
        }
        if !self.output_streams.is_empty() {
            el.push(text_element(ns::RSP, "OutputStreams", self.output_streams.join(" ")));
        }
        dur(&mut el, "ShellRunTime", self.shell_run_time);
        dur(&mut el, "ShellInactivity", self.shell_inactivity);
        el.children.extend(self.other.iter().cloned().map(crate::xml::Node::Element));
        el
    }

    /// The WS-Transfer Create that creates this shell (same body as encoding `self`).
    pub fn to_create(&self) -> Create {
        Create { representation: self.to_element() }
    }

    /// The shell a WS-Transfer Create asks for.
    pub fn from_create(create: &Create) -> Result<Shell, MessageError> {
        if !create.representation.is(ns::RSP, "Shell") {
            return Err(MessageError::MissingBody { expected: "rsp:Shell" });
        }
        Shell::from_element(&create.representation)
    }

    /// The Create answer for a created shell: ResourceCreated at `address`
    /// with the cmd ResourceURI and the ShellId selector, then the shell.
    /// The ShellId is `self.shell_id` (empty when unset).
    pub fn create_response(&self, address: &str) -> CreateResponse {
        let id = self.shell_id.clone().unwrap_or_default();
        CreateResponse {
            resource_created: EndpointReference {
                address: address.to_owned(),
                resource_uri: Some(ns::SHELL_CMD_RESOURCE.to_owned()),
                selectors: Some(SelectorSet::default().with("ShellId", id)),
                ..EndpointReference::default()
            },
            representation: Some(self.to_element()),
        }
    }

    /// The `rsp:Shell` after a ResourceCreated, if the response has one.
    pub fn from_create_response(response: &CreateResponse) -> Result<Option<Shell>, MessageError> {
        match &response.representation {
            Some(r) if r.is(ns::RSP, "Shell") => Shell::from_element(r).map(Some),
            _ => Ok(None),
        }
    }
}

/// The ShellId of a Create answer: the ResourceCreated selector (where
/// pypsrp reads it), else `rsp:Shell/rsp:ShellId` (where pywinrm may find it).
pub fn shell_id_of(response: &CreateResponse) -> Option<String> {
    response
        .resource_created
        .selectors
        .as_ref()
        .and_then(|s| s.get("ShellId"))
        .map(|s| s.trim().to_owned())
        .or_else(|| response.representation.as_ref().filter(|r| r.is(ns::RSP, "Shell")).and_then(|r| rsp_text(r, "ShellId")))
}

impl Message for Shell {
    fn action(&self) -> Option<Action> {
        Some(Action::Create)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        Shell::from_element(root(body, "Shell", "rsp:Shell")?)
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.to_element()]
    }
}

// ---------------------------------------------------------------- Command

/// `rsp:CommandLine`: the body of a Command (MS-WSMV §2.2.4.7).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CommandLine {
    /// `@CommandId`: PSRP clients choose the command's id.
    pub command_id: Option<String>,
    /// `rsp:Command`, trimmed.
    pub command: String,
    /// `rsp:Arguments`, each as written.
    pub arguments: Vec<String>,
}

impl Message for CommandLine {
    fn action(&self) -> Option<Action> {
        Some(Action::Command)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "CommandLine", "rsp:CommandLine")?;
        let command = rsp_text(el, "Command").ok_or(MessageError::MissingElement { parent: "rsp:CommandLine", child: "rsp:Command" })?;
        Ok(CommandLine {
            command_id: rsp_attr_trimmed(el, "CommandId"),
            command,
            arguments: el.children_named(ns::RSP, "Arguments").map(|a| a.text().into_owned()).collect(),
        })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = rsp("CommandLine");
        if let Some(id) = self.command_id {
            el.set_attr(None, "CommandId", id);
        }
        el.push(text_element(ns::RSP, "Command", self.command));
        for a in self.arguments {
            el.push(text_element(ns::RSP, "Arguments", a));
        }
        vec![el]
    }
}

/// `rsp:CommandResponse`: the new command's id.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CommandResponse {
    /// `rsp:CommandId`.
    pub command_id: String,
}

impl Message for CommandResponse {
    fn action(&self) -> Option<Action> {
        response_action(Action::Command)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "CommandResponse", "rsp:CommandResponse")?;
        let command_id = rsp_text(el, "CommandId").ok_or(MessageError::MissingElement { parent: "rsp:CommandResponse", child: "rsp:CommandId" })?;
        Ok(CommandResponse { command_id })
    }

    fn into_body(self) -> Vec<Element> {
        vec![rsp("CommandResponse").with_child(text_element(ns::RSP, "CommandId", self.command_id))]
    }
}

// ---------------------------------------------------------------- streams

/// One `rsp:Stream`: a chunk of a named stream (Send, ReceiveResponse).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Stream {
    /// `@Name`: `stdin`, `stdout`, `stderr`, PSRP's `pr` ...
    pub name: String,
    /// `@CommandId`; `None` for a shell-level stream (PSRP).
    pub command_id: Option<String>,
    /// `@End="true"`: the last chunk of the stream.
    pub end: bool,
    /// The base64 content, decoded.
    pub data: Vec<u8>,
}

impl Stream {
    fn from_element(el: &Element, parent: &'static str) -> Result<Stream, MessageError> {
        let name = rsp_attr_trimmed(el, "Name").ok_or(MessageError::MissingElement { parent, child: "rsp:Stream@Name" })?;
        let end = match rsp_attr(el, "End") {
            Some(v) => parse_bool("rsp:Stream@End", v)?,
            None => false,
        };
        Ok(Stream { name, command_id: rsp_attr_trimmed(el, "CommandId"), end, data: decode_b64("rsp:Stream", &el.text())? })
    }

    fn to_element(&self) -> Element {
        let mut el = text_element(ns::RSP, "Stream", B64.encode(&self.data)).with_attr(None, "Name", self.name.clone());
        if let Some(id) = &self.command_id {
            el.set_attr(None, "CommandId", id.clone());
        }
        if self.end {
            el.set_attr(None, "End", "true");
        }
        el
    }
}

/// `rsp:Send`: input for a command (MS-WSMV §3.1.4.13); one or more streams.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Send {
    /// The `rsp:Stream` children, in order (at least one when decoded).
    pub streams: Vec<Stream>,
}

impl Message for Send {
    fn action(&self) -> Option<Action> {
        Some(Action::Send)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "Send", "rsp:Send")?;
        let streams = el.children_named(ns::RSP, "Stream").map(|s| Stream::from_element(s, "rsp:Send")).collect::<Result<Vec<_>, _>>()?;
        if streams.is_empty() {
            return Err(MessageError::MissingElement { parent: "rsp:Send", child: "rsp:Stream" });
        }
        Ok(Send { streams })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = rsp("Send");
        self.streams.iter().for_each(|s| el.push(s.to_element()));
        vec![el]
    }
}

/// `rsp:SendResponse`: an empty element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SendResponse;

impl Message for SendResponse {
    fn action(&self) -> Option<Action> {
        response_action(Action::Send)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        root(body, "SendResponse", "rsp:SendResponse").map(|_| SendResponse)
    }

    fn into_body(self) -> Vec<Element> {
        vec![rsp("SendResponse")]
    }
}

// ---------------------------------------------------------------- Receive

/// `rsp:DesiredStream`: which streams to receive, of which command.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DesiredStream {
    /// `@CommandId` (or `@rsp:CommandId`); `None` for the shell's own streams (PSRP).
    pub command_id: Option<String>,
    /// The whitespace-separated stream names, e.g. `["stdout", "stderr"]`.
    pub names: Vec<String>,
}

/// `rsp:Receive` (MS-WSMV §3.1.4.14).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Receive {
    /// `@SequenceId` (PSRP's robust connections).
    pub sequence_id: Option<u64>,
    /// `rsp:DesiredStream`.
    pub desired_stream: DesiredStream,
}

impl Receive {
    /// The CommandId a Receive on the cmd shell must name. Windows' cmd
    /// plugin answers a DesiredStream without one with `wsman:InvalidParameter`
    /// (detail InvalidValue, WSManFault code 87, "The parameter is
    /// incorrect."); PSRP shells receive without one, so decode accepts it and
    /// the server calls this check for the cmd resource.
    pub fn require_command_id(&self) -> Result<&str, MessageError> {
        self.desired_stream.command_id.as_deref().ok_or(MessageError::InvalidValue { element: "rsp:DesiredStream@CommandId", value: String::new() })
    }
}

impl Message for Receive {
    fn action(&self) -> Option<Action> {
        Some(Action::Receive)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "Receive", "rsp:Receive")?;
        let ds = el.child(ns::RSP, "DesiredStream").ok_or(MessageError::MissingElement { parent: "rsp:Receive", child: "rsp:DesiredStream" })?;
        let sequence_id = match rsp_attr(el, "SequenceId") {
            Some(v) => Some(v.trim().parse::<u64>().map_err(|_| invalid("rsp:Receive@SequenceId", v))?),
            None => None,
        };
        Ok(Receive { sequence_id, desired_stream: DesiredStream { command_id: rsp_attr_trimmed(ds, "CommandId"), names: names(&ds.text()) } })
    }

    fn into_body(self) -> Vec<Element> {
        let mut ds = text_element(ns::RSP, "DesiredStream", self.desired_stream.names.join(" "));
        if let Some(id) = self.desired_stream.command_id {
            ds.set_attr(None, "CommandId", id);
        }
        let mut el = rsp("Receive").with_child(ds);
        if let Some(n) = self.sequence_id {
            el.set_attr(None, "SequenceId", n.to_string());
        }
        vec![el]
    }
}

/// The state of a command (`rsp:CommandState@State`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommandStateKind {
    /// `.../CommandState/Running`.
    Running,
    /// `.../CommandState/Done`: the command exited (ExitCode follows).
    Done,
    /// `.../CommandState/Pending`.
    Pending,
    /// Any other URI, kept.
    Other(String),
}

impl CommandStateKind {
    fn prefix() -> String {
        format!("{}/CommandState/", ns::RSP)
    }

    /// Reads a State URI (compared case-insensitively, as signal codes are).
    pub fn from_uri(uri: &str) -> CommandStateKind {
        let uri = uri.trim();
        let is = |local: &str| uri.eq_ignore_ascii_case(&format!("{}{local}", Self::prefix()));
        if is("Running") {
            CommandStateKind::Running
        } else if is("Done") {
            CommandStateKind::Done
        } else if is("Pending") {
            CommandStateKind::Pending
        } else {
            CommandStateKind::Other(uri.to_owned())
        }
    }

    /// The State URI.
    pub fn uri(&self) -> String {
        match self {
            CommandStateKind::Running => format!("{}Running", Self::prefix()),
            CommandStateKind::Done => format!("{}Done", Self::prefix()),
            CommandStateKind::Pending => format!("{}Pending", Self::prefix()),
            CommandStateKind::Other(u) => u.clone(),
        }
    }
}

/// `rsp:CommandState`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandState {
    /// `@CommandId`.
    pub command_id: String,
    /// `@State`.
    pub state: CommandStateKind,
    /// `rsp:ExitCode` (with Done). Windows' DWORD codes and negative ones both fit.
    pub exit_code: Option<i64>,
}

/// `rsp:ReceiveResponse`: output chunks and, when known, the command's state.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ReceiveResponse {
    /// `rsp:Stream` children, in order.
    pub streams: Vec<Stream>,
    /// `rsp:CommandState`.
    pub command_state: Option<CommandState>,
}

impl ReceiveResponse {
    /// The concatenated bytes of one stream (e.g. `stdout`), in order.
    pub fn data_of(&self, name: &str) -> Vec<u8> {
        self.streams.iter().filter(|s| s.name == name).flat_map(|s| s.data.iter().copied()).collect()
    }
}

impl Message for ReceiveResponse {
    fn action(&self) -> Option<Action> {
        response_action(Action::Receive)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "ReceiveResponse", "rsp:ReceiveResponse")?;
        let streams = el.children_named(ns::RSP, "Stream").map(|s| Stream::from_element(s, "rsp:ReceiveResponse")).collect::<Result<Vec<_>, _>>()?;
        let command_state = match el.child(ns::RSP, "CommandState") {
            None => None,
            Some(cs) => {
                let command_id = rsp_attr_trimmed(cs, "CommandId").ok_or(MessageError::MissingElement { parent: "rsp:CommandState", child: "@CommandId" })?;
                let state = rsp_attr(cs, "State").ok_or(MessageError::MissingElement { parent: "rsp:CommandState", child: "@State" })?;
                let exit_code = match cs.child(ns::RSP, "ExitCode") {
                    None => None,
                    Some(c) => {
                        let t = trimmed(c);
                        Some(t.parse::<i64>().map_err(|_| invalid("rsp:ExitCode", &t))?)
                    }
                };
                Some(CommandState { command_id, state: CommandStateKind::from_uri(state), exit_code })
            }
        };
        Ok(ReceiveResponse { streams, command_state })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = rsp("ReceiveResponse");
        self.streams.iter().for_each(|s| el.push(s.to_element()));
        if let Some(cs) = self.command_state {
            let mut c = rsp("CommandState").with_attr(None, "CommandId", cs.command_id).with_attr(None, "State", cs.state.uri());
            if let Some(code) = cs.exit_code {
                c.push(text_element(ns::RSP, "ExitCode", code.to_string()));
            }
            el.push(c);
        }
        vec![el]
    }
}

// ---------------------------------------------------------------- Signal

/// `rsp:Code` of a Signal (MS-WSMV §2.2.5.6 / MS-PSRP).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SignalCode {
    /// `.../shell/signal/terminate`.
    Terminate,
    /// `.../shell/signal/ctrl_c`.
    CtrlC,
    /// `.../shell/signal/ctrl_break`.
    CtrlBreak,
    /// PowerShell's stop: `powershell/signal/ctrl_c` (pypsrp), `powershell/signal/crtl_c` (MS-PSRP).
    PowerShellCtrlC,
    /// Any other code, kept.
    Other(String),
}

impl SignalCode {
    const POWERSHELL_CTRL_C: &'static str = "powershell/signal/ctrl_c";
    const POWERSHELL_CRTL_C: &'static str = "powershell/signal/crtl_c";

    fn prefix() -> String {
        format!("{}/signal/", ns::RSP)
    }

    /// Reads a code URI, trimmed and compared case-insensitively: pypsrp
    /// sends `.../signal/Terminate` and Windows takes it as terminate.
    pub fn from_uri(uri: &str) -> SignalCode {
        let uri = uri.trim();
        let is = |local: &str| uri.eq_ignore_ascii_case(&format!("{}{local}", Self::prefix()));
        if uri.eq_ignore_ascii_case(Self::POWERSHELL_CTRL_C) || uri.eq_ignore_ascii_case(Self::POWERSHELL_CRTL_C) {
            SignalCode::PowerShellCtrlC
        } else if is("terminate") {
            SignalCode::Terminate
        } else if is("ctrl_c") {
            SignalCode::CtrlC
        } else if is("ctrl_break") {
            SignalCode::CtrlBreak
        } else {
            SignalCode::Other(uri.to_owned())
        }
    }

    /// The code URI.
    pub fn uri(&self) -> String {
        match self {
            SignalCode::Terminate => format!("{}terminate", Self::prefix()),
            SignalCode::CtrlC => format!("{}ctrl_c", Self::prefix()),
            SignalCode::CtrlBreak => format!("{}ctrl_break", Self::prefix()),
            SignalCode::PowerShellCtrlC => Self::POWERSHELL_CTRL_C.to_owned(),
            SignalCode::Other(u) => u.clone(),
        }
    }
}

/// `rsp:Signal` (MS-WSMV §3.1.4.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// `@CommandId`; `None` signals the shell itself (PSRP).
    pub command_id: Option<String>,
    /// `rsp:Code`.
    pub code: SignalCode,
}

impl Message for Signal {
    fn action(&self) -> Option<Action> {
        Some(Action::Signal)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = root(body, "Signal", "rsp:Signal")?;
        let code = rsp_text(el, "Code").ok_or(MessageError::MissingElement { parent: "rsp:Signal", child: "rsp:Code" })?;
        Ok(Signal { command_id: rsp_attr_trimmed(el, "CommandId"), code: SignalCode::from_uri(&code) })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = rsp("Signal").with_child(text_element(ns::RSP, "Code", self.code.uri()));
        if let Some(id) = self.command_id {
            el.set_attr(None, "CommandId", id);
        }
        vec![el]
    }
}

/// `rsp:SignalResponse`: an empty element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SignalResponse;

impl Message for SignalResponse {
    fn action(&self) -> Option<Action> {
        response_action(Action::Signal)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        root(body, "SignalResponse", "rsp:SignalResponse").map(|_| SignalResponse)
    }

    fn into_body(self) -> Vec<Element> {
        vec![rsp("SignalResponse")]
    }
}
