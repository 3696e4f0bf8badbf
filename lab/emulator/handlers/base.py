"""The handler registry: request name -> function, with who may call it.

`invoke` is the single entry point for SOAP (both admin ports) and the prov interpreter: it
counts the call, checks the token, and runs the handler under the store lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from lab.emulator import faults
from lab.emulator.element import Element
from lab.emulator.entries import Account
from lab.emulator.schema import is_known_attribute
from lab.emulator.store import Store
from lab.emulator.tokens import Token

ADMIN_NS = "urn:zimbraAdmin"
ACCOUNT_NS = "urn:zimbraAccount"


class Access(Enum):
    """Who may call a request: anyone, any valid token, or an admin token."""

    NONE = "none"
    ANY_TOKEN = "any"
    ADMIN = "admin"


@dataclass
class Caller:
    """The authenticated party: an account with its token, or the node's own system admin."""

    account: Account | None
    token: Token | None
    global_admin: bool

    @classmethod
    def system(cls) -> Caller:
        """The localconfig admin `carbonio prov` runs as: a global admin without a token."""
        return cls(account=None, token=None, global_admin=True)

    @property
    def delegated_admin(self) -> bool:
        """An admin without global rights (the harvest defences apply to it)."""
        return not self.global_admin


@dataclass
class Context:
    """What a handler may use: the store, the caller, and cookies to set on the answer."""

    store: Store
    caller: Caller | None = None
    set_cookies: list[str] = field(default_factory=list)
    secure: bool = False
    admin_url: str = ""
    user_url: str = ""
    on_behalf_of: str | None = None


HandlerFn = Callable[[Context, Element], Element]


@dataclass(frozen=True)
class Handler:
    """A registered request handler."""

    name: str
    ns: str
    access: Access
    fn: HandlerFn


REGISTRY: dict[tuple[str, str], Handler] = {}


def handler(
    name: str, *, ns: str = ADMIN_NS, access: Access = Access.ADMIN
) -> Callable[[HandlerFn], HandlerFn]:
    """Register a function as the handler of request `name` in namespace `ns`."""

    def register(fn: HandlerFn) -> HandlerFn:
        REGISTRY[(ns, name)] = Handler(name, ns, access, fn)
        return fn

    return register


def invoke(
    ctx: Context, request: Element, token: str | None, namespaces: frozenset[str]
) -> Element:
    """Run one request: look it up, count it, authenticate, call the handler."""
    found = REGISTRY.get((request.ns or "", request.name))
    if found is None or found.ns not in namespaces:
        raise faults.unknown_document(request.name)

    with ctx.store.lock:
        ctx.store.calls[request.name] += 1
        if ctx.caller is None:
            ctx.caller = authenticate(ctx.store, token, found.access)
        return found.fn(ctx, request)


def authenticate(store: Store, value: str | None, access: Access) -> Caller | None:
    """Check a token against what the request needs; raise the server's fault if it fails.

    Requests open to anyone (AuthRequest) ignore a bad token instead of failing on it.
    """
    token = store.tokens.find(value) if value else None
    account = store.accounts.get(token.account_id) if token is not None else None
    if token is None or account is None:
        if access is Access.NONE:
            return None
        raise faults.auth_required()
    if access is Access.NONE:
        return None if token.expired else _caller(account, token)
    if token.expired:
        raise faults.auth_expired()
    if access is Access.ADMIN and not token.admin:
        raise faults.perm_denied("need adequate admin token")
    return _caller(account, token)


def _caller(account: Account, token: Token) -> Caller:
    """The Caller for a valid token."""
    return Caller(account=account, token=token, global_admin=account.is_global_admin)


def require_global_admin(ctx: Context) -> None:
    """Refuse requests reserved to system (global) admins."""
    if ctx.caller is None or not ctx.caller.global_admin:
        raise faults.perm_denied("Only system admins are allowed.")


def required(request: Element, name: str) -> str:
    """A mandatory attribute (or child text); missing gives service.INVALID_REQUEST."""
    value = request.get(name)
    if value is None:
        raise faults.invalid_request(f"missing required attribute: {name}")
    return value


def required_child(request: Element, name: str) -> Element:
    """A mandatory child element; missing gives service.INVALID_REQUEST."""
    child = request.first(name)
    if child is None:
        raise faults.invalid_request(f"missing required element: {name}")
    return child


def attr_pairs(request: Element) -> list[tuple[str, str]]:
    """The request's `<a n="name">value</a>` pairs, in order."""
    return [(a.get("n") or "", a.value) for a in request.all("a")]


def check_attr_names(pairs: list[tuple[str, str]]) -> None:
    """Refuse attribute names the schema does not know (prefixes +/- are ignored)."""
    for name, _ in pairs:
        bare = name[1:] if name[:1] in ("+", "-") else name
        if not bare:
            raise faults.SoapFault("account.INVALID_ATTR_NAME", "empty attr name found")
        if not is_known_attribute(bare):
            raise faults.invalid_attr_name(bare)
