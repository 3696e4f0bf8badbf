"""Distribution-list requests (reference 3.5, 2.5)."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.addresses import normalize_address
from lab.emulator.element import Element
from lab.emulator.encode import encode_dl, wanted_attrs
from lab.emulator.entries import DistributionList
from lab.emulator.faults import SoapFault
from lab.emulator.handlers.base import ADMIN_NS, Context, handler, required, required_child
from lab.emulator.handlers.lookup import DL_BY, bool_option, find_dl, int_option, selector_by
from lab.emulator.handlers.modify import creation_attrs


@handler("CreateDistributionListRequest")
def create_distribution_list(ctx: Context, request: Element) -> Element:
    """Create a list; a taken address is account.DISTRIBUTION_LIST_EXISTS."""
    address = normalize_address(required(request, "name"))
    dynamic = bool_option(request, "dynamic", False)
    if dynamic and ctx.caller is not None and ctx.caller.delegated_admin:
        raise faults.perm_denied("cannot create dynamic group")
    domain_name = address.partition("@")[2]
    if ctx.store.domain_by_name(domain_name) is None:
        raise faults.no_such_domain(domain_name)
    attrs = creation_attrs(request)
    if ctx.store.address_holder(address) is not None:
        raise faults.dl_exists(address)

    dl = ctx.store.create_list(address, attrs, dynamic=dynamic)
    response = Element("CreateDistributionListResponse", ns=ADMIN_NS)
    encode_dl(response, dl, None, members_as_attrs=False)
    return response


def missing_list(ctx: Context, key: str) -> SoapFault:
    """NO_SUCH_DISTRIBUTION_LIST for global admins; PERM_DENIED for delegated ones."""
    if ctx.caller is not None and ctx.caller.delegated_admin:
        return faults.perm_denied(f"can not access distribution list {key}")
    return faults.no_such_dl(key)


def _list_by_id(ctx: Context, request: Element) -> DistributionList:
    """The list named by the request's `id`."""
    list_id = required(request, "id")
    dl = ctx.store.lists.get(list_id)
    if dl is None:
        raise missing_list(ctx, list_id)
    return dl


@handler("GetDistributionListRequest")
def get_distribution_list(ctx: Context, request: Element) -> Element:
    """A list with its members as sorted `dlm` children (the member attribute is hidden)."""
    selector = required_child(request, "dl")
    dl = find_dl(ctx.store, selector_by(selector, DL_BY, "name"), selector.value)
    if dl is None:
        raise missing_list(ctx, selector.value)

    members = sorted(dl.members, reverse=not bool_option(request, "sortAscending", True))
    offset = int_option(request, "offset", 0)
    limit = int_option(request, "limit", 0)
    if offset > 0 and offset >= len(members):
        raise faults.invalid_request(f"offset {offset} greater than size {len(members)}")
    stop = len(members) if limit == 0 else min(offset + limit, len(members))

    response = Element("GetDistributionListResponse", ns=ADMIN_NS)
    response.attrs["more"] = stop < len(members)
    response.attrs["total"] = len(members)
    element = encode_dl(response, dl, wanted_attrs(request.get("attrs")), members_as_attrs=False)
    for member in members[offset:stop]:
        element.add("dlm", member)
    return response


@handler("AddDistributionListMemberRequest")
def add_distribution_list_member(ctx: Context, request: Element) -> Element:
    """Add members by list id: lower-cased, existing ones skipped, external ones accepted."""
    dl = _list_by_id(ctx, request)
    members = [m.value.strip().lower() for m in request.all("dlm")]
    if not members:
        raise faults.invalid_request("members to add not specified")

    own_addresses = {dl.name, *(a.lower() for a in dl.attrs.get("zimbraMailAlias"))}
    for member in members:
        if member in own_addresses:
            raise faults.invalid_request(f"Cannot add self as a member: {member}")
        nested = ctx.store.list_by_name(member)
        if nested is not None and nested.dynamic:
            raise faults.invalid_request(f"Cannot add dynamic group as a member: {member}")

    for member in members:
        if member not in dl.members:
            dl.members.append(member)
    return Element("AddDistributionListMemberResponse", ns=ADMIN_NS)


@handler("RemoveDistributionListMemberRequest")
def remove_distribution_list_member(ctx: Context, request: Element) -> Element:
    """Remove members by list id; addresses that are not members are account.NO_SUCH_MEMBER."""
    dl = _list_by_id(ctx, request)
    members = [m.value.strip().lower() for m in request.all("dlm")]
    if not members:
        raise faults.invalid_request("members to remove not specified")
    missing = [m for m in members if m not in dl.members]
    if missing:
        raise faults.no_such_member(dl.name, ",".join(missing))
    dl.members[:] = [m for m in dl.members if m not in members]
    return Element("RemoveDistributionListMemberResponse", ns=ADMIN_NS)
