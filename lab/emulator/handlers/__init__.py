"""Request handlers; importing this package registers every one of them."""

from __future__ import annotations

from lab.emulator.handlers import accounts, auth, cos_server, domains, lists, mail, misc, search
from lab.emulator.handlers.base import (
    ACCOUNT_NS,
    ADMIN_NS,
    REGISTRY,
    Access,
    Caller,
    Context,
    invoke,
)

__all__ = [
    "ACCOUNT_NS",
    "ADMIN_NS",
    "REGISTRY",
    "Access",
    "Caller",
    "Context",
    "accounts",
    "auth",
    "cos_server",
    "domains",
    "invoke",
    "lists",
    "mail",
    "misc",
    "search",
]
