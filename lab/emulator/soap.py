"""SOAP envelopes in both spellings Carbonio accepts: XML (SOAP 1.2 and 1.1) and JSON.

The body's first byte decides: `<` means XML, anything else JSON. Requests become an
`Element` tree; responses and faults are written back in the protocol the client chose.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import Enum
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lab.emulator import faults
from lab.emulator.element import Element, Scalar, scalar_text
from lab.emulator.faults import SoapFault

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
ZIMBRA_NS = "urn:zimbra"
SOAP_JS_NS = "urn:zimbraSoap"


class Protocol(Enum):
    """The three wire forms, with the content type each answer carries."""

    SOAP12 = "application/soap+xml; charset=utf-8"
    SOAP11 = "text/xml; charset=utf-8"
    JSON = "text/javascript; charset=utf-8"

    @property
    def content_type(self) -> str:
        """The Content-Type of a response in this protocol."""
        return self.value


@dataclass
class SoapRequest:
    """A parsed request: the protocol to answer in, the header context, and the body element."""

    protocol: Protocol
    context: Element | None
    body: Element


class EnvelopeError(Exception):
    """The envelope itself is unusable; `fault` is to be answered in `protocol`."""

    def __init__(self, fault: SoapFault, protocol: Protocol) -> None:
        super().__init__(fault.reason)
        self.fault = fault
        self.protocol = protocol


def parse_request(data: bytes) -> SoapRequest:
    """Parse a request body, choosing XML or JSON by its first byte, as the server does."""
    if not data:
        raise EnvelopeError(faults.parse_error("empty request payload"), Protocol.SOAP12)
    request = _parse_xml(data) if data[:1] == b"<" else _parse_json(data)
    return _apply_format_choice(request)


def _apply_format_choice(request: SoapRequest) -> SoapRequest:
    """Honour `<format type="js|xml"/>` in the context, which overrides the request's form."""
    fmt = request.context.first("format") if request.context is not None else None
    wanted = fmt.get("type") if fmt is not None else None
    if wanted == "js":
        request.protocol = Protocol.JSON
    elif wanted == "xml" and request.protocol is Protocol.JSON:
        request.protocol = Protocol.SOAP12
    return request


def _parse_xml(data: bytes) -> SoapRequest:
    """Parse a SOAP 1.2 or 1.1 envelope."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        protocol = Protocol.SOAP11 if SOAP11_NS.encode() in data else Protocol.SOAP12
        raise EnvelopeError(faults.parse_error(str(exc)), protocol) from exc

    ns, local = _split_tag(root.tag)
    if local != "Envelope" or ns not in (SOAP12_NS, SOAP11_NS):
        fault = faults.invalid_request("unable to determine SOAP version")
        raise EnvelopeError(fault, Protocol.SOAP12)
    protocol = Protocol.SOAP12 if ns == SOAP12_NS else Protocol.SOAP11

    header = root.find(f"{{{ns}}}Header")
    body = root.find(f"{{{ns}}}Body")
    if body is None or len(body) == 0:
        raise EnvelopeError(faults.invalid_request("No SOAP body"), protocol)
    context = header.find(f"{{{ZIMBRA_NS}}}context") if header is not None else None
    return SoapRequest(
        protocol=protocol,
        context=_from_xml(context) if context is not None else None,
        body=_from_xml(body[0]),
    )


def _split_tag(tag: str) -> tuple[str | None, str]:
    """Split ElementTree's `{ns}local` into its two parts."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _from_xml(node: ET.Element) -> Element:
    """Convert an ElementTree node into an Element."""
    ns, local = _split_tag(node.tag)
    attrs: dict[str, Scalar] = {_split_tag(k)[1]: v for k, v in node.attrib.items()}
    element = Element(local, ns=ns, attrs=attrs)
    if len(node) == 0:
        element.text = node.text or ""
    element.children = [_from_xml(child) for child in node]
    return element


def _parse_json(data: bytes) -> SoapRequest:
    """Parse the JSON form: an object with `Body` (and optionally `Header`)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(faults.parse_error(str(exc)), Protocol.JSON) from exc
    if not isinstance(document, dict):
        raise EnvelopeError(faults.parse_error("not a JSON object"), Protocol.JSON)

    body = document.get("Body")
    if not isinstance(body, dict):
        body = {}
    names = [k for k in body if k != "_jsns"]
    if not names or not isinstance(body[names[0]], dict):
        raise EnvelopeError(faults.invalid_request("No SOAP body"), Protocol.JSON)
    header = document.get("Header")
    context = header.get("context") if isinstance(header, dict) else None
    return SoapRequest(
        protocol=Protocol.JSON,
        context=_from_json("context", context) if isinstance(context, dict) else None,
        body=_from_json(names[0], body[names[0]]),
    )


def _from_json(name: str, obj: dict[str, Any]) -> Element:
    """Convert one JSON object into an Element, turning an `_attrs` map into `a` children."""
    ns = obj.get("_jsns")
    element = Element(name, ns=ns if isinstance(ns, str) else None)
    for key, value in obj.items():
        if key == "_jsns":
            continue
        if key == "_content":
            element.text = _json_scalar(value)
        elif key == "_attrs" and isinstance(value, dict):
            element.children.extend(_attrs_map(value))
        elif isinstance(value, dict):
            element.children.append(_from_json(key, value))
        elif isinstance(value, list):
            element.children.extend(_json_item(key, item) for item in value)
        else:
            element.attrs[key] = _json_scalar(value)
    return element


def _json_item(name: str, item: Any) -> Element:
    """One member of a JSON array: an object, or a bare value standing for element text."""
    if isinstance(item, dict):
        return _from_json(name, item)
    return Element(name, text=_json_scalar(item))


def _attrs_map(mapping: dict[str, Any]) -> list[Element]:
    """Expand `{"displayName": "X", "mail": ["a", "b"]}` into `a` elements."""
    result: list[Element] = []
    for attr_name, value in mapping.items():
        values = value if isinstance(value, list) else [value]
        result.extend(Element("a", attrs={"n": attr_name}, text=_json_scalar(v)) for v in values)
    return result


def _json_scalar(value: Any) -> str:
    """Read a JSON scalar as the server's element API does: always a string."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def encode_response(protocol: Protocol, body: Element) -> bytes:
    """Write a response envelope with an (empty) header context."""
    if protocol is Protocol.JSON:
        document = {
            "Header": {"context": {"_jsns": ZIMBRA_NS}},
            "Body": {body.name: _to_json(body)},
            "_jsns": SOAP_JS_NS,
        }
        return json.dumps(document, ensure_ascii=False).encode("utf-8")
    header = f'<soap:Header><context xmlns="{ZIMBRA_NS}"/></soap:Header>'
    return _xml_envelope(protocol, header + f"<soap:Body>{_to_xml(body, None)}</soap:Body>")


def encode_fault(protocol: Protocol, fault: SoapFault) -> bytes:
    """Write a Fault envelope: Code, Reason and Detail/Error/Code, as the server spells them."""
    trace = _trace()
    if protocol is Protocol.JSON:
        side = "soap:Receiver" if fault.receiver else "soap:Sender"
        content = {
            "Code": {"Value": side},
            "Reason": {"Text": fault.reason},
            "Detail": {"Error": {"Code": fault.code, "Trace": trace, "_jsns": ZIMBRA_NS}},
        }
        document = {"Body": {"Fault": content}, "_jsns": SOAP_JS_NS}
        return json.dumps(document, ensure_ascii=False).encode("utf-8")

    error = (
        f'<Error xmlns="{ZIMBRA_NS}"><Code>{escape(fault.code)}</Code>'
        f"<Trace>{escape(trace)}</Trace></Error>"
    )
    if protocol is Protocol.SOAP11:
        code = "soap:Server" if fault.receiver else "soap:Client"
        inner = (
            f"<faultcode>{code}</faultcode><faultstring>{escape(fault.reason)}</faultstring>"
            f"<detail>{error}</detail>"
        )
    else:
        value = "soap:Receiver" if fault.receiver else "soap:Sender"
        inner = (
            f"<soap:Code><soap:Value>{value}</soap:Value></soap:Code>"
            f"<soap:Reason><soap:Text>{escape(fault.reason)}</soap:Text></soap:Reason>"
            f"<soap:Detail>{error}</soap:Detail>"
        )
    return _xml_envelope(protocol, f"<soap:Body><soap:Fault>{inner}</soap:Fault></soap:Body>")


def _xml_envelope(protocol: Protocol, content: str) -> bytes:
    """Wrap header and body markup in the envelope of the protocol's namespace."""
    ns = SOAP11_NS if protocol is Protocol.SOAP11 else SOAP12_NS
    return f'<soap:Envelope xmlns:soap="{ns}">{content}</soap:Envelope>'.encode()


_trace_counter = iter(range(1, 1 << 62))
_trace_lock = threading.Lock()


def _trace() -> str:
    """A thread-name-like Trace value, as the server puts there when stacks are off."""
    with _trace_lock:
        number = next(_trace_counter)
    return f"qtp-emulator-{threading.get_ident() % 100000}:{number}"


def _to_xml(element: Element, parent_ns: str | None) -> str:
    """Serialise an Element; a namespace is declared where it differs from the parent's.

    Hand-written because ElementTree cannot emit per-element default-namespace declarations.
    """
    declared = element.ns is not None and element.ns != parent_ns
    ns = element.ns if declared else parent_ns
    parts = [f"<{element.name}"]
    if declared:
        parts.append(f' xmlns="{element.ns}"')
    parts.extend(f" {k}={quoteattr(scalar_text(v))}" for k, v in element.attrs.items())

    inner = escape(scalar_text(element.text)) if element.text is not None else ""
    inner += "".join(_to_xml(child, ns) for child in element.children)
    if not inner:
        return "".join(parts) + "/>"
    return "".join(parts) + f">{inner}</{element.name}>"


def _to_json(element: Element) -> dict[str, Any]:
    """Convert an Element to the JSON object form (attributes as keys, text as `_content`)."""
    result: dict[str, Any] = dict(element.attrs)
    if element.text is not None:
        result["_content"] = element.text
    groups: dict[str, list[Element]] = {}
    for child in element.children:
        groups.setdefault(child.name, []).append(child)
    for name, members in groups.items():
        encoded = [_json_value(member) for member in members]
        single = len(members) == 1 and (members[0].unique or members[0].scalar)
        result[name] = encoded[0] if single else encoded
    if element.ns is not None:
        result["_jsns"] = element.ns
    return result


def _json_value(element: Element) -> Any:
    """A child's JSON value: a bare scalar for scalar elements, else an object."""
    if element.scalar and not element.attrs and not element.children:
        return element.text
    return _to_json(element)
