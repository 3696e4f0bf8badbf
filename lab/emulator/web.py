"""HTTP pieces shared by the SOAP and REST front ends: replies, cookies, the referer check."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from lab.emulator.attrs import AttrMap, is_true


@dataclass
class HttpReply:
    """An HTTP answer: status, headers and body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def error_reply(
    status: int, message: str, headers: list[tuple[str, str]] | None = None
) -> HttpReply:
    """An error page like the servlet container's."""
    body = f"<html><body><h2>HTTP ERROR {status}</h2><p>{message}</p></body></html>"
    all_headers = [("Content-Type", "text/html;charset=utf-8"), *(headers or [])]
    return HttpReply(status, all_headers, body.encode("utf-8"))


def parse_cookies(header: str | None) -> dict[str, str]:
    """Cookie header -> name/value dict (malformed headers give what could be read)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def referer_refused(config: AttrMap, method: str, headers: dict[str, str]) -> bool:
    """The CSRF referer check: a POST whose Referer names another host than Host is refused."""
    if method != "POST" or not is_true(config.first("zimbraCsrfRefererCheckEnabled")):
        return False
    referer = headers.get("referer")
    if not referer:
        return False
    referer_host = (urlsplit(referer).hostname or "").lower()
    request_host = (urlsplit(f"//{headers.get('host', '')}").hostname or "").lower()
    allowed = {h.lower() for h in config.get("zimbraCsrfAllowedRefererHosts")}
    return referer_host != request_host and referer_host not in allowed
