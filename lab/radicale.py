"""Radicale (from PyPI) as the lab's CalDAV/CardDAV source server, from a temporary folder.

Users sign in with plain htpasswd passwords; an administrator may read every user's
collections (as a groupware server's admin or proxy account would), while each user may
read only their own. A whole calendar or address book is loaded with one PUT of the
collection, which Radicale accepts as an import.
"""

from __future__ import annotations

import secrets
import ssl
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

from lab.certs import Certificates
from lab.procs import BackgroundProcess, LabError, free_port

ADMIN = "dav-admin"
# Radicale's rights file: the admin reads everything, users their own home, nobody else's.
_RIGHTS = """\
[admin]
user: dav-admin
collection: .*
permissions: RrWw

[owner-home]
user: .+
collection: {user}
permissions: RrWw

[owner-collections]
user: .+
collection: {user}/[^/]+
permissions: rw

[root]
user: .+
collection:
permissions: R
"""
_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
ssl = {ssl}
certificate = {cert}
key = {key}

[auth]
type = htpasswd
htpasswd_filename = {users}
htpasswd_encryption = plain
delay = 0

[rights]
type = from_file
file = {rights}

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
"""
_COLLECTION_TYPES = {"calendar": "text/calendar", "addressbook": "text/vcard"}


class Radicale:
    """One Radicale server on 127.0.0.1 (HTTPS with the lab's certificate when given)."""

    def __init__(self, workdir: Path, certificates: Certificates | None = None) -> None:
        self.directory = workdir / "radicale"
        self.certificates = certificates
        self.port = free_port()
        self.admin_password = secrets.token_urlsafe(16)
        self._users: dict[str, str] = {ADMIN: self.admin_password}
        self._process: BackgroundProcess | None = None

    @property
    def url(self) -> str:
        """The server's root URL."""
        scheme = "https" if self.certificates else "http"
        return f"{scheme}://localhost:{self.port}/"

    def start(self) -> Radicale:
        """Write the configuration and start the server; returns once it answers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "rights").write_text(_RIGHTS, encoding="utf-8")
        self._write_users()
        config = self.directory / "config"
        certificates = self.certificates
        config.write_text(
            _CONFIG.format(
                port=self.port,
                ssl="True" if certificates else "False",
                cert=certificates.cert_file if certificates else "",
                key=certificates.key_file if certificates else "",
                users=self.directory / "users",
                rights=self.directory / "rights",
                storage=self.directory / "collections",
            ),
            encoding="utf-8",
        )
        self._process = BackgroundProcess(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            self.directory / "radicale.log",
        )
        self._process.start()
        self._process.wait_for_port(self.port, timeout=30)
        return self

    def stop(self) -> None:
        """Stop the server by its PID; safe to call twice."""
        if self._process is not None:
            self._process.stop()

    def __enter__(self) -> Radicale:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def users(self) -> dict[str, str]:
        """The accounts that may sign in, with their passwords (the administrator left out)."""
        return {name: password for name, password in self._users.items() if name != ADMIN}

    def add_user(self, name: str, password: str) -> None:
        """Let ``name`` sign in (Radicale rereads the users file on every login)."""
        self._users[name] = password
        self._write_users()

    def _write_users(self) -> None:
        path = self.directory / "users"
        path.touch(mode=0o600)
        path.write_text("".join(f"{u}:{p}\n" for u, p in self._users.items()), encoding="utf-8")

    def put_collection(self, owner: str, name: str, kind: str, data: bytes) -> str:
        """Create or replace ``owner``'s collection ``name`` (calendar or addressbook) with a
        whole iCalendar or vCard file; returns the collection's URL."""
        url = f"{self.url}{quote(owner, safe='@')}/{quote(name)}/"
        headers = {"Content-Type": f"{_COLLECTION_TYPES[kind]}; charset=utf-8"}
        verify: ssl.SSLContext | bool = True
        if self.certificates:
            verify = ssl.create_default_context(cafile=str(self.certificates.ca_file))
        with httpx.Client(verify=verify, auth=(ADMIN, self.admin_password), timeout=60) as http:
            home = f"{self.url}{quote(owner, safe='@')}/"
            if http.request("PROPFIND", home, headers={"Depth": "0"}).status_code == 404:
                http.request("MKCOL", home)  # the owner's home, as their first login makes it
            answer = http.put(url, content=data, headers=headers)
        if answer.status_code not in (200, 201, 204):
            raise LabError(f"Radicale refused {url}: HTTP {answer.status_code} {answer.text}")
        return url
