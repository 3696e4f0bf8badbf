"""The SOAP servlets: admin (`/service/admin/soap`) and user (`/service/soap`).

Independent of HTTP: takes the request's path, headers and body and gives back an `HttpReply`
with the server's status codes (200, 422 for any Fault, 500 on a port the servlet refuses).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lab.emulator import faults, soap
from lab.emulator.faults import SoapFault
from lab.emulator.handlers import ACCOUNT_NS, ADMIN_NS, Context, invoke
from lab.emulator.handlers.mail import MAIL_NS
from lab.emulator.restauth import ADMIN_COOKIE, USER_COOKIE
from lab.emulator.soap import Protocol
from lab.emulator.store import Store
from lab.emulator.web import HttpReply

LOG = logging.getLogger(__name__)
UNPROCESSABLE = 422
_ADMIN_NAMESPACES = frozenset({ADMIN_NS, ACCOUNT_NS, MAIL_NS})
_USER_NAMESPACES = frozenset({ACCOUNT_NS, MAIL_NS})
_NO_CACHE = ("Cache-Control", "no-store, no-cache")


@dataclass
class SoapCall:
    """One HTTP request to a SOAP servlet, with where it arrived."""

    path: str
    body: bytes
    cookies: dict[str, str]
    admin_servlet: bool
    allowed_here: bool
    port_number: int
    secure: bool
    admin_url: str
    user_url: str


def is_admin_soap_path(path: str) -> bool:
    """`/service/admin/soap`, with a trailing `/` or a trailing request name."""
    return path == "/service/admin/soap" or path.startswith("/service/admin/soap/")


def is_user_soap_path(path: str) -> bool:
    """`/service/soap` and anything below it."""
    return path == "/service/soap" or path.startswith("/service/soap/")


def handle_soap(store: Store, call: SoapCall) -> HttpReply:
    """Answer one SOAP request.

    TODO: the CSRF token check (zimbraCsrfTokenCheckEnabled, off by default) is not emulated.
    """
    if not call.allowed_here:
        fault = faults.failure(f"Request not allowed on port {call.port_number}")
        return _reply(500, Protocol.SOAP12, soap.encode_fault(Protocol.SOAP12, fault))

    limit = int(store.server_attrs(store.server).first("zimbraSoapRequestMaxSize") or 0)
    if limit > 0 and len(call.body) > limit:
        message = (
            f"Request size {len(call.body)} exceeded limit of {limit} bytes set for "
            "zimbraSoapRequestMaxSize."
        )
        fault = faults.invalid_request(message)
        return _reply(UNPROCESSABLE, Protocol.SOAP12, soap.encode_fault(Protocol.SOAP12, fault))

    try:
        request = soap.parse_request(call.body)
    except soap.EnvelopeError as exc:
        return _reply(UNPROCESSABLE, exc.protocol, soap.encode_fault(exc.protocol, exc.fault))
    return _dispatch(store, call, request)


def _dispatch(store: Store, call: SoapCall, request: soap.SoapRequest) -> HttpReply:
    """Run the body's request and encode its response or fault."""
    ctx = Context(store, secure=call.secure, admin_url=call.admin_url, user_url=call.user_url)
    target = request.context.first("account") if request.context is not None else None
    ctx.on_behalf_of = target.value if target is not None else None
    namespaces = _ADMIN_NAMESPACES if call.admin_servlet else _USER_NAMESPACES
    try:
        response = invoke(ctx, request.body, _token(call, request), namespaces)
    except SoapFault as raised:
        return _reply(UNPROCESSABLE, request.protocol, soap.encode_fault(request.protocol, raised))
    except Exception as exc:  # the server turns any handler crash into service.FAILURE
        LOG.exception("handler failed")
        crash = faults.failure(repr(exc))
        return _reply(UNPROCESSABLE, request.protocol, soap.encode_fault(request.protocol, crash))

    reply = _reply(200, request.protocol, soap.encode_response(request.protocol, response))
    reply.headers.extend(("Set-Cookie", cookie) for cookie in ctx.set_cookies)
    return reply


def _token(call: SoapCall, request: soap.SoapRequest) -> str | None:
    """The token from the header context, else from the servlet's cookie."""
    if request.context is not None:
        value = request.context.get("authToken")
        if value:
            return value
    return call.cookies.get(ADMIN_COOKIE if call.admin_servlet else USER_COOKIE)


def _reply(status: int, protocol: Protocol, body: bytes) -> HttpReply:
    """A SOAP answer with its content type and the no-cache header."""
    headers = [("Content-Type", protocol.content_type), _NO_CACHE]
    return HttpReply(status, headers, body)
