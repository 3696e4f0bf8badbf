"""Account requests: create, get, modify, delete, add alias (reference 3.5)."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.addresses import check_password, normalize_address
from lab.emulator.attrs import apply_modifications
from lab.emulator.element import Element
from lab.emulator.encode import encode_account, wanted_attrs
from lab.emulator.entries import Account, dn_for
from lab.emulator.faults import SoapFault
from lab.emulator.handlers.base import ADMIN_NS, Context, handler, required
from lab.emulator.handlers.lookup import ACCOUNT_BY, bool_option, find_account, selector_by
from lab.emulator.handlers.modify import creation_attrs, modifications
from lab.emulator.store import Store


@handler("CreateAccountRequest")
def create_account(ctx: Context, request: Element) -> Element:
    """Create an account: address checks, domain, COS, password policy, then uniqueness."""
    store = ctx.store
    address = normalize_address(required(request, "name"))
    _require_local_domain(store, address)
    attrs = creation_attrs(request)
    cos_id = attrs.first("zimbraCOSId")
    if cos_id is not None and cos_id not in store.coses:
        raise faults.no_such_cos(cos_id)

    password = request.get("password") or None
    if password is not None:
        draft = Account("", address, attrs)
        check_password(store.account_attrs(draft), password)
    if store.address_holder(address) is not None:
        raise faults.account_exists(address, dn_for(address))

    account = store.create_account(address, password, attrs)
    response = Element("CreateAccountResponse", ns=ADMIN_NS)
    encode_account(store, response, account, apply_cos=True, wanted=None)
    return response


def _require_local_domain(store: Store, address: str) -> None:
    """The address's domain must exist here and be a local domain."""
    domain_name = address.partition("@")[2]
    domain = store.domain_by_name(domain_name)
    if domain is None:
        raise faults.no_such_domain(domain_name)
    if (domain.attrs.first("zimbraDomainType") or "local") != "local":
        raise faults.invalid_request("domain type must be local")


def missing_account(ctx: Context, key: str) -> SoapFault:
    """NO_SUCH_ACCOUNT for global admins; PERM_DENIED for delegated ones (harvest defence)."""
    if ctx.caller is not None and ctx.caller.delegated_admin:
        return faults.perm_denied(f"can not access account {key}")
    return faults.no_such_account(key)


def account_by_id(ctx: Context, request: Element) -> Account:
    """The account named by the request's `id`, or the harvest-aware fault."""
    account_id = required(request, "id")
    account = ctx.store.accounts.get(account_id)
    if account is None:
        raise missing_account(ctx, account_id)
    return account


@handler("GetAccountRequest")
def get_account(ctx: Context, request: Element) -> Element:
    """One account, with COS-inherited values unless applyCos="0"."""
    selector = request.first("account")
    if selector is None:
        raise faults.invalid_request("missing required element: account")
    account = find_account(ctx.store, selector_by(selector, ACCOUNT_BY, "name"), selector.value)
    if account is None:
        raise missing_account(ctx, selector.value)

    response = Element("GetAccountResponse", ns=ADMIN_NS)
    encode_account(
        ctx.store,
        response,
        account,
        apply_cos=bool_option(request, "applyCos", True),
        wanted=wanted_attrs(request.get("attrs")),
    )
    return response


@handler("ModifyAccountRequest")
def modify_account(ctx: Context, request: Element) -> Element:
    """Change an account's attributes; the account is named by id."""
    account = account_by_id(ctx, request)
    apply_modifications(account.attrs, modifications(request))
    response = Element("ModifyAccountResponse", ns=ADMIN_NS)
    encode_account(ctx.store, response, account, apply_cos=True, wanted=None)
    return response


@handler("DeleteAccountRequest")
def delete_account(ctx: Context, request: Element) -> Element:
    """Delete an account, its aliases and its mailbox."""
    ctx.store.delete_account(account_by_id(ctx, request))
    return Element("DeleteAccountResponse", ns=ADMIN_NS)


@handler("AddAccountAliasRequest")
def add_account_alias(ctx: Context, request: Element) -> Element:
    """Give an account another address; a taken address is account.ACCOUNT_EXISTS."""
    account = account_by_id(ctx, request)
    alias = normalize_address(required(request, "alias"))
    domain_name = alias.partition("@")[2]
    if ctx.store.domain_by_name(domain_name) is None:
        raise faults.no_such_domain(domain_name)
    if ctx.store.address_holder(alias) is not None:
        raise faults.account_exists(alias, dn_for(alias))
    ctx.store.create_alias(account, alias)
    return Element("AddAccountAliasResponse", ns=ADMIN_NS)
