//! Design notes: what the reference implementation decides where the
//! specifications leave room, and why. Read this before judging a vendor's
//! endpoint by the reference server's behaviour.
//!
//! # Conformance scope
//!
//! The reference server implements DSP0226 (WS-Management 1.x) as Windows
//! WinRM (MS-WSMV) shapes it: SOAP 1.2 only, WS-Addressing 2004/08,
//! WS-Transfer and WS-Enumeration 2004/09 with the WS-Management extensions,
//! custom methods, Identify, and the WinRM configuration resource. Eventing
//! (WS-Eventing 2004/08) and the WinRS shell are not implemented yet: their
//! corpus profiles come out UNIMPLEMENTED against it.
//!
//! # Faults for input that is not a WS-Management request
//!
//! | input | answer | why |
//! |---|---|---|
//! | not well-formed XML, a DTD, an undeclared entity, no Body | `wsman:SchemaValidationError` | DSP0226 has no fault for "not XML"; the request violates the envelope schema |
//! | nesting, element or attribute counts over the bounds ([`crate::xml::Limits`]) | `wsman:EncodingLimit` + `ServiceEnvelopeLimit` | a limit of the service, not of the request's schema |
//! | bytes that are neither UTF-8 nor UTF-16 with a BOM | `wsman:EncodingLimit` + `CharacterSet` | DSP0226 §13.1 |
//! | a SOAP 1.1 envelope | `s:VersionMismatch` | SOAP 1.2 Part 1 §5.4.7 |
//! | a header value that is not of its type (OperationTimeout, MaxEnvelopeSize) | `wsa:InvalidMessageInformationHeader` (+ `InvalidTimeout` / `MaxEnvelopeSize`) | as Windows answers `PT-1S` (a captured exchange) |
//! | a WS-Addressing or WS-Management header given twice, or an empty `wsa:To` | `wsa:InvalidMessageInformationHeader` | WS-Addressing §3: each appears at most once |
//!
//! Whenever the request's `wsa:MessageID` can be read, even from a document
//! that was refused, the fault carries it in `wsa:RelatesTo`.
//!
//! # Selectors and missing instances
//!
//! The server checks a request's selector set once, against the keys the
//! provider declares ([`crate::ResourceProvider::keys`]), before any provider
//! sees it; providers trust the set they get. A set that is wrong for the
//! class is `wsman:InvalidSelectors` with the matching detail, found in this
//! order: a selector whose value is an endpoint reference where the key takes
//! text (`TypeMismatch`), a name given twice (`DuplicateSelectors`), a name
//! that is not a key (`UnexpectedSelectors`), a key missing
//! (`InsufficientSelectors`). Names compare case-insensitively.
//!
//! A well-formed, complete key set that matches no instance — a Get, Put,
//! Delete or custom method on an instance that does not exist — is
//! `wsa:DestinationUnreachable` with detail `ResourceNotFound`
//! ([`crate::provider::instance_not_found`]), on every class: the simulated
//! Windows classes (`root/cimv2`) and the BMC's CIM classes alike. An unknown
//! resource URI is `wsa:DestinationUnreachable` with `InvalidResourceURI`.
//!
//! Why, from the evidence at hand:
//!
//! - DSP0226 (its text is not available here; PROTOCOL.md §3-4 summarise
//!   it): selector errors are `wsman:InvalidSelectors` with the details
//!   Insufficient-, Unexpected-, Ambiguous-, DuplicateSelectors or
//!   TypeMismatch (check 6), all properties of the set *for the class*, not
//!   of which instances exist; a message whose resource cannot be reached is
//!   `wsa:DestinationUnreachable`, with detail `InvalidResourceURI` or
//!   `ResourceNotFound` (check 5). The Get of §7.3 addresses one instance by
//!   ResourceURI plus selectors (§7.1): a valid address at which nothing
//!   exists is the second kind. (`InvalidValue` is also a DSP0226 detail, for
//!   a selector value the class cannot take; it is not "no such instance".)
//! - MS-WSMV §4.10 (the fault-detail example) shows the answer Windows gives
//!   for exactly this case: `s:Sender`, `a:DestinationUnreachable`,
//!   `wsman:faultDetail/ResourceNotFound`, reason "The service cannot find
//!   the resource identified by the resource URI and selectors". The same
//!   answer is in MS-WSMAN §4.3. The WSManFault code the server gives it,
//!   2150858752, is `ERROR_WSMAN_RESOURCE_NOT_FOUND`, whose text is that
//!   reason.
//! - The recorded Windows exchanges that answer `w:InvalidSelectors` for an
//!   identifier that names nothing (pypsrp `test_psrp_is_alive_invalid_selectors`,
//!   a Get of `windows/shell` whose ShellId was closed;
//!   `test_winrs_bad_cmd_id` and `test_psrp_receive_failure`, an unknown
//!   CommandId) all come from the *shell* plugin (`WsmSvc.dll`, "Shell
//!   provider"), with detail `UnexpectedSelectors` and code 2150858843. That is
//!   how the WinRS plugin treats a shell or command identifier, not how a
//!   CIM class answers, and it applies to the shell resource URIs only: a
//!   WinRS implementation here follows those recordings. The BMC's classes
//!   are CIM classes that Windows serves through WMI (the IPMI provider,
//!   `root\hardware`), so they answer as the `root/cimv2` classes do.
//!
//! The corpus expects the one answer: a Get, Delete or method of a missing
//! instance fails unless it is `wsa:DestinationUnreachable` + `ResourceNotFound`
//! (transfer and ipmi profiles). An *empty* key value (`Name=""`) is left open
//! (ResourceNotFound or InvalidSelectors + `InvalidValue`): no recording shows
//! what Windows answers for it.
//!
//! # Headers
//!
//! - `mustUnderstand` is honoured whether SOAP-qualified or not (pywinrm sends
//!   it unqualified). An unknown header so marked gets `s:MustUnderstand`, and
//!   the fault names it in an `s:NotUnderstood` header block.
//! - `wsman:Locale` and `wsmv:DataLocale`: English (`en`, `en-*`) is supported;
//!   any other language marked mustUnderstand gets `wsman:UnsupportedFeature` +
//!   `Locale`; unmarked, it is ignored.
//! - `wsmv:SessionId` (`uuid:` + GUID) and `wsmv:ActivityId` (a GUID) are
//!   checked only when marked mustUnderstand, as clients send them unmarked.
//! - A `wsman:Option` with `MustComply="true"` is refused with
//!   `wsman:InvalidOptions`: the simulated host supports no options.
//! - `wsman:MaxEnvelopeSize` below 8192 is `wsman:EncodingLimit` +
//!   `MinimumEnvelopeLimit`; above MaxEnvelopeSizekb it is lowered to it.
//!   OperationTimeout is capped at MaxTimeoutms.
//!
//! # Enumeration
//!
//! - Items are rendered when the enumeration starts, so a sequence of Pulls
//!   sees one consistent snapshot.
//! - MaxElements defaults to 1 (DSP0226 §8.2), is capped at MaxBatchItems, and
//!   a batch is cut short rather than exceed MaxEnvelopeSize; a single item
//!   that does not fit is `wsman:EncodingLimit` + `MaxEnvelopeSize`.
//! - `wsen:EnumerateResponse` always carries an `wsen:EnumerationContext` (the
//!   schema requires it); after the last optimized batch it is no longer valid.
//! - WQL results are `wsman:XmlFragment` items, as Windows returns them; a query
//!   naming a property the class lacks is `wsen:CannotProcessFilter`, as WMI
//!   answers an invalid query. A SelectorFilter may name only keys.
//!
//! # HTTP
//!
//! Every SOAP fault goes out with HTTP 500, as Windows sends them (the SOAP
//! 1.2 HTTP binding would allow 400 for Sender faults; the driver accepts
//! either from other endpoints and fails a fault sent with 200). Transport
//! refusals (401, 404, 405, 413, 415) are answered before the body is read and
//! close the connection.
