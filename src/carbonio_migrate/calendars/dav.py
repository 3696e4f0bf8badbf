"""Reading calendars and address books from a CalDAV/CardDAV server, as documents.

An account's home folder is listed (PROPFIND, depth 1); each calendar collection is read with
one calendar-query REPORT and each address book with one addressbook-query REPORT, so the
whole account comes in a few requests. Every resource becomes a document named by its URL,
and the calendar and contact readers treat it like a file. The ``caldav`` package covers
CalDAV only; these three requests with httpx serve both protocols.
"""

from __future__ import annotations

import ssl
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx

from carbonio_migrate import logs
from carbonio_migrate.calendars.events import Document
from carbonio_migrate.config import DavSettings
from carbonio_migrate.errors import ConnectionFailed

_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_CARDDAV = "{urn:ietf:params:xml:ns:carddav}"
_LIST = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:displayname/></D:prop></D:propfind>'
)
_CALENDAR_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
)
_ADDRESSBOOK_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
    "<D:prop><D:getetag/><CR:address-data/></D:prop></CR:addressbook-query>"
)


class DavError(ConnectionFailed):
    """The DAV server refused or failed a request for an account."""


class DavSource:
    """Reads every account's collections, as an administrator or as each account itself."""

    def __init__(
        self,
        settings: DavSettings,
        *,
        password: str | None = None,
        user_passwords: dict[str, str] | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.settings = settings
        self._password = password
        self._user_passwords = user_passwords or {}
        self._http = httpx.Client(verify=verify, timeout=settings.timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> DavSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def calendars(self, account: str) -> list[Document]:
        """Every event resource of every calendar of ``account`` (its source address)."""
        # TODO: every calendar of an account goes into its one Carbonio Calendar folder; a
        # folder per DAV calendar would need CreateFolderRequest as the user first.
        home = self._home(self.settings.url, account)
        found = []
        for collection in self._collections(account, home, f"{_CALDAV}calendar"):
            found += self._report(account, collection, _CALENDAR_QUERY, f"{_CALDAV}calendar-data")
        return found

    def address_books(self, account: str) -> list[Document]:
        """Every vCard of every address book of ``account`` (its source address)."""
        home = self._home(self.settings.contacts_url or self.settings.url, account)
        found = []
        for collection in self._collections(account, home, f"{_CARDDAV}addressbook"):
            found += self._report(
                account, collection, _ADDRESSBOOK_QUERY, f"{_CARDDAV}address-data"
            )
        return found

    # TODO: the home is built from the configured template; discovery through
    # current-user-principal and calendar-home-set works only when signing in as the account.
    @staticmethod
    def _home(template: str, account: str) -> str:
        """The account's home URL; the address is percent-encoded, so it stays one segment."""
        return template.replace("{account}", quote(account, safe="@"))

    def _auth(self, account: str) -> httpx.BasicAuth:
        if self.settings.user is not None:
            return httpx.BasicAuth(self.settings.user, self._password or "")
        password = self._user_passwords.get(account)
        if password is None:
            raise DavError(account, f"no password for it in {self.settings.user_passwords_file}")
        return httpx.BasicAuth(account, password)

    def _collections(self, account: str, home: str, kind: str) -> list[str]:
        """URLs of the home's collections of one kind (calendar or addressbook)."""
        document = self._request(account, "PROPFIND", home, _LIST, depth="1", missing_ok=True)
        if document is None:
            return []
        found = []
        for response in document.iter(f"{_DAV}response"):
            href = response.findtext(f"{_DAV}href") or ""
            types = response.find(f".//{_DAV}resourcetype")
            if types is not None and types.find(kind) is not None:
                found.append(urljoin(home, href))
        return sorted(found)

    def _report(self, account: str, collection: str, query: str, data_tag: str) -> list[Document]:
        """The resources of one collection as documents named by their URL path."""
        document = self._request(account, "REPORT", collection, query, depth="1")
        found = []
        for response in document.iter(f"{_DAV}response") if document is not None else ():
            data = response.find(f".//{data_tag}")
            if data is None or data.text is None or not data.text.strip():
                continue
            href = response.findtext(f"{_DAV}href") or collection
            name = unquote(urlsplit(urljoin(collection, href)).path)
            found.append(Document(name, data.text.encode()))
        return sorted(found, key=lambda doc: doc.name)

    def _request(
        self,
        account: str,
        method: str,
        url: str,
        body: str,
        *,
        depth: str,
        missing_ok: bool = False,
    ) -> ET.Element | None:
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
        try:
            answer = self._http.request(
                method, url, content=body.encode(), headers=headers, auth=self._auth(account)
            )
        except httpx.HTTPError as exc:
            raise DavError(account, f"{method} {url}: {logs.redact(str(exc))}") from None
        if answer.status_code == 404 and missing_ok:
            return None
        if answer.status_code != 207:
            raise DavError(
                account, f"{method} {url}: HTTP {answer.status_code} {answer.reason_phrase}"
            )
        try:
            return ET.fromstring(answer.content)
        except ET.ParseError as exc:
            raise DavError(account, f"{method} {url}: the answer is not XML ({exc})") from None
