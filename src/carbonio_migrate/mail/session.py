"""Blocking IMAP sessions (imapclient) as an administrator who opens other people's mailboxes.

Used by the quick reads of ``check`` and ``plan``; the copy itself runs on the asyncio
client of :mod:`carbonio_migrate.mail.endpoint`.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from carbonio_migrate.config import ImapLogin, ImapTls
from carbonio_migrate.errors import ImapError
from carbonio_migrate.mail.server import ImapServer, login_remedy

log = logging.getLogger(__name__)


class ImapEndpoint(ImapServer):
    """Blocking sessions (imapclient) for the quick reads of check and plan."""

    def connect(self) -> IMAPClient:
        """A connected, TLS-protected, not yet authenticated client."""
        settings = self.settings
        try:
            client = IMAPClient(
                settings.host,
                port=settings.effective_port,
                ssl=settings.tls == ImapTls.IMPLICIT,
                ssl_context=self._context,
                timeout=settings.timeout,
            )
            if settings.tls == ImapTls.STARTTLS:
                client.starttls(self._context)
        except ssl.SSLCertVerificationError as exc:
            raise self.untrusted(exc) from None
        except (OSError, IMAPClientError) as exc:
            raise ImapError(self.name, f"cannot connect ({_reason(exc)})") from None
        return client

    def login(self, client: IMAPClient, user: str | None) -> None:
        """Authenticate as the administrator, acting as ``user`` when one is given."""
        settings = self.settings
        try:
            if user is None:
                client.login(settings.admin_user, self._password)
            elif settings.login == ImapLogin.MASTER_USER:
                identity = f"{user}{settings.master_separator}{settings.admin_user}"
                client.login(identity, self._password)
            else:
                client.plain_login(settings.admin_user, self._password, user)
        except LoginError:
            who = f"{settings.admin_user} acting as {user}" if user else settings.admin_user
            raise ImapError(
                self.name,
                f"login refused for {who}",
                remedy=login_remedy(self.role, user),
            ) from None
        except (OSError, IMAPClientError) as exc:
            raise ImapError(self.name, f"login failed ({_reason(exc)})") from None

    @contextmanager
    def session(self, user: str | None = None) -> Iterator[IMAPClient]:
        """A logged-in session, as ``user`` or as the administrator; logged out at the end."""
        client = self.connect()
        try:
            self.login(client, user)
            yield client
        finally:
            _close_quietly(client)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError):
        log.debug("logout failed; the connection is closed anyway")
        with suppress(OSError):
            client.shutdown()
