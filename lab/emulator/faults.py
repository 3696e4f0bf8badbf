"""Carbonio's service exceptions: a code, a reason text with its fixed prefix, and a side.

Handlers raise `SoapFault`; the SOAP layer turns it into a Fault envelope in one place, and the
prov interpreter prints it as `ERROR: code (reason)`. Reason texts follow the server's wording.
"""

from __future__ import annotations


class SoapFault(Exception):
    """A service exception: `code` such as account.NO_SUCH_DOMAIN and the full `reason` text.

    `cause` describes an underlying exception, which the command-line tools print after it.
    """

    def __init__(
        self, code: str, reason: str, *, receiver: bool = False, cause: str | None = None
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.receiver = receiver
        self.cause = cause


def failure(message: str) -> SoapFault:
    """service.FAILURE: a server-side error (the Receiver's fault)."""
    return SoapFault("service.FAILURE", f"system failure: {message}", receiver=True)


def invalid_request(message: str) -> SoapFault:
    """service.INVALID_REQUEST: missing or invalid arguments."""
    return SoapFault("service.INVALID_REQUEST", f"invalid request: {message}")


def unknown_document(name: str) -> SoapFault:
    """service.UNKNOWN_DOCUMENT: no handler for this request element."""
    return SoapFault("service.UNKNOWN_DOCUMENT", f"unknown document: {name}")


def parse_error(message: str) -> SoapFault:
    """service.PARSE_ERROR: the body could not be parsed."""
    return SoapFault("service.PARSE_ERROR", f"parse error: {message}")


def perm_denied(message: str) -> SoapFault:
    """service.PERM_DENIED: not allowed, including the harvest defences."""
    return SoapFault("service.PERM_DENIED", f"permission denied: {message}")


def auth_required() -> SoapFault:
    """service.AUTH_REQUIRED: no token, or one that cannot be read."""
    return SoapFault("service.AUTH_REQUIRED", "no valid authtoken present")


def auth_expired() -> SoapFault:
    """service.AUTH_EXPIRED: the token's lifetime is over."""
    return SoapFault("service.AUTH_EXPIRED", "auth credentials have expired")


def auth_failed(name: str) -> SoapFault:
    """account.AUTH_FAILED: bad name or password (the reason never says which)."""
    return SoapFault("account.AUTH_FAILED", f"authentication failed for [{name}]")


def no_such_domain(name: str) -> SoapFault:
    """account.NO_SUCH_DOMAIN."""
    return SoapFault("account.NO_SUCH_DOMAIN", f"no such domain: {name}")


def no_such_account(name: str) -> SoapFault:
    """account.NO_SUCH_ACCOUNT."""
    return SoapFault("account.NO_SUCH_ACCOUNT", f"no such account: {name}")


def no_such_cos(name: str) -> SoapFault:
    """account.NO_SUCH_COS."""
    return SoapFault("account.NO_SUCH_COS", f"no such cos: {name}")


def no_such_server(name: str) -> SoapFault:
    """account.NO_SUCH_SERVER."""
    return SoapFault("account.NO_SUCH_SERVER", f"no such server: {name}")


def no_such_dl(name: str) -> SoapFault:
    """account.NO_SUCH_DISTRIBUTION_LIST."""
    return SoapFault("account.NO_SUCH_DISTRIBUTION_LIST", f"no such distribution list: {name}")


def no_such_member(list_name: str, members: str) -> SoapFault:
    """account.NO_SUCH_MEMBER: removing addresses that are not members."""
    reason = f"non-existent members: {members} in distribution list: {list_name}"
    return SoapFault("account.NO_SUCH_MEMBER", reason)


def account_exists(name: str, dn: str) -> SoapFault:
    """account.ACCOUNT_EXISTS: the address is held by an account, alias or list."""
    return SoapFault(
        "account.ACCOUNT_EXISTS", f"email address already exists: {name}, at DN: {dn}"
    )


def dl_exists(name: str) -> SoapFault:
    """account.DISTRIBUTION_LIST_EXISTS."""
    return SoapFault("account.DISTRIBUTION_LIST_EXISTS", f"email address already exists: {name}")


def domain_exists(name: str) -> SoapFault:
    """account.DOMAIN_EXISTS."""
    return SoapFault("account.DOMAIN_EXISTS", f"domain already exists: {name}")


def invalid_password(description: str) -> SoapFault:
    """account.INVALID_PASSWORD: the COS password policy refused it."""
    return SoapFault("account.INVALID_PASSWORD", f"invalid password: {description}")


def invalid_attr_name(name: str) -> SoapFault:
    """account.INVALID_ATTR_NAME: an attribute the directory schema does not know."""
    return SoapFault("account.INVALID_ATTR_NAME", f"invalid attr name: unknown attribute: {name}")


def too_many_search_results() -> SoapFault:
    """account.TOO_MANY_SEARCH_RESULTS: more hits than maxResults (a Receiver fault in code)."""
    reason = "number of results exceeded the limit: too many search results returned"
    return SoapFault("account.TOO_MANY_SEARCH_RESULTS", reason, receiver=True)


def invalid_search_filter(message: str) -> SoapFault:
    """ldap.INVALID_SEARCH_FILTER: the directory could not parse the query."""
    reason = f"invalid search filter - {message}"
    return SoapFault("ldap.INVALID_SEARCH_FILTER", reason, receiver=True)


def maintenance_mode() -> SoapFault:
    """account.MAINTENANCE_MODE: the account refuses everyone."""
    return SoapFault("account.MAINTENANCE_MODE", "account is in maintenance mode", receiver=True)


def account_inactive(name: str) -> SoapFault:
    """account.ACCOUNT_INACTIVE: a non-active account reached by a non-admin."""
    return SoapFault("account.ACCOUNT_INACTIVE", f"account is not active:{name}", receiver=True)


def client_error(message: str, cause: str | None = None) -> SoapFault:
    """zclient.CLIENT_ERROR: raised by the command-line client itself, not by the server."""
    return SoapFault("zclient.CLIENT_ERROR", message, cause=cause)
