"""Who a REST request is from (cookie, query token, HTTP Basic) and how refusals look.

The status of a refusal depends on how the client authenticated, as in the server's
`sendError`: 401 with a Basic challenge while Basic is allowed and was not used, 401 after a
cookie login, 404 otherwise (e.g. `auth=qp` only, or after a Basic login).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lab.emulator.entries import Account
from lab.emulator.store import Store
from lab.emulator.tokens import Token
from lab.emulator.web import HttpReply, error_reply

DEFAULT_AUTH = "co,jwt,nsc,qp"
USER_COOKIE = "ZM_AUTH_TOKEN"
ADMIN_COOKIE = "ZM_ADMIN_AUTH_TOKEN"


@dataclass
class RestAuth:
    """The outcome of authentication for one request."""

    methods: frozenset[str]
    account: Account | None = None
    token: Token | None = None
    cookie_auth: bool = False
    basic_auth: bool = False

    @property
    def basic_allowed(self) -> bool:
        """Whether HTTP Basic is among the allowed methods."""
        return bool(self.methods & {"nsc", "ba", "sc"})

    @property
    def is_admin(self) -> bool:
        """An admin account (global or delegated) is authenticated."""
        account = self.account
        return account is not None and (account.is_global_admin or account.is_delegated_admin)


def authenticate(
    store: Store,
    *,
    auth_param: str | None,
    cookies: dict[str, str],
    query_token: str | None,
    authorization: str | None,
    admin_port: bool,
) -> RestAuth:
    """Try the allowed methods in the server's order: cookie, query parameter, Basic."""
    methods = frozenset(m.strip() for m in (auth_param or DEFAULT_AUTH).split(","))
    result = RestAuth(methods)
    cookie_name = ADMIN_COOKIE if admin_port else USER_COOKIE
    if "co" in methods and _use_token(store, result, cookies.get(cookie_name)):
        result.cookie_auth = True
        return result
    if "qp" in methods and _use_token(store, result, query_token):
        return result
    if result.basic_allowed and authorization:
        account = _basic_account(store, authorization)
        if account is not None:
            result.account, result.basic_auth = account, True
    return result


def _use_token(store: Store, result: RestAuth, value: str | None) -> bool:
    """Accept a valid, unexpired token; invalid ones are ignored (the request goes on)."""
    token = store.tokens.find(value) if value else None
    if token is None or token.expired or token.account_id not in store.accounts:
        return False
    result.account, result.token = store.accounts[token.account_id], token
    return True


def _basic_account(store: Store, header: str) -> Account | None:
    """The account of valid `Authorization: Basic` credentials."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    account = store.account_by_name(name)
    if account is None or not password or account.password != password:
        return None
    return account


def refuse(auth: RestAuth, message: str) -> HttpReply:
    """The server's answer to "must authenticate" / "no such item" / permission problems."""
    if not auth.cookie_auth and auth.basic_allowed and not auth.basic_auth:
        challenge = [("WWW-Authenticate", 'Basic realm="Zimbra"')]
        return error_reply(401, "must authenticate", challenge)
    if auth.cookie_auth:
        return error_reply(401, "must authenticate")
    return error_reply(404, message)
