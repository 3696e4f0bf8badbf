"""A standalone Dovecot IMAP server run from a temporary folder, as source or destination."""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lab.certs import Certificates
from lab.procs import BackgroundProcess, LabError, free_port, log_tail, run_command

# Mail processes refuse uid 0, so mail belongs to an account every Debian system has.
MAIL_USER = "nobody"
MAIL_GROUP = "nogroup"

# The folders Carbonio creates for every account, with their SPECIAL-USE flags.
DEFAULT_SYSTEM_FOLDERS: Mapping[str, str] = {
    "Drafts": "\\Drafts",
    "Junk": "\\Junk",
    "Sent": "\\Sent",
    "Trash": "\\Trash",
}

# Maildir info letters of the IMAP system flags.
_FLAG_LETTERS = {
    "\\draft": "D",
    "\\flagged": "F",
    "\\answered": "R",
    "\\seen": "S",
    "\\deleted": "T",
}
_KEYWORD_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Unix socket paths are limited to 108 bytes and Dovecot nests some sockets in base_dir.
_MAX_BASE_DIR = 80
_SAVE_LINE = re.compile(r"\((?P<user>[^()]+)\)(?:<[^<>]*>)*: Info: save: ")

_stamp_lock = threading.Lock()
_last_stamp = 0


@dataclass(frozen=True)
class LabMessage:
    """A message to place in a folder: its exact bytes, IMAP flags and keywords, INTERNALDATE.

    A naive internaldate is taken as UTC.
    """

    data: bytes
    flags: tuple[str, ...]
    internaldate: datetime


class Dovecot:
    """One Dovecot instance with master users, plain and TLS IMAP on 127.0.0.1.

    Each account and master user is a passwd-file of its own, so Dovecot sees a new one at
    once: it checks an already-read passwd-file for changes at most once a second.
    """

    def __init__(
        self,
        workdir: Path,
        name: str,
        separator: str,
        certificates: Certificates,
        system_folders: Mapping[str, str] | None = None,
    ) -> None:
        if separator not in {".", "/"}:
            raise LabError(f"separator must be '.' or '/', not {separator!r}")

        self.name = name
        self.directory = workdir / name
        self.certificates = certificates
        self.system_folders = dict(
            DEFAULT_SYSTEM_FOLDERS if system_folders is None else system_folders
        )
        self._separator = separator
        self._imap_port = free_port()
        self._imaps_port = free_port()
        self._instance = f"lab-{name}-{secrets.token_hex(3)}"
        self._process: BackgroundProcess | None = None

    @property
    def imap_port(self) -> int:
        """Plain IMAP port on 127.0.0.1, with STARTTLS."""
        return self._imap_port

    @property
    def imaps_port(self) -> int:
        """IMAPS port on 127.0.0.1."""
        return self._imaps_port

    @property
    def separator(self) -> str:
        """The hierarchy separator of the mail namespace."""
        return self._separator

    @property
    def conf_path(self) -> Path:
        """The standalone dovecot.conf of this instance."""
        return self.directory / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        """Dovecot's log file (errors, logins and one line per saved message)."""
        return self.directory / "dovecot.log"

    @property
    def mail_root(self) -> Path:
        """The folder under which every account has its home."""
        return self.directory / "mail"

    @property
    def running(self) -> bool:
        """Whether the master process is running."""
        return self._process is not None and self._process.running

    def start(self, timeout: float = 10.0) -> None:
        """Write the configuration, start Dovecot in the foreground and wait for both ports."""
        self._prepare_directories()
        self.conf_path.write_text(self._config())

        self._process = BackgroundProcess(
            ["dovecot", "-F", "-c", str(self.conf_path)], self.directory / "master.out"
        )
        self._process.start()
        try:
            self._process.wait_for_port(self._imap_port, timeout)
            self._process.wait_for_port(self._imaps_port, timeout)
        except LabError as error:
            self._process.stop()
            raise LabError(f"{error}\n{self.log_path}:\n{log_tail(self.log_path)}") from error

    def stop(self) -> None:
        """Stop the master and every Dovecot process under it, by the master's PID."""
        if self._process is not None:
            self._process.stop()

    def add_master(self, name: str, password: str) -> None:
        """Add or replace a master user, who may log in as any account.

        A new master user works at once; for a replaced one this waits out Dovecot's second.
        """
        _check_passwd_field(name, password)
        self._prepare_directories()
        path = self._account_file("masters", name)
        existed = path.exists()

        _write_auth_file(path, f"{name}:{{PLAIN}}{password}::::::\n")
        if existed:
            _wait_next_second()

    def remove_master(self, name: str) -> None:
        """Take away a master user's power to open other accounts."""
        path = self._account_file("masters", name)
        if not path.exists():
            return

        path.unlink()
        _wait_next_second()

    def add_user(self, address: str, password: str | None) -> None:
        """Create or replace an account; with no password only a master user can open it.

        A new account can log in as soon as this returns. A replaced password is read by
        Dovecot within a second, and this waits for that second to pass.
        """
        _check_passwd_field(address, password or "")
        self._prepare_directories()
        path = self._user_file(address)
        existed = path.exists()
        # No crypt() result is ever "*", so no password matches, yet master users may log in.
        secret = "{CRYPT}*" if password is None else "{PLAIN}" + password
        line = f"{address}:{secret}::::::\n"

        _write_auth_file(path, line)
        self._make_home(address)
        if existed:
            _wait_next_second()

    def set_quota(self, address: str, size: int | None) -> None:
        """Limit an account's mail to ``size`` bytes (None: no limit); saves over it are
        refused with ``NO [OVERQUOTA]``. Dovecot reads the change within a second."""
        path = self._user_file(address)
        if not path.exists():
            raise LabError(f"{address} is not an account of {self.name}")
        user = path.read_text().splitlines()[0].split(":")
        rule = "" if size is None else f"userdb_quota_rule=*:storage={size}B"
        _write_auth_file(path, ":".join(user[:7]) + f":{rule}\n")
        _wait_next_second()

    def remove_user(self, address: str) -> None:
        """Remove an account so it can no longer log in; its mail stays on disk."""
        path = self._user_file(address)
        if not path.exists():
            return

        path.unlink()
        _wait_next_second()

    def has_user(self, address: str) -> bool:
        """Whether the account exists."""
        return self._user_file(address).exists()

    def users(self) -> list[str]:
        """All accounts, sorted."""
        folder = self.directory / "users"
        if not folder.is_dir():
            return []
        return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))

    def doveadm(self, *args: str) -> str:
        """Run doveadm against this instance (never the system one) and return its output."""
        return run_command(["doveadm", "-c", str(self.conf_path), *args])

    def list_folders(self, user: str) -> list[str]:
        """The account's folder names, as Unicode with this instance's separator.

        Listing also creates the account's mail tree and its automatic folders.
        """
        return self.doveadm("mailbox", "list", "-u", user).splitlines()

    def create_folder(self, user: str, name: str, subscribe: bool = True) -> None:
        """Create a folder given by its Unicode name, and any missing parent, as a client would."""
        existing = set(self.list_folders(user))
        parts = name.split(self._separator)
        for depth in range(1, len(parts) + 1):
            folder = self._separator.join(parts[:depth])
            if folder in existing or folder.upper() == "INBOX":
                continue
            options = ["-s"] if subscribe else []
            self.doveadm("mailbox", "create", "-u", user, *options, folder)

    def folder_path(self, user: str, name: str) -> Path:
        """The Maildir directory of a folder given by its Unicode name, as Dovecot computes it."""
        path = Path(self.doveadm("mailbox", "path", "-u", user, name).strip())
        # doveadm answers inside the mail chroot.
        return self.mail_root / path.relative_to("/")

    def deliver(self, user: str, folder: str, messages: Iterable[LabMessage]) -> int:
        """Write messages straight into a folder's Maildir (created if missing) and resync.

        Much faster than APPEND; flags, keywords and INTERNALDATE come out as given, and
        UIDs follow the order of `messages`. Returns how many were written.
        """
        if folder not in self.list_folders(user):
            self.create_folder(user, folder)
        maildir = self.folder_path(user, folder)
        if not (maildir / "cur").is_dir():
            # Automatic folders have no directory until something opens them.
            self.doveadm("mailbox", "status", "-u", user, "messages", folder)
        uid, gid = _mail_owner()

        keywords = _read_keywords(maildir / "dovecot-keywords")
        known = len(keywords)
        count = 0
        for message in messages:
            letters = _info_letters(message.flags, keywords)
            _write_message(maildir, message, letters, uid, gid)
            count += 1

        if len(keywords) != known:
            _write_keywords(maildir / "dovecot-keywords", keywords, uid, gid)
        self.doveadm("force-resync", "-u", user, folder)
        return count

    def deliver_mailbox(
        self, user: str, folders: Iterable[tuple[str, Iterable[LabMessage], bool]]
    ) -> int:
        """Fill a whole account at once: (folder name, messages, subscribed) per folder.

        The same as one deliver() a folder, with a few doveadm runs per account instead of
        several per folder, which is what makes a large lab quick to build.
        """
        folders = list(folders)
        existing = set(self.list_folders(user))
        for subscribed in (True, False):
            missing = []
            for name, _messages, wanted in folders:
                parts = name.split(self._separator)
                for depth in range(1, len(parts) + 1):
                    folder = self._separator.join(parts[:depth])
                    if (
                        folder not in existing
                        and folder.upper() != "INBOX"
                        and wanted == subscribed
                    ):
                        missing.append(folder)
                        existing.add(folder)
            if missing:
                options = ["-s"] if subscribed else []
                self.doveadm("mailbox", "create", "-u", user, *options, *missing)

        names = [name for name, _messages, _wanted in folders]
        # Opening the folders makes the automatic ones get their Maildir directories.
        self.doveadm("mailbox", "status", "-u", user, "messages", *names)
        uid, gid = _mail_owner()
        count = 0
        for name, messages, _wanted in folders:
            maildir = self.folder_path(user, name)
            if not (maildir / "cur").is_dir():
                self.doveadm("mailbox", "status", "-u", user, "messages", name)
            keywords = _read_keywords(maildir / "dovecot-keywords")
            known = len(keywords)
            for message in messages:
                _write_message(maildir, message, _info_letters(message.flags, keywords), uid, gid)
                count += 1
            if len(keywords) != known:
                _write_keywords(maildir / "dovecot-keywords", keywords, uid, gid)

        self.doveadm("force-resync", "-u", user, "*")
        return count

    def count_saves(
        self, user: str | None = None, at_least: int | None = None, timeout: float = 10.0
    ) -> int:
        """Count the messages saved (APPEND, or delivery by a client) according to the log.

        Dovecot writes its log asynchronously: with `at_least`, wait up to `timeout` seconds
        for the count to reach it, then return whatever it is.
        """
        deadline = time.monotonic() + timeout
        while True:
            count = self._read_saves(user)
            if at_least is None or count >= at_least or time.monotonic() > deadline:
                return count
            time.sleep(0.05)

    def _read_saves(self, user: str | None) -> int:
        """Count the save lines of the log, for one user or all."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return 0

        matches = (_SAVE_LINE.search(line) for line in text.splitlines())
        return sum(1 for m in matches if m and (user is None or m.group("user") == user))

    def _make_home(self, address: str) -> None:
        """Create the account's home, which Dovecot would otherwise make only after login."""
        # Dovecot's %n and %d split the name at its first "@".
        local, _, domain = address.partition("@")
        uid, gid = _mail_owner()
        folder = self.mail_root
        for part in (domain, local):
            folder = folder / part
            if not folder.exists():
                folder.mkdir(mode=0o700)
                os.chown(folder, uid, gid)

    def _user_file(self, address: str) -> Path:
        """The passwd-file of one account."""
        return self._account_file("users", address)

    def _account_file(self, kind: str, name: str) -> Path:
        """The passwd-file of one account or master user."""
        if not name or "/" in name or name.startswith(".") or "%" in name:
            raise LabError(f"not a usable account name: {name!r}")
        return self.directory / kind / name

    def _prepare_directories(self) -> None:
        """Create the instance's folders with the owners and modes Dovecot's processes need."""
        base_dir = self.directory / "run"
        if len(str(base_dir)) > _MAX_BASE_DIR:
            raise LabError(f"{base_dir} is too long for Dovecot's unix sockets; use a shorter")

        for sub in ("run", "state", "users", "masters", "mail"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / "users").chmod(0o700)
        (self.directory / "masters").chmod(0o700)
        # Mail processes chroot into the mail root as root before they become the mail
        # user, so the folders above it may stay private (pytest makes them 0700).
        uid, gid = _mail_owner()
        os.chown(self.mail_root, uid, gid)

    def _config(self) -> str:
        """The standalone dovecot.conf text of this instance."""
        d = self.directory
        # With "/" the folders nest as directories, so names may hold a "." as on Carbonio.
        # TODO: this layout refuses folders named cur, new or tmp, which Carbonio accepts;
        # a source folder with such a name cannot be copied to this lab destination.
        layout = ":LAYOUT=fs" if self._separator == "/" else ""
        mailboxes = "".join(
            f'  mailbox "{_conf_escape(folder)}" {{\n'
            f"    auto = subscribe\n"
            f"    special_use = {flag}\n"
            f"  }}\n"
            for folder, flag in self.system_folders.items()
        )
        return f"""\
# Standalone lab instance: nothing here reads /etc/dovecot.
instance_name = {self._instance}
base_dir = {d / "run"}
state_dir = {d / "state"}
listen = 127.0.0.1
protocols = imap
log_path = {self.log_path}

ssl = yes
ssl_cert = <{self.certificates.cert_file}
ssl_key = <{self.certificates.key_file}
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
# Tests fail logins on purpose: answer at once, without the delay against password guessing
# (and without the growing penalty, see service anvil below).
auth_failure_delay = 0

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d / "masters" / "%u"}
  master = yes
  pass = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d / "users" / "%u"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d / "users" / "%u"}
  # "/./" makes the mail root a chroot, entered as root.
  default_fields = uid={MAIL_USER} gid={MAIL_GROUP} home={self.mail_root}/./%d/%n
}}

valid_chroot_dirs = {self.mail_root}
mail_location = maildir:~/Maildir{layout}
mail_plugins = $mail_plugins notify mail_log quota
namespace inbox {{
  inbox = yes
  prefix =
  separator = {self._separator}
{mailboxes}}}

plugin {{
  mail_log_events = save copy expunge
  mail_log_fields = uid box msgid size
  # No limit unless an account's userdb_quota_rule sets one (set_quota).
  quota = count:User quota
  quota_vsizes = yes
}}

protocol imap {{
  mail_max_userip_connections = 50
}}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self._imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self._imaps_port}
    ssl = yes
  }}
}}
# Root, so the 0600 passwd-files may sit in a private folder.
service auth {{
  user = root
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
# Mode 0 drops the socket; without it the auth process gives no penalty.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _check_passwd_field(name: str, password: str) -> None:
    """Refuse values that would break a passwd-file line."""
    for value in (name, password):
        if any(char in value for char in ":\n\r"):
            raise LabError("names and passwords in the lab may not contain ':' or line breaks")


def _write_auth_file(path: Path, text: str) -> None:
    """Atomically replace a 0600 passwd-file, giving it a new mtime.

    Dovecot notices a change by mtime (in seconds) and size, so the mtime always moves on.
    """
    previous = path.stat().st_mtime if path.exists() else 0.0
    temporary = path.with_name(f".{path.name}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)

    mtime = max(time.time(), previous + 1.0)
    os.utime(temporary, (mtime, mtime))
    temporary.replace(path)


def _wait_next_second() -> None:
    """Sleep into the next wall-clock second, when Dovecot re-checks a passwd-file it has read."""
    now = time.time()
    time.sleep(int(now) + 1.05 - now)


def _mail_owner() -> tuple[int, int]:
    """The uid and gid that own all mail files."""
    return pwd.getpwnam(MAIL_USER).pw_uid, grp.getgrnam(MAIL_GROUP).gr_gid


def _conf_escape(value: str) -> str:
    """Quote a value for a double-quoted dovecot.conf string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _read_keywords(path: Path) -> list[str]:
    """The keywords of a Maildir folder, by index, from its dovecot-keywords file."""
    keywords: list[str] = [""] * len(_KEYWORD_LETTERS)
    if path.exists():
        for line in path.read_text().splitlines():
            index, _, name = line.partition(" ")
            if index.isdigit() and int(index) < len(keywords) and name:
                keywords[int(index)] = name
    while keywords and not keywords[-1]:
        keywords.pop()
    return keywords


def _write_keywords(path: Path, keywords: list[str], uid: int, gid: int) -> None:
    """Write a dovecot-keywords file listing each keyword with its index."""
    text = "".join(f"{index} {name}\n" for index, name in enumerate(keywords) if name)
    temporary = path.with_name(".dovecot-keywords.new")
    temporary.write_text(text)
    os.chown(temporary, uid, gid)
    temporary.chmod(0o600)
    temporary.replace(path)


def _info_letters(flags: Iterable[str], keywords: list[str]) -> str:
    """The Maildir ':2,' letters of a message: system flags upper case, keywords a-z."""
    letters: set[str] = set()
    for flag in flags:
        if flag.startswith("\\"):
            letter = _FLAG_LETTERS.get(flag.lower())
            if letter is None:
                raise LabError(f"{flag} cannot be stored in a Maildir file name")
            letters.add(letter)
            continue

        if flag not in keywords:
            if len(keywords) == len(_KEYWORD_LETTERS):
                raise LabError(f"a Maildir folder holds at most 26 keywords; {flag} is one more")
            keywords.append(flag)
        letters.add(_KEYWORD_LETTERS[keywords.index(flag)])
    return "".join(sorted(letters))


def _next_stamp() -> tuple[int, int]:
    """A strictly increasing (seconds, microseconds) pair for Maildir base names.

    Dovecot gives new files UIDs in the order of these stamps, so they keep delivery order.
    """
    global _last_stamp
    with _stamp_lock:
        _last_stamp = max(_last_stamp + 1, time.time_ns() // 1000)
        return divmod(_last_stamp, 1_000_000)


def _write_message(maildir: Path, message: LabMessage, letters: str, uid: int, gid: int) -> None:
    """Write one message file through tmp/ into cur/, owned by the mail user."""
    seconds, micros = _next_stamp()
    data = message.data
    # W= is the size with every line ending as CRLF, which IMAP reports as RFC822.SIZE.
    virtual_size = len(data) + data.count(b"\n") - data.count(b"\r\n")
    base = f"{seconds}.M{micros}P{os.getpid()}.lab,S={len(data)},W={virtual_size}"

    temporary = maildir / "tmp" / base
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

    internaldate = message.internaldate
    if internaldate.tzinfo is None:
        internaldate = internaldate.replace(tzinfo=UTC)
    stamp = internaldate.timestamp()
    os.utime(temporary, (stamp, stamp))
    os.chown(temporary, uid, gid)
    temporary.rename(maildir / "cur" / f"{base}:2,{letters}")
