"""A client for Carbonio's admin SOAP API, in its JSON form.

Carbonio answers a SOAP Fault with HTTP 422 (Zimbra used 500); both are read as faults. The
admin token is renewed once when the server says it expired, so long runs keep going.
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import Any

import httpx

from carbonio_migrate.errors import SoapError, SoapFault

log = logging.getLogger(__name__)

ADMIN_NAMESPACE = "urn:zimbraAdmin"
ACCOUNT_NAMESPACE = "urn:zimbraAccount"
SOAP_PATH = "/service/admin/soap"

Element = dict[str, Any]


class AdminClient:
    """Admin SOAP calls as one administrator; thread-safe, one HTTP connection pool."""

    def __init__(
        self,
        url: str,
        *,
        user: str,
        password: str,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = url.rstrip("/").removesuffix(SOAP_PATH)
        self.user = user
        self._password = password
        self._token: str | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=self.base_url, verify=verify, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the protocol ---------------------------------------------------------------------

    def login(self) -> str:
        """Authenticate and keep the admin token; raises SoapFault on wrong credentials."""
        body = {"name": self.user, "password": self._password}
        response = self._post("AuthRequest", body, token=None)
        token = text_of(response.get("authToken"))
        if not token:
            raise SoapError(self.base_url, "AuthRequest answered without a token")
        with self._lock:
            self._token = token
        return token

    @property
    def token(self) -> str:
        """The current admin token, logging in first when there is none."""
        with self._lock:
            token = self._token
        return token or self.login()

    def call(self, request: str, body: Element | None = None, *, namespace: str = "") -> Element:
        """Send ``request`` (e.g. "GetDomainRequest") and return the response element."""
        try:
            return self._post(request, body or {}, token=self.token, namespace=namespace)
        except SoapFault as fault:
            if fault.code != "service.AUTH_EXPIRED":
                raise
        log.info("Carbonio admin token expired; logging in again")
        self.login()
        return self._post(request, body or {}, token=self.token, namespace=namespace)

    def _post(
        self, request: str, body: Element, *, token: str | None, namespace: str = ""
    ) -> Element:
        context: Element = {"_jsns": "urn:zimbra", "nosession": {}}
        if token:
            context["authToken"] = token
        envelope = {
            "Header": {"context": context},
            "Body": {request: {"_jsns": namespace or ADMIN_NAMESPACE, **body}},
        }

        try:
            answer = self._http.post(SOAP_PATH, json=envelope)
        except httpx.HTTPError as exc:
            raise SoapError(self.base_url, f"{request}: {_describe_transport(exc)}") from None

        return self._read(request, answer)

    def _read(self, request: str, answer: httpx.Response) -> Element:
        try:
            document = answer.json()
        except ValueError:
            raise SoapError(
                self.base_url,
                f"{request}: HTTP {answer.status_code} without a SOAP answer",
                remedy="check that admin_url points at Carbonio's admin port (6071 or 7071)",
            ) from None

        body = document.get("Body", {}) if isinstance(document, dict) else {}
        if "Fault" in body:
            fault = body["Fault"]
            code = fault.get("Detail", {}).get("Error", {}).get("Code", "unknown")
            reason = fault.get("Reason", {}).get("Text", "")
            raise SoapFault(self.base_url, code, reason, request=request)

        response_name = request.removesuffix("Request") + "Response"
        if answer.status_code != 200 or response_name not in body:
            raise SoapError(self.base_url, f"{request}: unexpected answer {answer.status_code}")
        result: Element = body[response_name]
        return result


def _describe_transport(exc: httpx.HTTPError) -> str:
    """A short reason for a failed HTTP exchange, certificate problems spelled out."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY" in str(exc):
        return "the server's TLS certificate is not trusted (set ca_file to its CA)"
    return str(exc) or type(exc).__name__


# -- reading entries --------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    """The text of a JSON element that may be a string, {"_content": ...} or a list of those."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("_content")
    return None if value is None else str(value)


def entries(response: Element, kind: str) -> list[Element]:
    """The ``kind`` children of a response (``account``, ``domain``, ``dl``...), as a list."""
    found = response.get(kind, [])
    return found if isinstance(found, list) else [found]


def attributes(entry: Element) -> dict[str, list[str]]:
    """An entry's ``a`` list as a mapping of attribute name to all its values."""
    values: dict[str, list[str]] = {}
    for item in entries(entry, "a"):
        values.setdefault(item["n"], []).append(str(item.get("_content", "")))
    return values
