"""Domain and global-config requests (reference 3.5)."""

from __future__ import annotations

import re

from lab.emulator import faults
from lab.emulator.attrs import apply_modifications
from lab.emulator.element import Element
from lab.emulator.encode import add_attrs, encode_domain, wanted_attrs
from lab.emulator.handlers.base import ADMIN_NS, Context, handler, required, required_child
from lab.emulator.handlers.lookup import DOMAIN_BY, bool_option, find_domain, selector_by
from lab.emulator.handlers.modify import creation_attrs, modifications, modify_domain

_DOMAIN_NAME = re.compile(r"^(?=.{1,255}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_-]+)*$")


@handler("GetDomainRequest")
def get_domain(ctx: Context, request: Element) -> Element:
    """One domain, with inherited global-config values unless applyConfig="0"."""
    selector = required_child(request, "domain")
    by = selector_by(selector, DOMAIN_BY, None)
    domain = find_domain(ctx.store, by, selector.value)
    if domain is None:
        raise faults.no_such_domain(selector.value)

    response = Element("GetDomainResponse", ns=ADMIN_NS)
    encode_domain(
        ctx.store,
        response,
        domain,
        apply_config=bool_option(request, "applyConfig", True),
        wanted=wanted_attrs(request.get("attrs")),
    )
    return response


@handler("GetAllDomainsRequest")
def get_all_domains(ctx: Context, request: Element) -> Element:
    """Every domain, sorted by name."""
    response = Element("GetAllDomainsResponse", ns=ADMIN_NS)
    apply_config = bool_option(request, "applyConfig", True)
    for domain in sorted(ctx.store.domains.values(), key=lambda d: d.name):
        encode_domain(ctx.store, response, domain, apply_config=apply_config, wanted=None)
    return response


@handler("CreateDomainRequest")
def create_domain(ctx: Context, request: Element) -> Element:
    """Create a domain; an existing name is account.DOMAIN_EXISTS."""
    name = required(request, "name").strip().lower()
    ascii_name = _to_ascii(name)
    if not _DOMAIN_NAME.match(ascii_name):
        raise faults.invalid_request(f"invalid domain name {name}")
    if ctx.store.domain_by_name(ascii_name) is not None:
        raise faults.domain_exists(ascii_name)

    domain = ctx.store.create_domain(ascii_name, creation_attrs(request))
    response = Element("CreateDomainResponse", ns=ADMIN_NS)
    encode_domain(ctx.store, response, domain, apply_config=True, wanted=None)
    return response


def _to_ascii(name: str) -> str:
    """IDN domains are stored in their ASCII (punycode) form."""
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise faults.invalid_request(f"invalid domain name {name}") from exc


@handler("ModifyDomainRequest")
def modify_domain_request(ctx: Context, request: Element) -> Element:
    """Change a domain's attributes; the domain is named by id only."""
    domain_id = required(request, "id")
    domain = ctx.store.domains.get(domain_id)
    if domain is None:
        raise faults.no_such_domain(domain_id)

    modify_domain(domain, modifications(request))
    response = Element("ModifyDomainResponse", ns=ADMIN_NS)
    encode_domain(ctx.store, response, domain, apply_config=True, wanted=None)
    return response


@handler("GetConfigRequest")
def get_config(ctx: Context, request: Element) -> Element:
    """One global-config attribute, named by `<a n="..."/>`."""
    wanted = required_child(request, "a").get("n")
    if not wanted:
        raise faults.invalid_request("missing required attribute: n")
    response = Element("GetConfigResponse", ns=ADMIN_NS)
    add_attrs(response, ctx.store.config, {wanted.lower()})
    return response


@handler("GetAllConfigRequest")
def get_all_config(ctx: Context, _request: Element) -> Element:
    """Every global-config attribute."""
    response = Element("GetAllConfigResponse", ns=ADMIN_NS)
    add_attrs(response, ctx.store.config, None)
    return response


@handler("ModifyConfigRequest")
def modify_config(ctx: Context, request: Element) -> Element:
    """Change global-config attributes."""
    apply_modifications(ctx.store.config, modifications(request))
    return Element("ModifyConfigResponse", ns=ADMIN_NS)
