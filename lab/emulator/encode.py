"""How directory entries appear in responses: `<x name id><a n="attr">value</a>...</x>`."""

from __future__ import annotations

from lab.emulator import schema
from lab.emulator.attrs import AttrMap
from lab.emulator.element import Element
from lab.emulator.entries import Account, Alias, Cos, DistributionList, Domain, Server
from lab.emulator.store import Store

# Multi-valued attributes the server returns joined with spaces as a single value.
_JOINED = frozenset({"zimbraauthldapurl"})


def wanted_attrs(spec: str | None) -> set[str] | None:
    """Parse an `attrs="a,b,c"` request option into lower-cased names (None = all)."""
    if not spec:
        return None
    return {name.strip().lower() for name in spec.split(",") if name.strip()}


def add_attrs(
    parent: Element,
    attrs: AttrMap,
    wanted: set[str] | None,
    *,
    cos_markers: bool = False,
) -> None:
    """Append one `a` element per value, sorted by name, limited to `wanted` names."""
    for name, values in sorted(attrs.items(), key=lambda item: item[0].lower()):
        if wanted is not None and name.lower() not in wanted:
            continue
        if name.lower() in _JOINED:
            values = [" ".join(values)]
        markers = {}
        if cos_markers and name.lower() not in schema.ACCOUNT_INHERITED:
            markers["c"] = True
        for value in values:
            parent.add_attr(name, value, **markers)


def encode_domain(
    store: Store, parent: Element, domain: Domain, *, apply_config: bool, wanted: set[str] | None
) -> Element:
    """A `domain` element."""
    element = parent.add("domain", name=domain.name, id=domain.id)
    add_attrs(element, store.domain_attrs(domain, apply_config=apply_config), wanted)
    return element


def encode_cos(parent: Element, cos: Cos, wanted: set[str] | None) -> Element:
    """A `cos` element; `c="1"` marks attributes accounts do not inherit."""
    element = parent.add("cos", name=cos.name, id=cos.id)
    if cos.name in ("default", "defaultExternal"):
        element.attrs["isDefaultCos"] = True
    add_attrs(element, cos.attrs, wanted, cos_markers=True)
    return element


def encode_server(
    store: Store, parent: Element, server: Server, *, apply_config: bool, wanted: set[str] | None
) -> Element:
    """A `server` element."""
    element = parent.add("server", name=server.name, id=server.id)
    add_attrs(element, store.server_attrs(server, apply_config=apply_config), wanted)
    return element


def encode_account(
    store: Store, parent: Element, account: Account, *, apply_cos: bool, wanted: set[str] | None
) -> Element:
    """An `account` element (the password never appears)."""
    element = parent.add("account", name=account.name, id=account.id)
    add_attrs(element, store.account_attrs(account, apply_cos=apply_cos), wanted)
    return element


def encode_dl(
    parent: Element, dl: DistributionList, wanted: set[str] | None, *, members_as_attrs: bool
) -> Element:
    """A `dl` element; search results list the members as zimbraMailForwardingAddress."""
    element = parent.add("dl", name=dl.name, id=dl.id, dynamic=dl.dynamic)
    attrs = dl.attrs.copy()
    if members_as_attrs:
        attrs.set("zimbraMailForwardingAddress", dl.members)
    add_attrs(element, attrs, wanted)
    return element


def encode_alias(store: Store, parent: Element, alias: Alias, wanted: set[str] | None) -> Element:
    """An `alias` search hit, naming its target."""
    target = store.accounts.get(alias.target_id) or store.lists.get(alias.target_id)
    element = parent.add("alias", name=alias.name, id=alias.id)
    element.attrs["targetName"] = target.name if target is not None else ""
    element.attrs["type"] = alias.target_type
    add_attrs(element, alias.attrs, wanted)
    return element
