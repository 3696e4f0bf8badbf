"""Building the clients of every server in the configuration, passwords fetched once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbonio_migrate.config import Credentials, Settings
from carbonio_migrate.secrets import obtain_password

if TYPE_CHECKING:
    from carbonio_migrate.carbonio.soap import AdminClient
    from carbonio_migrate.directory.connection import DirectoryConnection
    from carbonio_migrate.mail.endpoint import MailServer

# Each client's library is imported when that client is first built: a command that needs
# only some of the servers (a no-op mail pass, say) then starts without loading the others.


class Connections:
    """Factories for the directory, both IMAP servers and the admin API of one migration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._passwords: dict[str, str] = {}

    def password(self, credentials: Credentials, key: str) -> str:
        """The password of the table at ``key``, obtained on first use."""
        if key not in self._passwords:
            self._passwords[key] = obtain_password(credentials, key=key)
        return self._passwords[key]

    def directory(self) -> DirectoryConnection:
        """A (not yet opened) connection to the source directory."""
        from carbonio_migrate.directory.connection import DirectoryConnection

        directory = self.settings.source.directory
        return DirectoryConnection(directory, self.password(directory, "source.directory"))

    def source_imap(self) -> MailServer:
        """The source IMAP server."""
        from carbonio_migrate.mail.endpoint import MailServer

        imap = self.settings.source.imap
        return MailServer(imap, self.password(imap, "source.imap"), role="source")

    def destination_imap(self) -> MailServer:
        """Carbonio's IMAP service."""
        from carbonio_migrate.mail.endpoint import MailServer

        imap = self.settings.destination.imap
        return MailServer(imap, self.password(imap, "destination.imap"), role="destination")

    def admin(self) -> AdminClient:
        """A client of Carbonio's admin SOAP API (not yet logged in)."""
        from carbonio_migrate.carbonio.soap import AdminClient
        from carbonio_migrate.tls import client_context

        destination = self.settings.destination
        context = client_context(
            destination.ca_file,
            verify=destination.verify_tls,
            what="Carbonio's admin API",
        )
        return AdminClient(
            destination.admin_url,
            user=destination.admin_user,
            password=self.password(destination, "destination"),
            verify=context,
            timeout=destination.timeout,
        )
