"""Fixtures for the emulator's own tests: a running emulator and small SOAP/REST clients."""

from __future__ import annotations

import json
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx
import pytest

from lab.emulator import CarbonioEmulator

DOMAIN = "example.com"
ADMIN = "admin@example.com"
ADMIN_PASSWORD = "Admin-pass1"
DELEGATE = "helpdesk@example.com"
DELEGATE_PASSWORD = "Helpdesk-pass1"
ADMIN_NS = "urn:zimbraAdmin"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ZIMBRA = "urn:zimbra"

# Built once: an httpx client that loads the CA bundle itself takes ~80 ms to create.
_TLS = ssl.create_default_context()


def new_client() -> httpx.Client:
    """A fresh HTTP client (with its own cookie jar)."""
    return httpx.Client(verify=_TLS)


def post(url: str, **kwargs: Any) -> httpx.Response:
    """One POST from a fresh client, like httpx.post but quicker to set up."""
    with new_client() as client:
        return client.post(url, **kwargs)


@pytest.fixture
def emu() -> Iterator[CarbonioEmulator]:
    """A started emulator with example.com, a global admin and a delegated admin."""
    emulator = CarbonioEmulator()
    emulator.start()
    emulator.add_domain(DOMAIN)
    emulator.add_admin(ADMIN, ADMIN_PASSWORD)
    emulator.add_admin(DELEGATE, DELEGATE_PASSWORD, global_admin=False)
    try:
        yield emulator
    finally:
        emulator.stop()


class Soap:
    """A minimal admin SOAP client speaking JSON or XML to one base URL."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.url = base_url + "/service/admin/soap"
        self.token = token
        self.http = new_client()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()

    def json(
        self,
        name: str,
        content: dict[str, Any] | None = None,
        *,
        ns: str = ADMIN_NS,
        token: str | bool | None = True,
    ) -> httpx.Response:
        """POST a JSON envelope; `token=True` sends the client's token, a string sends that."""
        envelope: dict[str, Any] = {"Body": {name: {"_jsns": ns, **(content or {})}}}
        value = self.token if token is True else token
        if value:
            envelope["Header"] = {"context": {"_jsns": ZIMBRA, "authToken": value}}
        return self.http.post(self.url, content=json.dumps(envelope).encode())

    def xml(
        self,
        name: str,
        inner: str = "",
        *,
        attrs: dict[str, str] | None = None,
        ns: str = ADMIN_NS,
        soap_ns: str = SOAP12,
        token: str | bool | None = True,
    ) -> httpx.Response:
        """POST an XML envelope with the request element `name`."""
        value = self.token if token is True else token
        header = ""
        if value:
            header = (
                f'<soap:Header><context xmlns="{ZIMBRA}"><authToken>{escape(value)}'
                "</authToken></context></soap:Header>"
            )
        attr_text = "".join(f" {k}={quoteattr(v)}" for k, v in (attrs or {}).items())
        body = f'<{name} xmlns="{ns}"{attr_text}>{inner}</{name}>'
        envelope = (
            f'<soap:Envelope xmlns:soap="{soap_ns}">{header}<soap:Body>{body}</soap:Body>'
            "</soap:Envelope>"
        )
        return self.http.post(self.url, content=envelope.encode())

    def login(self, name: str = ADMIN, password: str = ADMIN_PASSWORD) -> str:
        """AuthRequest; keep and return the token."""
        response = self.json("AuthRequest", {"name": name, "password": password}, token=None)
        assert response.status_code == 200, response.text
        self.token = str(response.json()["Body"]["AuthResponse"]["authToken"][0]["_content"])
        return self.token


@pytest.fixture
def soap(emu: CarbonioEmulator) -> Iterator[Soap]:
    """A SOAP client logged in as the global admin on the mailbox admin port."""
    client = Soap(emu.admin_url)
    client.login()
    yield client
    client.close()


@pytest.fixture
def delegated(emu: CarbonioEmulator) -> Iterator[Soap]:
    """A SOAP client logged in as the delegated admin."""
    client = Soap(emu.admin_url)
    client.login(DELEGATE, DELEGATE_PASSWORD)
    yield client
    client.close()


def body(response: httpx.Response, name: str) -> dict[str, Any]:
    """The JSON response element `name` (the answer must be 200)."""
    assert response.status_code == 200, response.text
    return dict(response.json()["Body"][name])


def fault(response: httpx.Response) -> tuple[str, str, str]:
    """(Detail/Error/Code, Reason text, Code value) of a 422 fault, JSON or SOAP 1.2 XML."""
    assert response.status_code == 422, response.text
    if response.headers["content-type"].startswith("text/javascript"):
        content = response.json()["Body"]["Fault"]
        return (
            content["Detail"]["Error"]["Code"],
            content["Reason"]["Text"],
            content["Code"]["Value"],
        )
    root = ET.fromstring(response.content)
    return (
        _text(root, f".//{{{ZIMBRA}}}Error/{{{ZIMBRA}}}Code"),
        _text(root, f".//{{{SOAP12}}}Reason/{{{SOAP12}}}Text"),
        _text(root, f".//{{{SOAP12}}}Code/{{{SOAP12}}}Value"),
    )


def _text(root: ET.Element, path: str) -> str:
    """Text of the element at `path` (must exist)."""
    found = root.find(path)
    assert found is not None, path
    return found.text or ""


def attrs_of(entry: dict[str, Any]) -> dict[str, list[str]]:
    """A JSON entry's `a` array as name -> values."""
    result: dict[str, list[str]] = {}
    for item in entry.get("a", []):
        result.setdefault(item["n"], []).append(item.get("_content", ""))
    return result


def create_account(soap: Soap, name: str, password: str | None = None) -> str:
    """CreateAccountRequest; return the new id."""
    content = {"name": name, **({"password": password} if password else {})}
    response = soap.json("CreateAccountRequest", content)
    return str(body(response, "CreateAccountResponse")["account"][0]["id"])
