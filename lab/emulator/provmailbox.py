"""`selectMailbox` (`sm`) and the zmmailbox commands it runs (reference 2.6).

`sm ACCOUNT postRestURL PATH FILE` gets a delegated user token and POSTs the file as
multipart/form-data through the emulator's own HTTP router, like zmmailbox does on the wire.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from lab.emulator import faults
from lab.emulator.element import Element
from lab.emulator.handlers import Caller, Context, invoke
from lab.emulator.handlers.mail import MAIL_NS
from lab.emulator.provlex import parse_line
from lab.emulator.provsession import Session, is_uuid
from lab.emulator.restauth import ADMIN_COOKIE, USER_COOKIE

if TYPE_CHECKING:
    from lab.emulator.server import CarbonioEmulator

_SECONDS_PER_DAY = 86400
_FLAGS = {"-i": "ignore", "--ignore": "ignore", "--preserveAlarms": "preserve"}
_PRU_VALUES = {"-c": "type", "--contentType": "type", "-u": "url", "--url": "url"}
_CF_VALUES = {"-V": "view", "--view": "view", "-c": "color", "--color": "color"}


@dataclass
class _Mailbox:
    """A selected mailbox: its account name and the delegated token acting for it."""

    session: Session
    name: str
    account_id: str
    token: str


def select_mailbox(session: Session, args: list[str]) -> None:
    """`sm ACCOUNT [command ...]`: alone it reads following lines until `exit`."""
    mailbox = _open(session, args[1])
    if len(args) < 3:
        _interactive(mailbox)
    else:
        _execute(mailbox, args[2:])


def _open(session: Session, key: str) -> _Mailbox:
    """GetAccountInfoRequest, then DelegateAuthRequest for one day."""
    by = "id" if is_uuid(key) else "name"
    info_request = session.request("GetAccountInfoRequest")
    info_request.add("account", key, by=by)
    info = session.send(info_request)
    name = (info.first("name") or Element("name", text=key)).value
    account_id = next((a.value for a in info.all("a") if a.get("n") == "zimbraId"), "")

    delegate = session.request("DelegateAuthRequest", duration=str(_SECONDS_PER_DAY))
    delegate.add("account", key, by=by)
    token = session.send(delegate).first("authToken")
    return _Mailbox(session, name, account_id, token.value if token is not None else "")


def _interactive(mailbox: _Mailbox) -> None:
    """The nested `mbox NAME> ` shell; its errors are printed but do not count for prov."""
    session = mailbox.session
    # TODO: the size figure is not formatted exactly like the server's client.
    session.println(f"mailbox: {mailbox.name}, size: 0 B, messages: 0, unread: 0")
    session.println(f"authenticated as {mailbox.name}")
    while True:
        session.print(f"mbox {mailbox.name}> ")
        line = next(session.lines, None)
        if line is None:
            return
        args = parse_line(line)
        if not args:
            continue
        try:
            if not _execute(mailbox, args):
                return
        except faults.SoapFault as fault:
            session.report(fault)


def _execute(mailbox: _Mailbox, args: list[str]) -> bool:
    """Run one zmmailbox command; False when it was `exit`/`quit`."""
    command = args[0].lower()
    if command in ("exit", "quit"):
        return False
    if command in ("postresturl", "pru"):
        _post_rest_url(mailbox, args[1:])
    elif command in ("createfolder", "cf"):
        _create_folder(mailbox, args[1:])
    else:
        # TODO: other zmmailbox commands are not emulated and read as unknown here.
        raise faults.client_error(f"Unknown command: ({args[0]}) Type: 'help commands' for a list")
    return True


def _options(
    session: Session, args: list[str], valued: dict[str, str], usage: str
) -> tuple[dict[str, str], list[str]] | None:
    """Leading options of a zmmailbox command (flags map to "1"); None after printing usage.

    Parsing stops at the first non-option, as the client's parser does.
    """
    found: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        option = args[i]
        if option in _FLAGS:
            found[_FLAGS[option]] = "1"
        elif option in valued and i + 1 < len(args):
            found[valued[option]] = args[i + 1]
            i += 1
        else:
            session.println(f"usage:\n\n{usage}\n")
            return None
        i += 1
    return found, args[i:]


def _post_rest_url(mailbox: _Mailbox, args: list[str]) -> None:
    """`pru [-c type] [-i] [--preserveAlarms] [-u url] PATH FILE`."""
    session = mailbox.session
    usage = "postRestURL(pru) [opts] {relative-path} {file-name}"
    parsed = _options(session, args, _PRU_VALUES, usage)
    if parsed is None:
        return
    options, rest = parsed
    if len(rest) != 2:
        session.println(f"usage:\n\n{usage}\n")
        return

    relative, file_name = rest
    path = session.cwd / file_name
    if not path.is_file():
        raise faults.client_error(
            f"file not found: {file_name}",
            cause=f"java.io.FileNotFoundException {file_name} (No such file or directory)",
        )
    status = _upload(mailbox, _with_flags(relative, options), path.read_bytes(), options)
    if status != 200:
        raise faults.failure(f"POST failed, status={status} {status}")


def _with_flags(relative: str, options: dict[str, str]) -> str:
    """Append ignore=1 / preserveAlarms=1 as the client does."""
    for option, param in (("ignore", "ignore=1"), ("preserve", "preserveAlarms=1")):
        if option in options:
            relative += ("&" if "?" in relative else "?") + param
    return relative


def _upload(mailbox: _Mailbox, relative: str, data: bytes, options: dict[str, str]) -> int:
    """POST one multipart part named `upfile` to the account's REST URL; return the status."""
    emulator = mailbox.session.emulator
    role = _role_for(emulator, options.get("url"))
    path_part, sep, query = relative.partition("?")
    encoded = "/".join(quote(p, safe="@~!$&'()*+,;=:") for p in path_part.split("/"))
    base = f"/home/{mailbox.name}" if role == "user" else f"/service/home/{mailbox.name}"
    path = base + ("" if encoded.startswith("/") else "/") + encoded

    boundary = secrets.token_hex(12)
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="upfile"; filename="file"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    cookie = USER_COOKIE if role == "user" else ADMIN_COOKIE
    headers = {
        "content-type": f"multipart/form-data; boundary={boundary}",
        "content-length": str(len(body)),
        "cookie": f"{cookie}={mailbox.token}",
        "host": f"localhost:{_port_or_zero(emulator, role)}",
    }
    reply = emulator.route(role, "POST", path, query if sep else "", headers, body)
    return reply.status


def _role_for(emulator: CarbonioEmulator, url: str | None) -> str:
    """Which listener a `-u` URL names (the user port unless it is an admin port)."""
    port = urlsplit(url).port if url else None
    for role in ("mailbox", "proxy"):
        if port is not None and port == _port_or_zero(emulator, role):
            return role
    return "user"


def _port_or_zero(emulator: CarbonioEmulator, role: str) -> int:
    """A listener's port, or 0 when the emulator is not listening."""
    try:
        return emulator.port(role)
    except KeyError:
        return 0


def _create_folder(mailbox: _Mailbox, args: list[str]) -> None:
    """`cf [-V view] PATH`: CreateFolderRequest in the selected mailbox; prints the new id."""
    session = mailbox.session
    usage = "createFolder(cf) [opts] {folder-name}"
    parsed = _options(session, args, _CF_VALUES, usage)
    if parsed is None:
        return
    options, rest = parsed
    if len(rest) != 1:
        session.println(f"usage:\n\n{usage}\n")
        return

    request = Element("CreateFolderRequest", ns=MAIL_NS)
    path = rest[0] if rest[0].startswith("/") else f"/{rest[0]}"
    request.add("folder", name=path, view=options.get("view", "message"))
    account = session.store.accounts.get(mailbox.account_id)
    token = session.store.tokens.find(mailbox.token)
    if account is None or token is None:
        raise faults.auth_required()
    ctx = Context(session.store, caller=Caller(account, token, global_admin=False))
    folder = invoke(ctx, request, None, frozenset({MAIL_NS})).first("folder")
    session.println(folder.get("id") or "" if folder is not None else "")
