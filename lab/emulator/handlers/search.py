"""SearchDirectoryRequest (reference 3.5)."""

from __future__ import annotations

from dataclasses import dataclass

from lab.emulator import faults
from lab.emulator.attrs import AttrMap
from lab.emulator.element import Element
from lab.emulator.encode import (
    encode_account,
    encode_alias,
    encode_cos,
    encode_dl,
    encode_domain,
    wanted_attrs,
)
from lab.emulator.entries import Account, Alias, Cos, DistributionList, Domain, Entry
from lab.emulator.handlers.base import ADMIN_NS, Context, handler
from lab.emulator.handlers.lookup import bool_option, int_option
from lab.emulator.ldapfilter import compile_filter
from lab.emulator.store import Store

_TYPES = frozenset(
    {"accounts", "distributionlists", "aliases", "resources", "domains", "coses", "dynamicgroups"}
)
DEFAULT_MAX_RESULTS = 5000


@dataclass
class _Hit:
    """One search candidate with the attributes the filter sees."""

    entry: Entry
    attrs: AttrMap


@handler("SearchDirectoryRequest")
def search_directory(ctx: Context, request: Element) -> Element:
    """Filter the directory, sort, check maxResults, then page with offset and limit."""
    types = _types(request.get("types"))
    domain_name = request.get("domain")
    if domain_name and "coses" in types:
        raise faults.invalid_request("cannot specify domain with coses flag")
    if domain_name and ctx.store.domain_by_name(domain_name) is None:
        raise faults.no_such_domain(domain_name)

    matcher = compile_filter(request.get("query") or "")
    hits = [h for h in _candidates(ctx.store, types, domain_name) if matcher(h.attrs)]
    _sort(hits, request.get("sortBy"), bool_option(request, "sortAscending", True))

    max_results = int_option(request, "maxResults", DEFAULT_MAX_RESULTS)
    if max_results > 0 and len(hits) > max_results:
        raise faults.too_many_search_results()

    response = Element("SearchDirectoryResponse", ns=ADMIN_NS)
    if bool_option(request, "countOnly", False):
        response.attrs["num"] = len(hits)
        return response
    offset = max(0, int_option(request, "offset", 0))
    limit = int_option(request, "limit", 0)
    stop = len(hits) if limit <= 0 else min(len(hits), offset + limit)
    response.attrs["more"] = stop < len(hits)
    response.attrs["searchTotal"] = len(hits)
    for hit in hits[offset:stop]:
        _encode(ctx.store, response, hit.entry, request)
    return response


def _types(spec: str | None) -> set[str]:
    """The requested object types (default: accounts)."""
    types = {t.strip().lower() for t in (spec or "accounts").split(",") if t.strip()}
    unknown = types - _TYPES
    if unknown:
        raise faults.invalid_request(f"unknown type: {sorted(unknown)[0]}")
    return types


def _candidates(store: Store, types: set[str], domain: str | None) -> list[_Hit]:
    """Entries of the requested types (in the domain, if one is given)."""
    hits: list[_Hit] = []
    if "accounts" in types:
        hits += [_Hit(a, a.attrs) for a in store.accounts.values()]
    if "distributionlists" in types:
        hits += [_Hit(d, _list_attrs(d)) for d in store.lists.values() if not d.dynamic]
    if "dynamicgroups" in types:
        hits += [_Hit(d, _list_attrs(d)) for d in store.lists.values() if d.dynamic]
    if "aliases" in types:
        hits += [_Hit(a, a.attrs) for a in store.aliases.values()]
    if domain:
        wanted = domain.lower()
        hits = [h for h in hits if h.entry.domain_name == wanted]
    if "domains" in types:
        hits += [_Hit(d, d.attrs) for d in store.domains.values()]
    if "coses" in types:
        hits += [_Hit(c, c.attrs) for c in store.coses.values()]
    return hits


def _list_attrs(dl: DistributionList) -> AttrMap:
    """A list's attributes with its members as zimbraMailForwardingAddress, as stored."""
    attrs = dl.attrs.copy()
    attrs.set("zimbraMailForwardingAddress", dl.members)
    return attrs


def _sort(hits: list[_Hit], sort_by: str | None, ascending: bool) -> None:
    """Sort by an attribute's first value, or by name."""

    def key(hit: _Hit) -> tuple[str, str]:
        value = hit.attrs.first(sort_by, "") if sort_by else hit.entry.name
        return ((value or "").lower(), hit.entry.name)

    hits.sort(key=key, reverse=not ascending)


def _encode(store: Store, response: Element, entry: Entry, request: Element) -> None:
    """Append one hit in its own element kind."""
    wanted = wanted_attrs(request.get("attrs"))
    if isinstance(entry, Account):
        apply_cos = bool_option(request, "applyCos", True)
        element = encode_account(store, response, entry, apply_cos=apply_cos, wanted=wanted)
        element.attrs["isExternal"] = False
    elif isinstance(entry, DistributionList):
        encode_dl(response, entry, wanted, members_as_attrs=True)
    elif isinstance(entry, Alias):
        encode_alias(store, response, entry, wanted)
    elif isinstance(entry, Domain):
        apply_config = bool_option(request, "applyConfig", True)
        encode_domain(store, response, entry, apply_config=apply_config, wanted=wanted)
    elif isinstance(entry, Cos):
        encode_cos(response, entry, wanted)
