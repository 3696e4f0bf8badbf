"""The lab's real servers: slapd and two Dovecot instances, started from a temporary folder."""

from __future__ import annotations

import imaplib
import re
import secrets
import socket
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPSocketOpenError

from lab.certs import Certificates, make_certificates
from lab.dovecot import Dovecot, LabMessage
from lab.procs import BackgroundProcess, LabError, free_port
from lab.slapd import Slapd

pytestmark = pytest.mark.lab

USER = "alice@example.io"
LOCKED_USER = "bob@example.io"
MASTER = "admin"


@dataclass
class Servers:
    """Everything the tests of this module share."""

    certs: Certificates
    other_certs: Certificates
    slapd: Slapd
    src: Dovecot
    dst: Dovecot
    user_password: str
    master_password: str

    def dovecot(self, side: str) -> Dovecot:
        """The source or destination instance."""
        return self.src if side == "src" else self.dst


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """One slapd and two Dovecots (source with ".", destination with "/"), stopped at the end."""
    root = tmp_path_factory.mktemp("servers")
    # Private on purpose: the servers' unprivileged processes must not need to traverse it.
    root.chmod(0o700)
    certs = make_certificates(root / "certs")
    other_certs = make_certificates(root / "other-certs")
    user_password = secrets.token_urlsafe(12)
    master_password = secrets.token_urlsafe(12)

    slapd = Slapd(root, certs)
    src = Dovecot(root, "src", ".", certs)
    dst = Dovecot(root, "dst", "/", certs)
    started: list[Slapd | Dovecot] = []
    try:
        for server in (slapd, src, dst):
            server.start()
            started.append(server)
        for dovecot in (src, dst):
            dovecot.add_master(MASTER, master_password)
            dovecot.add_user(USER, user_password)
            dovecot.add_user(LOCKED_USER, None)
        yield Servers(certs, other_certs, slapd, src, dst, user_password, master_password)
    finally:
        for server in reversed(started):
            server.stop()


def _imap(dovecot: Dovecot) -> imaplib.IMAP4:
    """A plain IMAP connection to an instance."""
    return imaplib.IMAP4("127.0.0.1", dovecot.imap_port, timeout=10)


def _assert_inbox_opens(client: imaplib.IMAP4) -> None:
    """SELECT INBOX on a logged-in client must work (mail processes run, folders readable)."""
    typ, data = client.select("INBOX")
    assert typ == "OK"
    assert data[0] is not None and data[0].isdigit()


def _mark_inbox(dovecot: Dovecot, account: str) -> str:
    """Deliver a message with a unique subject to an account's INBOX and return the subject."""
    subject = f"marker-{secrets.token_hex(6)}"
    message = LabMessage(f"Subject: {subject}\r\n\r\n.\r\n".encode(), (), datetime.now(UTC))
    dovecot.deliver(account, "INBOX", [message])
    return subject


def _inbox_has(client: imaplib.IMAP4, subject: str) -> bool:
    """Whether the selected folder holds a message with this subject."""
    typ, data = client.search(None, "SUBJECT", subject)
    assert typ == "OK"
    return bool(data[0])


# --- processes and certificates ---------------------------------------------------------


def test_free_port_can_be_bound_and_is_not_repeated() -> None:
    ports = {free_port() for _ in range(20)}

    assert len(ports) == 20
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports.pop()))


def test_process_that_dies_reports_its_log(tmp_path: Path) -> None:
    process = BackgroundProcess(
        [sys.executable, "-c", "print('cannot bind: lab test'); raise SystemExit(3)"],
        tmp_path / "dies.log",
    )
    process.start()

    with pytest.raises(LabError, match=r"status 3.*\n.*cannot bind: lab test"):
        process.wait_for_port(free_port(), timeout=10)
    process.stop()
    process.stop()
    assert not process.running


def test_process_is_stopped_by_pid(tmp_path: Path) -> None:
    process = BackgroundProcess(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "sleeper.log"
    )
    process.start()
    pid = process.pid

    process.stop()
    assert pid is not None
    assert not process.running
    assert not Path(f"/proc/{pid}").exists()


def test_port_that_never_opens_times_out_with_a_clear_error(tmp_path: Path) -> None:
    process = BackgroundProcess(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "quiet.log"
    )
    process.start()
    try:
        with pytest.raises(LabError, match="did not open port"):
            process.wait_for_port(free_port(), timeout=0.3)
    finally:
        process.stop()


def test_certificate_keys_are_private(servers: Servers) -> None:
    assert servers.certs.key_file.stat().st_mode & 0o777 == 0o600
    assert servers.certs.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


# --- Dovecot: logins --------------------------------------------------------------------


@pytest.mark.parametrize("side", ["src", "dst"])
def test_plain_login(servers: Servers, side: str) -> None:
    client = _imap(servers.dovecot(side))
    client.login(USER, servers.user_password)

    _assert_inbox_opens(client)
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_mail_works_below_a_private_folder(servers: Servers, side: str) -> None:
    dovecot = servers.dovecot(side)
    assert dovecot.directory.parent.stat().st_mode & 0o777 == 0o700
    marker = _mark_inbox(dovecot, USER)

    client = _imap(dovecot)
    client.login(USER, servers.user_password)
    _assert_inbox_opens(client)
    assert _inbox_has(client, marker)
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_wrong_password_is_refused(servers: Servers, side: str) -> None:
    client = _imap(servers.dovecot(side))

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login(USER, servers.user_password + "x")
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
@pytest.mark.parametrize("account", [USER, LOCKED_USER])
def test_master_login_with_separator(servers: Servers, side: str, account: str) -> None:
    marker = _mark_inbox(servers.dovecot(side), account)
    client = _imap(servers.dovecot(side))
    client.login(f"{account}*{MASTER}", servers.master_password)

    _assert_inbox_opens(client)
    assert _inbox_has(client, marker)
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_master_login_with_sasl_authzid(servers: Servers, side: str) -> None:
    marker = _mark_inbox(servers.dovecot(side), LOCKED_USER)
    client = _imap(servers.dovecot(side))
    token = f"{LOCKED_USER}\0{MASTER}\0{servers.master_password}".encode()
    client.authenticate("PLAIN", lambda _challenge: token)

    _assert_inbox_opens(client)
    assert _inbox_has(client, marker)
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_account_without_password_opens_only_for_master(servers: Servers, side: str) -> None:
    for password in ("", "*", "{CRYPT}*"):
        client = _imap(servers.dovecot(side))
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(LOCKED_USER, password)
        client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_master_cannot_open_unknown_account(servers: Servers, side: str) -> None:
    client = _imap(servers.dovecot(side))

    with pytest.raises(imaplib.IMAP4.error, match="AUTHORIZATIONFAILED"):
        client.login(f"nobody-here@example.io*{MASTER}", servers.master_password)
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_unknown_master_or_wrong_master_password_is_refused(servers: Servers, side: str) -> None:
    for login in (f"{USER}*not-a-master", f"{USER}*{MASTER}"):
        client = _imap(servers.dovecot(side))
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(login, servers.master_password + "x")
        client.logout()


def test_accounts_change_without_restart(servers: Servers) -> None:
    dst = servers.dst
    address = f"new-{secrets.token_hex(4)}@example.io"
    first, second = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    assert not dst.has_user(address)

    dst.add_user(address, first)
    client = _imap(dst)
    client.login(address, first)
    _assert_inbox_opens(client)
    client.logout()

    dst.add_user(address, second)
    client = _imap(dst)
    client.login(address, second)
    client.logout()
    assert dst.has_user(address)
    assert address in dst.users()

    dst.remove_user(address)
    client = _imap(dst)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login(address, second)
    client.logout()
    assert not dst.has_user(address)


# --- Dovecot: TLS ----------------------------------------------------------------------


@pytest.mark.parametrize("side", ["src", "dst"])
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_imaps_verifies_with_lab_ca(servers: Servers, side: str, host: str) -> None:
    context = ssl.create_default_context(cafile=str(servers.certs.ca_file))
    dovecot = servers.dovecot(side)
    client = imaplib.IMAP4_SSL(host, dovecot.imaps_port, ssl_context=context, timeout=10)
    client.login(USER, servers.user_password)

    assert isinstance(client.sock, ssl.SSLSocket)
    assert client.sock.version() in {"TLSv1.2", "TLSv1.3"}
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_starttls_verifies_with_lab_ca(servers: Servers, side: str, host: str) -> None:
    context = ssl.create_default_context(cafile=str(servers.certs.ca_file))
    client = imaplib.IMAP4(host, servers.dovecot(side).imap_port, timeout=10)
    assert "STARTTLS" in client.capabilities

    typ, _ = client.starttls(ssl_context=context)
    assert typ == "OK"
    client.login(USER, servers.user_password)
    client.logout()


def test_other_ca_fails_verification(servers: Servers) -> None:
    context = ssl.create_default_context(cafile=str(servers.other_certs.ca_file))

    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL("localhost", servers.dst.imaps_port, ssl_context=context, timeout=10)
    client = _imap(servers.src)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(ssl_context=context)


# --- Dovecot: folders and mail ----------------------------------------------------------


@pytest.mark.parametrize(("side", "separator"), [("src", "."), ("dst", "/")])
def test_separator_is_as_configured(servers: Servers, side: str, separator: str) -> None:
    client = _imap(servers.dovecot(side))
    client.login(USER, servers.user_password)
    typ, data = client.list('""', '""')

    assert typ == "OK"
    assert data == [f'(\\Noselect) "{separator}" ""'.encode()]
    assert servers.dovecot(side).separator == separator
    client.logout()


@pytest.mark.parametrize("side", ["src", "dst"])
def test_system_folders_have_special_use_and_are_subscribed(servers: Servers, side: str) -> None:
    client = _imap(servers.dovecot(side))
    client.login(USER, servers.user_password)
    _, listed = client.list()
    _, subscribed = client.lsub()
    client.logout()

    listed_text = b"\n".join(line for line in listed if isinstance(line, bytes))
    subscribed_text = b"\n".join(line for line in subscribed if isinstance(line, bytes))
    for name in ("Trash", "Junk", "Sent", "Drafts"):
        assert re.search(rb"\\" + name.encode() + rb"\b[^\n]*\" " + name.encode(), listed_text)
        assert re.search(rb"\" " + name.encode() + rb"$", subscribed_text, re.MULTILINE)
    assert re.search(rb"\" INBOX$", listed_text, re.MULTILINE)


def _fetch_all(client: imaplib.IMAP4) -> list[tuple[int, set[str], datetime, bytes]]:
    """UID, flags, INTERNALDATE and body of every message of the selected folder."""
    typ, data = client.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
    assert typ == "OK"
    found = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        head = item[0].decode()
        uid = int(re.search(r"UID (\d+)", head).group(1))  # type: ignore[union-attr]
        flags = set(re.search(r"FLAGS \(([^)]*)\)", head).group(1).split())  # type: ignore[union-attr]
        date = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)  # type: ignore[union-attr]
        found.append((uid, flags, datetime.strptime(date, "%d-%b-%Y %H:%M:%S %z"), item[1]))
    return sorted(found)


@pytest.mark.parametrize("side", ["src", "dst"])
def test_deliver_reads_back_identically(servers: Servers, side: str) -> None:
    dovecot = servers.dovecot(side)
    folder = f"Projets{dovecot.separator}Société"
    paris = timezone(timedelta(hours=2))
    messages = [
        LabMessage(
            b"From: a@example.io\r\nSubject: first\r\nMessage-ID: <1@lab>\r\n\r\nHello\r\n",
            ("\\Seen", "$Forwarded"),
            datetime(2023, 5, 4, 10, 11, 12, tzinfo=paris),
        ),
        LabMessage(
            "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nCafé\r\n".encode(),
            ("\\Flagged", "\\Answered", "$Label1"),
            datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC),
        ),
        LabMessage(
            b"Subject: draft\r\n\r\n" + bytes(range(32, 127)) * 40 + b"\r\n",
            ("\\Draft", "$Forwarded", "$Label1"),
            datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        ),
    ]

    assert dovecot.deliver(USER, folder, messages) == 3

    client = _imap(dovecot)
    client.login(USER, servers.user_password)
    _, listed = client.list()
    wanted = f'"{dovecot.separator}" Projets{dovecot.separator}Soci&AOk-t&AOk-'.encode()
    assert any(isinstance(line, bytes) and line.endswith(wanted) for line in listed)
    typ, _ = client.select(f'"Projets{dovecot.separator}Soci&AOk-t&AOk-"', readonly=True)
    assert typ == "OK"
    fetched = _fetch_all(client)
    client.logout()

    assert [body for _, _, _, body in fetched] == [m.data for m in messages]
    for (_, flags, date, _), message in zip(fetched, messages, strict=True):
        assert set(message.flags) <= flags
        assert date == message.internaldate
    assert dovecot.folder_path(USER, folder).is_dir()


def test_deliver_into_inbox_and_special_folder_appends_after_existing(servers: Servers) -> None:
    src = servers.src
    when = datetime(2022, 2, 2, 2, 2, 2, tzinfo=UTC)
    before = _count_messages(servers, src, "Sent")

    src.deliver(USER, "Sent", [LabMessage(b"Subject: s1\r\n\r\nx\r\n", (), when)])
    src.deliver(USER, "Sent", [LabMessage(b"Subject: s2\r\n\r\ny\r\n", ("\\Seen",), when)])

    assert _count_messages(servers, src, "Sent") == before + 2
    client = _imap(src)
    client.login(USER, servers.user_password)
    client.select("Sent", readonly=True)
    bodies = [body for _, _, _, body in _fetch_all(client)]
    client.logout()
    assert bodies[-2:] == [b"Subject: s1\r\n\r\nx\r\n", b"Subject: s2\r\n\r\ny\r\n"]


def test_deliver_merges_keywords_that_dovecot_already_knows(servers: Servers) -> None:
    dst = servers.dst
    dst.create_folder(USER, "Mixed")
    client = _imap(dst)
    client.login(USER, servers.user_password)
    typ, _ = client.append("Mixed", "($FromImap)", None, b"Subject: imap\r\n\r\n1\r\n")
    assert typ == "OK"

    when = datetime(2020, 6, 1, tzinfo=UTC)
    message = LabMessage(b"Subject: lab\r\n\r\n2\r\n", ("$Lab", "$FromImap"), when)
    dst.deliver(USER, "Mixed", [message])

    client.select("Mixed", readonly=True)
    fetched = _fetch_all(client)
    client.logout()
    assert [flags - {"\\Recent"} for _, flags, _, _ in fetched] == [
        {"$FromImap"},
        {"$Lab", "$FromImap"},
    ]


def test_deliver_refuses_a_27th_keyword(servers: Servers) -> None:
    flags = tuple(f"$Keyword{number}" for number in range(27))
    message = LabMessage(b"Subject: many\r\n\r\n.\r\n", flags, datetime.now(UTC))

    with pytest.raises(LabError, match="at most 26 keywords"):
        servers.src.deliver(USER, "Many", [message])


def _count_messages(servers: Servers, dovecot: Dovecot, folder: str) -> int:
    """Messages in a folder, seen over IMAP."""
    client = _imap(dovecot)
    client.login(USER, servers.user_password)
    typ, data = client.select(folder, readonly=True)
    client.logout()
    assert typ == "OK"
    return int(data[0] or b"0")


def test_count_saves_counts_appends(servers: Servers) -> None:
    dst = servers.dst
    before_user = dst.count_saves(USER)
    before_all = dst.count_saves()
    client = _imap(dst)
    client.login(USER, servers.user_password)

    for number in range(4):
        message = f"Subject: appended {number}\r\n\r\nbody\r\n".encode()
        typ, _ = client.append("INBOX", "(\\Seen)", None, message)
        assert typ == "OK"
    client.logout()

    assert dst.count_saves(USER, at_least=before_user + 4) == before_user + 4
    assert dst.count_saves() == before_all + 4
    assert dst.count_saves(LOCKED_USER) == 0


# --- slapd ------------------------------------------------------------------------------


def _people_ldif(base_dn: str, count: int) -> str:
    """LDIF of `count` inetOrgPerson entries and one group that has a mail address."""
    entries = [
        f"dn: uid=user{number:04d},{base_dn}\n"
        "objectClass: inetOrgPerson\n"
        f"uid: user{number:04d}\n"
        f"cn: User {number}\n"
        "sn: User\n"
        f"mail: user{number:04d}@example.io\n"
        for number in range(count)
    ]
    entries.append(
        f"dn: cn=staff,{base_dn}\n"
        "objectClass: groupOfNames\n"
        "objectClass: extensibleObject\n"
        "cn: staff\n"
        "mail: staff@example.io\n"
        f"member: uid=user0000,{base_dn}\n"
        f"member: uid=user0001,{base_dn}\n"
    )
    return "\n".join(entries)


def test_slapd_paging_matters(servers: Servers) -> None:
    slapd = servers.slapd
    slapd.add_ldif(_people_ldif(slapd.base_dn, 600))

    assert slapd.count("(objectClass=inetOrgPerson)") == 600
    assert slapd.count("(&(objectClass=groupOfNames)(mail=staff@example.io))") == 1

    reader = ldap3.Connection(
        ldap3.Server(slapd.url), slapd.reader_dn, slapd.reader_password, auto_bind=True
    )
    reader.search(slapd.base_dn, "(objectClass=inetOrgPerson)", attributes=["uid"])
    assert reader.result["description"] == "sizeLimitExceeded"
    assert len(reader.entries) == 500

    paged = reader.extend.standard.paged_search(
        slapd.base_dn, "(objectClass=inetOrgPerson)", attributes=["uid"], paged_size=200
    )
    assert sum(1 for item in paged if item["type"] == "searchResEntry") == 600
    reader.unbind()


def test_slapd_modify_ldif(servers: Servers) -> None:
    slapd = servers.slapd
    slapd.add_ldif(
        f"dn: uid=changed,{slapd.base_dn}\nobjectClass: inetOrgPerson\nuid: changed\n"
        "cn: Changed\nsn: Changed\n"
    )

    slapd.modify_ldif(
        f"dn: uid=changed,{slapd.base_dn}\nchangetype: modify\n"
        "add: mail\nmail: changed@example.io\n"
    )
    assert slapd.count("(mail=changed@example.io)") == 1


def test_slapd_admin_password_only_in_private_config(servers: Servers) -> None:
    slapd = servers.slapd

    assert slapd.conf_path.stat().st_mode & 0o777 == 0o600
    assert slapd.admin_password in slapd.conf_path.read_text()
    assert slapd.admin_password not in slapd.log_path.read_text()
    admin = ldap3.Connection(
        ldap3.Server(slapd.url), slapd.admin_dn, slapd.admin_password, auto_bind=True
    )
    assert admin.extend.standard.who_am_i() == f"dn:{slapd.admin_dn}"
    admin.unbind()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_ldaps_verifies_with_lab_ca(servers: Servers, host: str) -> None:
    slapd = servers.slapd
    tls = ldap3.Tls(ca_certs_file=str(servers.certs.ca_file), validate=ssl.CERT_REQUIRED)
    server = ldap3.Server(host, port=slapd.ldaps_port, use_ssl=True, tls=tls)
    connection = ldap3.Connection(server, slapd.reader_dn, slapd.reader_password)

    assert connection.bind()
    assert connection.extend.standard.who_am_i() == f"dn:{slapd.reader_dn}"
    connection.unbind()


def test_ldaps_with_other_ca_fails(servers: Servers) -> None:
    slapd = servers.slapd
    tls = ldap3.Tls(ca_certs_file=str(servers.other_certs.ca_file), validate=ssl.CERT_REQUIRED)
    server = ldap3.Server("localhost", port=slapd.ldaps_port, use_ssl=True, tls=tls)

    with pytest.raises(LDAPSocketOpenError):
        ldap3.Connection(server, slapd.reader_dn, slapd.reader_password, auto_bind=True)
