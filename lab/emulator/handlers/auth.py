"""AuthRequest, DelegateAuthRequest and GetAccountInfoRequest (reference 3.3)."""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.attrs import duration_ms
from lab.emulator.element import Element
from lab.emulator.entries import Account
from lab.emulator.handlers.base import ADMIN_NS, Access, Context, handler, required_child
from lab.emulator.handlers.lookup import ACCOUNT_BY, find_account, int_option, selector_by
from lab.emulator.store import Store

ADMIN_COOKIE = "ZM_ADMIN_AUTH_TOKEN"
_TWELVE_HOURS_MS = 12 * 3_600_000
_TWO_DAYS_MS = 2 * 86_400_000
_LOCKED_STATUSES = ("locked", "lockout", "closed")


@handler("AuthRequest", access=Access.NONE)
def auth(ctx: Context, request: Element) -> Element:
    """Log an admin in by name and password, or validate an admin token sent alone."""
    name, by = _principal(request)
    if name is None:
        token_value = request.get("authToken")
        if token_value is None:
            raise faults.invalid_request("missing required attribute: name")
        return _revalidate(ctx, token_value)

    account = _find_account(ctx.store, name, by)
    password = request.get("password")
    if account is None or not _password_ok(account, password):
        raise faults.auth_failed(name)
    if not (account.is_global_admin or account.is_delegated_admin):
        raise faults.perm_denied("not an admin account")

    lifetime = ctx.store.account_attrs(account).first("zimbraAdminAuthTokenLifetime")
    token = ctx.store.tokens.issue(
        account.id,
        admin=True,
        lifetime_ms=duration_ms(lifetime, _TWELVE_HOURS_MS),
        delegated=False,
    )
    ctx.set_cookies.append(_cookie(ctx, token.value))
    return _auth_response(token.value, token.remaining_ms())


def _principal(request: Element) -> tuple[str | None, str]:
    """The login name and how to look it up: `name=` or `<account by="...">`."""
    name = request.get("name")
    if name is not None:
        return name, "name"
    selector = request.first("account")
    if selector is None:
        return None, "name"
    return selector.value, selector.get("by") or "name"


def _find_account(store: Store, key: str, by: str) -> Account | None:
    """Look the login up by name (an admin name may lack a domain) or by id."""
    if by not in ACCOUNT_BY:
        raise faults.invalid_request(f"unknown value for by: {by}")
    return find_account(store, by, key)


def _password_ok(account: Account, password: str | None) -> bool:
    """A non-empty matching password on an account that is not locked or closed."""
    if not password or account.password is None or account.status in _LOCKED_STATUSES:
        return False
    return account.password == password


def _revalidate(ctx: Context, value: str) -> Element:
    """`<authToken>` alone: return the same admin token with its remaining lifetime."""
    token = ctx.store.tokens.find(value)
    if token is None or token.account_id not in ctx.store.accounts:
        raise faults.auth_required()
    if token.expired:
        raise faults.auth_expired()
    if not token.admin:
        raise faults.perm_denied("not an admin account")
    return _auth_response(token.value, token.remaining_ms())


def _auth_response(token: str, lifetime_ms: int) -> Element:
    """`<AuthResponse><authToken/><lifetime/></AuthResponse>`."""
    response = Element("AuthResponse", ns=ADMIN_NS)
    response.add("authToken", token)
    response.add_scalar("lifetime", lifetime_ms)
    return response


def _cookie(ctx: Context, token: str) -> str:
    """The Set-Cookie value for an admin login."""
    secure = "; Secure" if ctx.secure else ""
    return f"{ADMIN_COOKIE}={token}; Path=/; HttpOnly{secure}"


@handler("DelegateAuthRequest")
def delegate_auth(ctx: Context, request: Element) -> Element:
    """Issue a user token for an account, to act as it over REST or IMAP.

    TODO: delegated admins are not checked for the adminLoginAs right (rights are not modelled).
    """
    duration = int_option(request, "duration", 3600)
    selector = required_child(request, "account")
    by = selector_by(selector, ("name", "id"), "name")
    target = find_account(ctx.store, by, selector.value)
    if target is None:
        raise faults.no_such_account(selector.value)

    limit = ctx.store.account_attrs(target).first("zimbraAuthTokenLifetime")
    real_ms = min(duration * 1000, duration_ms(limit, _TWO_DAYS_MS))
    token = ctx.store.tokens.issue(target.id, admin=False, lifetime_ms=real_ms, delegated=True)

    response = Element("DelegateAuthResponse", ns=ADMIN_NS)
    response.add("authToken", token.value)
    response.add_scalar("lifetime", duration * 1000)
    return response


@handler("GetAccountInfoRequest")
def get_account_info(ctx: Context, request: Element) -> Element:
    """The account's id, mail host and service URLs (what `selectMailbox` asks first)."""
    selector = required_child(request, "account")
    account = find_account(
        ctx.store, selector_by(selector, ("name", "id"), "name"), selector.value
    )
    if account is None:
        raise faults.no_such_account(selector.value)

    response = Element("GetAccountInfoResponse", ns=ADMIN_NS)
    response.add("name", account.name)
    response.add_attr("zimbraId", account.id)
    response.add_attr("zimbraMailHost", ctx.store.server.name)
    cos = ctx.store.account_cos(account)
    response.add("cos", name=cos.name, id=cos.id).unique = True
    response.add("soapURL", f"{ctx.user_url}/service/soap/")
    response.add("adminSoapURL", f"{ctx.admin_url}/service/admin/soap/")
    response.add("publicMailURL", ctx.user_url)
    return response
