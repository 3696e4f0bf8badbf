"""An IMAP server as the migration knows it: address, administrator, TLS context.

Two ways of acting as a user are supported: SASL PLAIN with an authorization identity (what
Carbonio and most servers accept, RFC 4616) and the ``user*admin`` login of Dovecot's master
users. Certificates are verified unless the configuration turns that off.
"""

from __future__ import annotations

import ssl

from carbonio_migrate.config import ImapSettings, ImapTls
from carbonio_migrate.errors import ImapError
from carbonio_migrate.tls import client_context


class ImapServer:
    """One IMAP server with the administrator's credentials and its verified TLS context."""

    def __init__(self, settings: ImapSettings, password: str, *, role: str) -> None:
        self.settings = settings
        self.role = role
        self._password = password
        self._context: ssl.SSLContext | None = None
        if settings.tls != ImapTls.NONE:
            self._context = client_context(
                settings.ca_file, verify=settings.verify_tls, what=f"the {role} IMAP server"
            )

    @property
    def name(self) -> str:
        """How the server is named in messages: role, host and port."""
        return f"{self.role} IMAP {self.settings.host}:{self.settings.effective_port}"

    def untrusted(self, error: ssl.SSLCertVerificationError) -> ImapError:
        """The error for a certificate that failed verification, with what to do about it."""
        return ImapError(
            self.name,
            f"TLS certificate not trusted ({error.verify_message})",
            remedy="set ca_file to the CA that signed the server's certificate",
        )


def login_remedy(role: str, user: str | None) -> str:
    """What to check when the server refuses the administrator, alone or acting as ``user``."""
    if user is None:
        return f"check the {role} IMAP admin_user and its password"
    return (
        f"check that the {role} administrator may open other mailboxes (on Carbonio: a global "
        f"admin, or the adminLoginAs right) and that {user} exists with IMAP enabled"
    )
