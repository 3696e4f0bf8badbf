"""Class-of-service and server requests (reference 3.5, 1.6, 6.3)."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.attrs import apply_modifications
from lab.emulator.element import Element
from lab.emulator.encode import encode_cos, encode_server, wanted_attrs
from lab.emulator.handlers.base import ADMIN_NS, Context, handler, required, required_child
from lab.emulator.handlers.lookup import (
    COS_BY,
    SERVER_BY,
    bool_option,
    find_cos,
    find_server,
    selector_by,
)
from lab.emulator.handlers.modify import modifications, modify_server


@handler("GetCosRequest")
def get_cos(ctx: Context, request: Element) -> Element:
    """One COS, by name or id."""
    selector = required_child(request, "cos")
    cos = find_cos(ctx.store, selector_by(selector, COS_BY, "name"), selector.value)
    if cos is None:
        raise faults.no_such_cos(selector.value)
    response = Element("GetCosResponse", ns=ADMIN_NS)
    encode_cos(response, cos, wanted_attrs(request.get("attrs")))
    return response


@handler("ModifyCosRequest")
def modify_cos(ctx: Context, request: Element) -> Element:
    """Change a COS's attributes; the COS is named by id."""
    cos_id = required(request, "id")
    cos = ctx.store.coses.get(cos_id)
    if cos is None:
        raise faults.no_such_cos(cos_id)
    apply_modifications(cos.attrs, modifications(request))
    response = Element("ModifyCosResponse", ns=ADMIN_NS)
    encode_cos(response, cos, None)
    return response


@handler("GetServerRequest")
def get_server(ctx: Context, request: Element) -> Element:
    """One server, with inherited global-config values unless applyConfig="0"."""
    selector = required_child(request, "server")
    server = find_server(ctx.store, selector_by(selector, SERVER_BY, "name"), selector.value)
    if server is None:
        raise faults.no_such_server(selector.value)
    response = Element("GetServerResponse", ns=ADMIN_NS)
    encode_server(
        ctx.store,
        response,
        server,
        apply_config=bool_option(request, "applyConfig", True),
        wanted=wanted_attrs(request.get("attrs")),
    )
    return response


@handler("ModifyServerRequest")
def modify_server_request(ctx: Context, request: Element) -> Element:
    """Change a server's attributes; scheduled domains are validated by the server callback."""
    server_id = required(request, "id")
    server = ctx.store.servers.get(server_id)
    if server is None:
        raise faults.no_such_server(server_id)
    modify_server(ctx.store, server, modifications(request))
    response = Element("ModifyServerResponse", ns=ADMIN_NS)
    encode_server(ctx.store, response, server, apply_config=True, wanted=None)
    return response
