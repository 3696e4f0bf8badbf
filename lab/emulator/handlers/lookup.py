"""Selectors (`<domain by="name">x</domain>` and friends) and typed request options."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.element import Element, parse_bool
from lab.emulator.entries import Account, Cos, DistributionList, Domain, Server
from lab.emulator.store import Store

DOMAIN_BY = ("id", "name", "virtualHostname", "krb5Realm", "foreignName")
ACCOUNT_BY = ("name", "id", "adminName", "appAdminName", "foreignPrincipal", "krb5Principal")
COS_BY = ("id", "name")
SERVER_BY = ("id", "name", "serviceHostname")
DL_BY = ("id", "name")


def selector_by(selector: Element, allowed: tuple[str, ...], default: str | None) -> str:
    """The `by` of a selector; unknown or (when there is no default) missing is invalid."""
    by = selector.get("by") or default
    if by is None:
        raise faults.invalid_request("missing required attribute: by")
    if by not in allowed:
        raise faults.invalid_request(f"unknown value for by: {by}")
    return by


def find_domain(store: Store, by: str, key: str) -> Domain | None:
    """A domain by id, name or virtual host name (Kerberos realms and foreign names: none)."""
    if by == "id":
        return store.domains.get(key)
    if by == "name":
        return store.domain_by_name(key)
    if by == "virtualHostname":
        return store.domain_by_virtual_host(key)
    return None


def find_account(store: Store, by: str, key: str) -> Account | None:
    """An account by name (aliases included), admin name, or id."""
    if by == "id":
        return store.accounts.get(key)
    if by in ("name", "adminName"):
        return store.account_by_name(key)
    return None


def find_cos(store: Store, by: str, key: str) -> Cos | None:
    """A COS by id or name."""
    return store.coses.get(key) if by == "id" else store.cos_by_name(key)


def find_server(store: Store, by: str, key: str) -> Server | None:
    """A server by id, name or service host name."""
    return store.servers.get(key) if by == "id" else store.server_by_name(key)


def find_dl(store: Store, by: str, key: str) -> DistributionList | None:
    """A distribution list by id or name."""
    return store.lists.get(key) if by == "id" else store.list_by_name(key)


def int_option(request: Element, name: str, default: int) -> int:
    """An integer request option; garbage is service.INVALID_REQUEST."""
    value = request.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise faults.invalid_request(f"invalid {name}: {value}") from exc


def bool_option(request: Element, name: str, default: bool) -> bool:
    """A boolean request option (1/0/true/false)."""
    return parse_bool(request.get(name), default)
