"""Attribute changes shared by the Modify* handlers, with the callbacks the server runs."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.attrs import (
    AttrMap,
    Modification,
    apply_modifications,
    duration_ms,
    group_modifications,
)
from lab.emulator.element import Element
from lab.emulator.entries import Domain, Server
from lab.emulator.handlers.base import attr_pairs, check_attr_names
from lab.emulator.store import Store

SEARCH_FILTER = "zimbraAutoProvLdapSearchFilter"
LAST_POLLED = "zimbraAutoProvLastPolledTimestamp"
SCHEDULED = "zimbraAutoProvScheduledDomains"
POLLING_INTERVAL = "zimbraAutoProvPollingInterval"


def modifications(request: Element) -> list[Modification]:
    """The request's `a` list as modifications, after checking the attribute names.

    TODO: cardinality and value syntax are not checked, so several values for a
    single-valued attribute are stored where the server answers account.INVALID_ATTR_VALUE.
    """
    pairs = attr_pairs(request)
    check_attr_names(pairs)
    return group_modifications(pairs)


def creation_attrs(request: Element) -> AttrMap:
    """Attributes of a Create* request: checked names, empty values ignored."""
    pairs = attr_pairs(request)
    check_attr_names(pairs)
    attrs = AttrMap()
    for name, value in pairs:
        if value:
            attrs.add(name, value)
    return attrs


def modify_domain(domain: Domain, mods: list[Modification]) -> None:
    """Apply changes to a domain, refusing zimbraDomainName, running the filter callback."""
    if any(mod.name.lower() == "zimbradomainname" for mod in mods):
        raise faults.invalid_request("zimbraDomainName cannot be changed.")
    if (domain.attrs.first("zimbraDomainStatus") or "") == "shutdown":
        raise faults.perm_denied(f"domain {domain.name} is shutdown")

    old_filter = domain.attrs.get(SEARCH_FILTER)
    apply_modifications(domain.attrs, mods)
    if domain.attrs.get(SEARCH_FILTER) != old_filter:
        domain.attrs.delete(LAST_POLLED)


def modify_server(store: Store, server: Server, mods: list[Modification]) -> None:
    """Apply changes to a server: check scheduled domains, start or stop the EAGER thread."""
    for mod in mods:
        if mod.name.lower() == SCHEDULED.lower() and mod.op != "-":
            for value in mod.values:
                if value:
                    _check_schedulable(store, value)

    apply_modifications(server.attrs, mods)
    touched = {mod.name.lower() for mod in mods}
    if touched & {SCHEDULED.lower(), POLLING_INTERVAL.lower()}:
        store.autoprov_running = eager_thread_wanted(store, server)


def _check_schedulable(store: Store, domain_name: str) -> None:
    """A scheduled domain must exist and have EAGER among its auto-provisioning modes."""
    domain = store.domain_by_name(domain_name)
    if domain is None:
        raise faults.no_such_domain(domain_name)
    modes = [m.upper() for m in domain.attrs.get("zimbraAutoProvMode")]
    if "EAGER" not in modes:
        reason = f"EAGER auto provision is not enabled on domain {domain_name}"
        raise faults.invalid_request(reason)


def eager_thread_wanted(store: Store, server: Server) -> bool:
    """The EAGER thread runs when the polling interval is positive and domains are scheduled."""
    attrs = store.server_attrs(server)
    interval = duration_ms(attrs.first(POLLING_INTERVAL), 0)
    return interval > 0 and bool(attrs.get(SCHEDULED))
