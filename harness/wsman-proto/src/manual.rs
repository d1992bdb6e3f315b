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
//! A selector set that is wrong for the class (a key missing, a name that is
//! not a key, a name twice, an endpoint reference where the key takes text)
//! is `wsman:InvalidSelectors` with the matching detail (DSP0226 §7.2). A
//! correct key set that matches no instance is `wsa:DestinationUnreachable`
//! with detail `ResourceNotFound`, the form of MS-WSMV §4.10; an unknown
//! resource URI is `wsa:DestinationUnreachable` with `InvalidResourceURI`.
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
