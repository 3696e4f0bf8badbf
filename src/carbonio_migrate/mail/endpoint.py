"""Opening an account's mailbox on the source or the destination, as the administrator.

Every command that reads or writes mail goes through it: the copy and verify, and the short
reads of check and plan. Acting as a user is SASL PLAIN with an authorization identity, or
Dovecot's ``user*admin`` login; certificates are verified (see ``mail/server.py``).
"""

from __future__ import annotations

import asyncio
import ssl

from carbonio_migrate.config import ImapLogin
from carbonio_migrate.errors import ImapError
from carbonio_migrate.mail.client import CommandFailed, ConnectionLost, ImapClient
from carbonio_migrate.mail.mailbox import Mailbox
from carbonio_migrate.mail.server import ImapServer, login_remedy


class MailServer(ImapServer):
    """Asynchronous, pipelining sessions for copying and verifying; opens mailboxes on demand."""

    async def open(self, user: str | None) -> Mailbox:
        """A logged-in mailbox of ``user`` (or the administrator's own).

        Raises ConnectionLost when the server cannot be reached or asks to come back later,
        and ImapError when it refuses the certificate or the credentials.
        """
        client = await self._connect()
        try:
            await self._login(client, user)
        except BaseException:
            client.close()
            raise
        return Mailbox(client)

    async def _connect(self) -> ImapClient:
        settings = self.settings
        try:
            return await ImapClient.connect(
                settings.host,
                settings.effective_port,
                tls=str(settings.tls),
                context=self._context,
                timeout=settings.timeout,
                name=self.name,
            )
        except ssl.SSLCertVerificationError as exc:
            raise self.untrusted(exc) from None
        except (OSError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
            raise ConnectionLost(
                f"{self.name}: cannot connect ({exc or type(exc).__name__})"
            ) from None

    async def _login(self, client: ImapClient, user: str | None) -> None:
        settings = self.settings
        try:
            if user is None:
                await client.authenticate_plain(settings.admin_user, self._password)
            elif settings.login == ImapLogin.MASTER_USER:
                identity = f"{user}{settings.master_separator}{settings.admin_user}"
                await client.login(identity, self._password)
            else:
                await client.authenticate_plain(settings.admin_user, self._password, user)
        except CommandFailed as exc:
            if exc.transient:
                raise ConnectionLost(f"{self.name}: {exc.status.describe()}") from None
            who = f"{settings.admin_user} acting as {user}" if user else settings.admin_user
            raise ImapError(
                self.name,
                f"login refused for {who} ({exc.status.describe()})",
                remedy=login_remedy(self.role, user),
            ) from None
