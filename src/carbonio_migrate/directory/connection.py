"""Connecting to the source directory: LDAPS or StartTLS verified, paged searches only."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors

from carbonio_migrate.config import DirectorySettings, LdapTls
from carbonio_migrate.errors import DirectoryError

log = logging.getLogger(__name__)


class DirectoryConnection:
    """A bound, read-only connection; referrals are never followed with our credentials."""

    def __init__(self, settings: DirectorySettings, password: str) -> None:
        self.settings = settings
        self.name = f"directory {settings.url}"
        self._password = password
        self._conn: ldap3.Connection | None = None

    def open(self) -> DirectoryConnection:
        """Connect and bind; raises DirectoryError with the remedy on failure."""
        settings = self.settings
        parts = urlsplit(settings.url)
        tls = None
        if settings.tls != LdapTls.NONE:
            if not settings.verify_tls:
                log.warning(
                    "TLS certificates of %s are NOT verified (verify_tls = false)", self.name
                )
            tls = ldap3.Tls(
                validate=ssl.CERT_REQUIRED if settings.verify_tls else ssl.CERT_NONE,
                ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
            )
        server = ldap3.Server(
            parts.hostname or "localhost",
            port=parts.port,
            use_ssl=settings.tls == LdapTls.LDAPS,
            tls=tls,
            connect_timeout=int(settings.timeout),
            get_info=ldap3.NONE,
        )
        bind = (
            ldap3.AUTO_BIND_TLS_BEFORE_BIND
            if settings.tls == LdapTls.STARTTLS
            else (ldap3.AUTO_BIND_NO_TLS)
        )

        try:
            # auto_range lets ldap3 fetch AD's ranged values (member;range=0-1499) in full.
            self._conn = ldap3.Connection(
                server,
                user=settings.bind_dn,
                password=self._password,
                auto_bind=bind,
                read_only=True,
                auto_referrals=False,
                auto_range=True,
                receive_timeout=int(settings.timeout),
                raise_exceptions=False,
            )
        except ldap_errors.LDAPBindError:
            raise DirectoryError(
                self.name,
                f"bind refused for {settings.bind_dn}",
                remedy="check bind_dn and its password",
            ) from None
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(
                self.name, f"cannot connect ({_reason(exc)})", remedy=_connect_remedy(exc)
            ) from None
        return self

    def close(self) -> None:
        """Unbind."""
        if self._conn is not None:
            self._conn.unbind()
            self._conn = None

    def __enter__(self) -> DirectoryConnection:
        return self.open() if self._conn is None else self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def search(self, base: str, query: str, attributes: list[str]) -> Iterator[dict[str, Any]]:
        """Every entry under ``base`` matching ``query``, page by page.

        Paging (RFC 2696) is what keeps a server's size limit from silently truncating the
        result; each yielded entry has ``dn`` and ``attributes``.
        """
        if self._conn is None:
            self.open()
        assert self._conn is not None
        try:
            for entry in self._conn.extend.standard.paged_search(
                base,
                query,
                search_scope=ldap3.SUBTREE,
                attributes=attributes,
                paged_size=self.settings.page_size,
                generator=True,
            ):
                if entry.get("type") == "searchResEntry":
                    yield entry
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(self.name, f"search {query} failed ({_reason(exc)})") from None

        result = self._conn.result or {}
        if result.get("result", 0) not in (0,):
            raise DirectoryError(
                self.name,
                f"search {query} under {base} failed: {result.get('description')} "
                f"{result.get('message') or ''}".strip(),
                remedy="check base_dn and the filter",
            )


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "the server's TLS certificate is not trusted"
    return text or type(exc).__name__


def _connect_remedy(exc: BaseException) -> str | None:
    if "certificate" in str(exc).lower():
        return "set ca_file to the CA that signed the directory's certificate"
    return "check url, port and tls in [source.directory]"
