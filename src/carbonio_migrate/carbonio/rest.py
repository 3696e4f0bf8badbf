"""Carbonio's REST import (``/service/home/ACCOUNT/FOLDER?fmt=...``) for calendars and contacts.

Two ways in, both with a token in a cookie and never a password in a URL: the administrator's
own token with the account named in the path, on the admin port (``admin``), or a user token
per account from ``DelegateAuthRequest`` (``delegated``, what ``prov sm ... postRestURL``
does). Carbonio answers 200 with an empty body; anything else is raised as a RestError with
the account and the server's own message.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from html import unescape
from urllib.parse import quote

import httpx

from carbonio_migrate import logs
from carbonio_migrate.carbonio.soap import AdminClient, text_of
from carbonio_migrate.config import RestAuthMode as RestAuth
from carbonio_migrate.errors import ConnectionFailed, SoapError

log = logging.getLogger(__name__)

USER_COOKIE = "ZM_AUTH_TOKEN"
ADMIN_COOKIE = "ZM_ADMIN_AUTH_TOKEN"
REST_PATH = "/service/home"
# A delegated token is asked for an hour and renewed a little before it runs out.
DELEGATION_SECONDS = 3600
_RENEW_MARGIN = 300
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"(?is)<(h\d|title)[^>]*>.*?</\1>")
_MESSAGE_CHARS = 300


class RestError(ConnectionFailed):
    """A REST import was refused or failed; ``status`` is 0 when no answer arrived."""

    def __init__(self, account: str, status: int, message: str) -> None:
        answer = f"HTTP {status}" if status else "no answer"
        super().__init__(account, f"REST import failed ({answer}): {message}")
        self.account = account
        self.status = status
        self.reason = message

    @property
    def nothing_stored(self) -> bool:
        """Whether the server certainly stored nothing (refused before reading the data)."""
        return self.status in (400, 401, 403, 404, 405, 413, 415)


class RestClient:
    """POSTs import bodies for any account; thread-safe, one connection pool."""

    def __init__(
        self,
        url: str,
        admin: AdminClient,
        *,
        auth: RestAuth = RestAuth.ADMIN,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 300.0,
    ) -> None:
        self.base_url = url.rstrip("/")
        self.admin = admin
        self.auth = auth
        self._http = httpx.Client(base_url=self.base_url, verify=verify, timeout=timeout)
        self._delegated: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def post(self, account: str, folder: str, query: str, body: bytes, content_type: str) -> None:
        """Import ``body`` into ``folder`` of ``account``; raise RestError when refused."""
        path = f"{REST_PATH}/{quote(account, safe='@')}/{quote(folder, safe='/')}"
        answer = self._send(account, path, query, body, content_type, fresh=False)
        if answer.status_code == 401:
            # The token may have expired; a 401 is given before anything is stored.
            answer = self._send(account, path, query, body, content_type, fresh=True)
        if answer.status_code != 200:
            raise RestError(account, answer.status_code, server_message(answer))

    def _send(
        self, account: str, path: str, query: str, body: bytes, content_type: str, *, fresh: bool
    ) -> httpx.Response:
        token = self._token(account, fresh=fresh)
        # The servlet reads the admin cookie on admin ports and the user cookie on user ports;
        # both carry the same token, so the client need not know which kind of port it uses.
        cookie = f"{ADMIN_COOKIE}={token}; {USER_COOKIE}={token}"
        headers = {"Content-Type": content_type, "Cookie": cookie}
        try:
            return self._http.post(f"{path}?{query}", content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RestError(account, 0, logs.redact(str(exc)) or type(exc).__name__) from None

    def _token(self, account: str, *, fresh: bool) -> str:
        """The admin token, or a delegated token for ``account``."""
        try:
            if self.auth == RestAuth.ADMIN:
                return self.admin.login() if fresh else self.admin.token
            return self._delegated_token(account, fresh=fresh)
        except SoapError as exc:
            raise RestError(account, 0, f"no token for the import: {exc.message}") from None

    def _delegated_token(self, account: str, *, fresh: bool) -> str:
        now = time.monotonic()
        with self._lock:
            cached = self._delegated.get(account)
        if cached and not fresh and cached[1] > now:
            return cached[0]

        response = self.admin.call(
            "DelegateAuthRequest",
            {"duration": DELEGATION_SECONDS, "account": {"by": "name", "_content": account}},
        )
        token = text_of(response.get("authToken"))
        if not token:
            raise RestError(account, 0, "DelegateAuthRequest answered without a token")
        logs.register_secret(token)
        with self._lock:
            self._delegated[account] = (token, now + DELEGATION_SECONDS - _RENEW_MARGIN)
        return token


def server_message(answer: httpx.Response) -> str:
    """The server's explanation from an error page (its text without markup), shortened."""
    page = answer.text
    text = " ".join(unescape(_TAG.sub(" ", _TITLE.sub(" ", page))).split())
    if not text:  # the message may be the page's only heading
        text = " ".join(unescape(_TAG.sub(" ", page)).split())
    if len(text) > _MESSAGE_CHARS:
        text = text[:_MESSAGE_CHARS] + "..."
    return text or answer.reason_phrase or "no message"
