"""The emulator's three listeners and the `CarbonioEmulator` object the lab drives.

Roles: "proxy" (the 6071 admin proxy), "mailbox" (the 7071 admin port) and "user" (the user
port). Each is a threading HTTP(S) server on a free loopback port; `stop()` closes open
connections and joins every thread.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lab.emulator.dispatch import SoapCall, handle_soap, is_admin_soap_path, is_user_soap_path
from lab.emulator.entries import Account
from lab.emulator.rest import RestRequest, handle_rest, is_rest_path
from lab.emulator.store import AttrValue, Store
from lab.emulator.web import HttpReply, error_reply, parse_cookies, referer_refused

ROLES = ("proxy", "mailbox", "user")
# How often the accept loops look for stop(): short, so that stopping takes milliseconds.
_POLL_INTERVAL_S = 0.02


class _Listener(ThreadingHTTPServer):
    """One port: plain or TLS, tracking its connections so that stop() can close them."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, emulator: CarbonioEmulator, role: str, tls: ssl.SSLContext | None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator
        self.role = role
        self.tls = tls
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept; with TLS, the handshake happens later in the connection's own thread."""
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection, then serve it in a thread."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its thread is done with it."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down idle keep-alive connections so their threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects and failed TLS handshakes are not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    """Reads one HTTP request and passes it to the emulator's router."""

    server: _Listener
    protocol_version = "HTTP/1.1"
    timeout = 60
    # Headers and body go out in separate writes; without this each answer waits ~40 ms.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        """POST."""
        self._serve("POST")

    def do_PUT(self) -> None:
        """PUT."""
        self._serve("PUT")

    def do_GET(self) -> None:
        """GET."""
        self._serve("GET")

    def _serve(self, method: str) -> None:
        """Read the body, route, write the reply."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body(headers)
        path, _, query = self.path.partition("?")
        reply = self.server.emulator.route(self.server.role, method, path, query, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        """The request body, by Content-Length or chunked transfer coding."""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass
            return b"".join(chunks)
        return self.rfile.read(int(headers.get("content-length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


class CarbonioEmulator:
    """A Carbonio node on loopback: admin SOAP on two ports, REST on all three.

    The directory and mailboxes are `self.store`; the most used parts of its API are also
    available here (add_domain, add_admin, contacts, calls, ...).
    """

    def __init__(
        self,
        *,
        certfile: Path | None = None,
        keyfile: Path | None = None,
        server_name: str = "mail.example.io",
    ) -> None:
        self.store = Store(server_name)
        self._tls = _tls_context(certfile, keyfile)
        self._listeners: dict[str, _Listener] = {}
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the three ports and serve them in background threads."""
        for role in ROLES:
            listener = _Listener(self, role, self._tls)
            self._listeners[role] = listener
            thread = threading.Thread(
                target=listener.serve_forever,
                kwargs={"poll_interval": _POLL_INTERVAL_S},
                name=f"carbonio-emulator-{role}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving, close connections, join every thread, release the ports."""
        # shutdown() waits for the accept loop's next poll; wait for the three at once.
        stoppers = [threading.Thread(target=lst.shutdown) for lst in self._listeners.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for listener in self._listeners.values():
            listener.close_connections()
            listener.server_close()
        for thread in self._threads:
            thread.join()
        self._listeners.clear()
        self._threads.clear()

    def __enter__(self) -> CarbonioEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        """https with a certificate, else http."""
        return "https" if self._tls is not None else "http"

    def port(self, role: str) -> int:
        """The port of a role: "proxy", "mailbox" or "user"."""
        return self._listeners[role].port

    @property
    def admin_url(self) -> str:
        """Base URL of the mailbox admin port (the 7071 role)."""
        return f"{self.scheme}://localhost:{self.port('mailbox')}"

    @property
    def proxy_admin_url(self) -> str:
        """Base URL of the admin proxy (the 6071 role)."""
        return f"{self.scheme}://localhost:{self.port('proxy')}"

    @property
    def user_url(self) -> str:
        """Base URL of the user port."""
        return f"{self.scheme}://localhost:{self.port('user')}"

    # -- routing ---------------------------------------------------------------------------

    def route(
        self, role: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> HttpReply:
        """Send a request to the SOAP servlets or the REST servlet."""
        admin_soap, user_soap = is_admin_soap_path(path), is_user_soap_path(path)
        rest = is_rest_path(path, user_port=role == "user")
        if not (admin_soap or user_soap or rest):
            return error_reply(404, path)
        if referer_refused(self.store.config, method, headers):
            return HttpReply(403)
        cookies = parse_cookies(headers.get("cookie"))
        if rest:
            request = RestRequest(method, path, query, headers, body, role != "user", cookies)
            return handle_rest(self.store, request)
        if method != "POST":
            return error_reply(405, f"HTTP method {method} is not supported by this URL")
        return handle_soap(self.store, self._soap_call(role, path, body, cookies, admin_soap))

    def _soap_call(
        self, role: str, path: str, body: bytes, cookies: dict[str, str], admin_soap: bool
    ) -> SoapCall:
        """Describe a SOAP request; the admin servlet lives on the admin ports only."""
        allowed = (role != "user") if admin_soap else (role == "user")
        # The proxy forwards to the mailbox admin port, which is the port a refusal names.
        reported = self.port("mailbox") if role == "proxy" else self.port(role)
        return SoapCall(
            path=path,
            body=body,
            cookies=cookies,
            admin_servlet=admin_soap,
            allowed_here=allowed,
            port_number=reported,
            secure=self._tls is not None,
            admin_url=self.admin_url,
            user_url=self.user_url,
        )

    # -- counters and switches -------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        """Handled requests by name, e.g. `calls["CreateAccountRequest"]`."""
        return self.store.calls

    @property
    def rest_imports(self) -> Counter[tuple[str, str]]:
        """REST imports by (account, format)."""
        return self.store.rest_imports

    def reset_calls(self) -> None:
        """Zero both counters."""
        self.store.reset_calls()

    @property
    def csv_formats_broken(self) -> bool:
        """When True only the `csv` contact format is loaded (reference 4.9)."""
        return self.store.csv_formats_broken

    @csv_formats_broken.setter
    def csv_formats_broken(self, value: bool) -> None:
        self.store.csv_formats_broken = value

    @property
    def on_account_created(self) -> Callable[[str, str | None], None] | None:
        """Called with (address, password or None) whenever an account is created."""
        return self.store.on_account_created

    @on_account_created.setter
    def on_account_created(self, hook: Callable[[str, str | None], None] | None) -> None:
        self.store.on_account_created = hook

    @property
    def on_account_deleted(self) -> Callable[[str], None] | None:
        """Called with the address whenever an account is deleted."""
        return self.store.on_account_deleted

    @on_account_deleted.setter
    def on_account_deleted(self, hook: Callable[[str], None] | None) -> None:
        self.store.on_account_deleted = hook

    @property
    def token_lifetime_s(self) -> float | None:
        """When set, every token issued from now on lives this many seconds."""
        return self.store.tokens.lifetime_override_s

    @token_lifetime_s.setter
    def token_lifetime_s(self, seconds: float | None) -> None:
        self.store.tokens.lifetime_override_s = seconds

    # -- seeding and inspection (see Store) ------------------------------------------------

    def add_domain(self, name: str, **attrs: AttrValue) -> str:
        """Create a domain; returns its id."""
        return self.store.add_domain(name, **attrs)

    def remove_domain(self, name: str) -> None:
        """Delete a domain."""
        self.store.remove_domain(name)

    def set_domain_attr(self, domain: str, name: str, value: AttrValue) -> None:
        """Replace a domain attribute (no validation)."""
        self.store.set_domain_attr(domain, name, value)

    def clear_domain_attr(self, domain: str, name: str) -> None:
        """Remove a domain attribute."""
        self.store.clear_domain_attr(domain, name)

    def add_cos(self, name: str, **attrs: AttrValue) -> str:
        """Create a COS; returns its id."""
        return self.store.add_cos(name, **attrs)

    def set_global_config(self, name: str, value: AttrValue | None) -> None:
        """Set or (None) remove a global config attribute."""
        self.store.set_global_config(name, value)

    def add_admin(self, address: str, password: str, *, global_admin: bool = True) -> str:
        """Create a global or delegated admin; returns its id."""
        return self.store.add_admin(address, password, global_admin=global_admin)

    def add_account(self, address: str, password: str | None = None, **attrs: AttrValue) -> str:
        """Create an account without policy checks; returns its id."""
        return self.store.add_account(address, password, **attrs)

    def add_list(self, address: str, members: Iterable[str] = (), **attrs: AttrValue) -> str:
        """Create a distribution list; returns its id."""
        return self.store.add_list(address, members, **attrs)

    def add_alias(self, address: str, alias: str) -> None:
        """Give an account or list an alias."""
        self.store.add_alias(address, alias)

    def remove_account(self, address: str) -> None:
        """Delete an account."""
        self.store.remove_account(address)

    def create_folder(self, account: str, path: str, view: str = "contact") -> None:
        """Create a mailbox folder (view "contact", "appointment" or "message")."""
        self.store.create_folder(account, path, view)

    def expire_token(self, token: str | None = None) -> None:
        """Expire one token, or all of them."""
        self.store.expire_token(token)

    def account(self, address: str) -> Account | None:
        """An account by address or alias."""
        return self.store.account(address)

    def accounts(self) -> list[str]:
        """All account addresses, sorted."""
        return self.store.account_names()

    def aliases(self) -> list[str]:
        """All alias addresses, sorted."""
        return self.store.alias_names()

    def lists(self) -> list[str]:
        """All distribution-list addresses, sorted."""
        return self.store.list_names()

    def list_members(self, address: str) -> list[str]:
        """A list's members in the order they were added."""
        return self.store.list_members(address)

    def folders(self, account: str) -> list[str]:
        """Folder paths of an account's mailbox."""
        return self.store.folder_paths(account)

    def contacts(self, account: str, folder: str | None = None) -> list[dict[str, str]]:
        """Imported contacts (Carbonio field -> value)."""
        return self.store.contacts(account, folder)

    def appointments(self, account: str, folder: str | None = None) -> list[dict[str, Any]]:
        """Calendar items: uid, summary, kind, folder, sequence, raw."""
        return self.store.appointments(account, folder)


def _tls_context(certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext | None:
    """A server TLS context, or None for plain HTTP."""
    if certfile is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context
