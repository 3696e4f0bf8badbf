"""REST imports at `/service/home/{account}/{folder}` (reference 4.1-4.8).

`handle_rest` is independent of HTTP so that the prov interpreter's `postRestURL` goes through
exactly the same code as a client on the wire.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from urllib.parse import parse_qs, unquote

from lab.emulator import csvformats, ics, vcard
from lab.emulator.entries import Account
from lab.emulator.mailbox import Folder, Mailbox
from lab.emulator.restauth import RestAuth, authenticate, refuse
from lab.emulator.store import Store
from lab.emulator.web import HttpReply, error_reply

_PREFIXES = ("/service/home/", "/service/user/", "/home/")
_SAVE_FORMATS = ("ics", "csv", "vcf")
# Formats the server knows (so `fmt=` is not ignored) but the emulator does not import.
_OTHER_FORMATS = frozenset({
    "atom", "contact", "freebusy", "html", "ifb", "json", "native", "rss", "sync", "tar", "tgz",
    "xml", "zip",
})  # fmt: skip
_TYPE_FORMATS = {
    "text/calendar": "ics",
    "text/csv": "csv",
    "text/comma-separated-values": "csv",
    "text/plain": "csv",
    "text/vcard": "vcf",
}
_VIEW_FORMATS = {"appointment": "ics", "contact": "csv"}


@dataclass
class RestRequest:
    """An HTTP request as the REST servlet sees it (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    admin_port: bool
    cookies: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """A query parameter (first value; blank values count)."""
        values = parse_qs(self.query, keep_blank_values=True).get(name)
        return values[0] if values else None


def is_rest_path(path: str, user_port: bool) -> bool:
    """Whether the path belongs to the REST servlet on this kind of port."""
    prefixes = _PREFIXES if user_port else _PREFIXES[:2]
    return path.startswith(prefixes)


def handle_rest(store: Store, request: RestRequest) -> HttpReply:
    """Answer one REST request; imports succeed with 200 and an empty body.

    TODO: `callback=` (the browser's HTML answer) is ignored: the answer stays status-only.
    """
    if request.method not in ("POST", "PUT"):
        # TODO: REST export (GET) is not emulated; a real server would answer it.
        return error_reply(501, "only imports (POST/PUT) are emulated")
    with store.lock:
        return _import(store, request)


def _import(store: Store, request: RestRequest) -> HttpReply:
    """Authenticate, find the target account and folder, choose the format, import."""
    auth = authenticate(
        store,
        auth_param=request.param("auth"),
        cookies=request.cookies,
        query_token=request.param("zauthtoken") or request.param("authToken"),
        authorization=request.headers.get("authorization"),
        admin_port=request.admin_port,
    )
    account_path, item_path = _split_path(request.path)
    target = _target_account(store, auth, account_path)
    if target is None:
        return refuse(auth, "no such item")
    denied = _check_access(auth, target)
    if denied is not None:
        return denied

    box = store.mailbox(target.id)
    folder, fell_back = _resolve_folder(box, item_path)
    if folder is None:
        return refuse(auth, "no such item")
    fmt = _format(request, folder, fell_back)
    if fmt is None or fmt in _OTHER_FORMATS:
        return _unusable_format(auth, fmt, fell_back)

    store.rest_imports[(target.name, fmt)] += 1
    job = _Job(store, request, auth, target, box, folder)
    return _IMPORTERS[fmt](job)


def _split_path(path: str) -> tuple[str, str]:
    """(account, folder path) from the URL path, percent-decoded."""
    prefix = next(p for p in _PREFIXES if path.startswith(p))
    rest = path[len(prefix) :]
    account, _, item = rest.partition("/")
    return unquote(account), unquote(item).strip("/")


def _target_account(store: Store, auth: RestAuth, account_path: str) -> Account | None:
    """`~` is the authenticated account, `~name` is name; a bare name gets the default domain."""
    if account_path == "~":
        return auth.account
    name = account_path[1:] if account_path.startswith("~") else account_path
    if name and "@" not in name:
        default_domain = store.config.first("zimbraDefaultDomainName")
        name = f"{name}@{default_domain}" if default_domain else name
    return store.account_by_name(name) if name else None


def _check_access(auth: RestAuth, target: Account) -> HttpReply | None:
    """Account status rules, then who may write: the owner, or an admin.

    TODO: delegated admins are allowed on every account (rights are not modelled).
    """
    privileged = auth.is_admin or (auth.token is not None and auth.token.delegated)
    if target.status == "maintenance":
        return refuse(auth, "account is in maintenance mode")
    if target.status != "active" and not privileged:
        return refuse(auth, f"account is not active:{target.name}")
    if auth.account is None or (auth.account.id != target.id and not auth.is_admin):
        return refuse(auth, "no such item")
    return None


def _resolve_folder(box: Mailbox, item_path: str) -> tuple[Folder | None, bool]:
    """The folder, or on a miss its parent (the last component is then a file name)."""
    folder = box.resolve(item_path)
    if folder is not None:
        return folder, False
    parent, sep, _ = item_path.rpartition("/")
    if not sep or not parent:
        return None, False
    return box.resolve(parent), True


def _format(request: RestRequest, folder: Folder, fell_back: bool) -> str | None:
    """`fmt` if known; else (unless a file name was given) Content-Type; else folder view."""
    fmt = request.param("fmt")
    if fmt in _SAVE_FORMATS or fmt in _OTHER_FORMATS:
        return fmt
    if fell_back:
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return _TYPE_FORMATS.get(content_type) or _VIEW_FORMATS.get(folder.view)


def _unusable_format(auth: RestAuth, fmt: str | None, fell_back: bool) -> HttpReply:
    """No format at all is 400; a file-name POST gets the native formatter, which refuses."""
    if fell_back and fmt is None:
        return refuse(auth, "unsupported format")
    if fmt is None:
        return error_reply(400, "unsupported format")
    # TODO: archive (tgz/zip/tar) and other save formats are not emulated.
    return error_reply(501, f"format {fmt} is not emulated")


def request_payload(request: RestRequest) -> bytes:
    """The uploaded data: raw body, gunzipped if so encoded, or the first file part."""
    body = request.body
    if request.headers.get("content-encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts = [p for p in message.walk() if not p.is_multipart()]
    files = [p for p in parts if p.get_filename() is not None] or parts
    return _part_bytes(files[0]) if files else b""


def _part_bytes(part: Message) -> bytes:
    """A MIME part's decoded content."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _charset(request: RestRequest, *, url_param: bool) -> str:
    """Charset from the URL (vCard only), else the Content-Type, else UTF-8."""
    if url_param and request.param("charset"):
        return request.param("charset") or "utf-8"
    match = re.search(r"charset=\"?([^\";]+)", request.headers.get("content-type", ""), re.I)
    return match.group(1).strip() if match else "utf-8"


def _decode(data: bytes, charset: str) -> str:
    """Decode text, falling back to Latin-1 for an unknown charset name."""
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("latin-1")


@dataclass
class _Job:
    """Everything an importer needs about one accepted request."""

    store: Store
    request: RestRequest
    auth: RestAuth
    target: Account
    box: Mailbox
    folder: Folder


def _import_ics(job: _Job) -> HttpReply:
    """fmt=ics: the full-parse/stream decision uses the request's Content-Length."""
    request = job.request
    text = _decode(request_payload(request), _charset(request, url_param=False))
    size = int(request.headers.get("content-length") or -1)
    ignore = request.param("ignore") == "1"
    try:
        ics.import_ics(job.box, job.folder.id, text, body_size=size, ignore_errors=ignore)
    except ics.IcsImportError as exc:
        return error_reply(500, str(exc))
    return HttpReply(200)


def _import_csv(job: _Job) -> HttpReply:
    """fmt=csv: size limit, charset guess, format and locale selection, contact limit."""
    data = request_payload(job.request)
    limit = _csv_size_limit(job.store, job.request)
    if limit > 0 and len(data) > limit:
        return error_reply(500, f"upload over {limit} byte limit")

    try:
        contacts = csvformats.parse_contacts(
            _csv_text(data),
            job.request.param("csvfmt"),
            _csv_locale(job.store, job.request, job.auth),
            job.store.csv_formats_broken,
        )
    except csvformats.CsvParseError as exc:
        return error_reply(400, f"Could not parse csv file - Reason : {exc}")
    return _store_contacts(job, contacts)


def _csv_size_limit(store: Store, request: RestRequest) -> int:
    """zimbraMtaMaxMessageSize, or zimbraFileUploadMaxSize with the `lbfums` parameter."""
    if request.param("lbfums") is not None:
        value = store.server_attrs(store.server).first("zimbraFileUploadMaxSize")
    else:
        value = store.config.first("zimbraMtaMaxMessageSize")
    return int(value or 0)


def _csv_text(data: bytes) -> str:
    """UTF-8 when it decodes, else Windows-1252 (what charset detection finds for Latin text)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_locale(store: Store, request: RestRequest, auth: RestAuth) -> str:
    """csvlocale, else language/country/variant, else the caller's zimbraPrefLocale,
    else Accept-Language, else the server default en_US."""
    explicit = request.param("csvlocale")
    if explicit:
        return explicit
    language = request.param("language")
    if language:
        parts = [language, request.param("country") or "", request.param("variant") or ""]
        return "_".join(p for p in parts if p)
    if auth.account is not None:
        preferred = store.account_attrs(auth.account).first("zimbraPrefLocale")
        if preferred:
            return preferred
    accept = request.headers.get("accept-language", "").split(",")[0].split(";")[0].strip()
    return accept.replace("-", "_") if accept else "en_US"


def _import_vcf(job: _Job) -> HttpReply:
    """fmt=vcf: every card is a new contact."""
    text = _decode(request_payload(job.request), _charset(job.request, url_param=True))
    try:
        contacts = vcard.parse_vcards(text)
    except vcard.NoVcardFields as exc:
        return error_reply(400, str(exc))
    except vcard.VcardError as exc:
        return error_reply(500, f"parse error: {exc}")
    return _store_contacts(job, contacts)


def _store_contacts(job: _Job, contacts: list[dict[str, str]]) -> HttpReply:
    """Create contacts one by one; past zimbraContactMaxNumEntries the rest fail (500)."""
    limit = int(job.store.account_attrs(job.target).first("zimbraContactMaxNumEntries") or 0)
    for fields in contacts:
        if limit > 0 and len(job.box.contacts) >= limit:
            return error_reply(500, f"mail.TOO_MANY_CONTACTS: maximum number is {limit}")
        job.box.add_contact(job.folder.id, fields)
    return HttpReply(200)


_IMPORTERS = {"ics": _import_ics, "csv": _import_csv, "vcf": _import_vcf}
