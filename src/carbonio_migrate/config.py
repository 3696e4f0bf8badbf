"""migration.toml: reading it, validating every key, and reporting all problems at once.

The file describes the source (directory and IMAP), the destination (Carbonio's admin API and
IMAP), how addresses change, where the exported files are, and how much runs in parallel.
Passwords are never values in this file: each is named by ``password_env`` or
``password_file`` (or asked for at the terminal), see :mod:`carbonio_migrate.secrets`.
"""

from __future__ import annotations

import difflib
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from carbonio_migrate.errors import ConfigError

DEFAULT_CONFIG_NAME = "migration.toml"
DEFAULT_STATE_NAME = "migration-state.sqlite"

Port = Annotated[int, Field(ge=1, le=65535)]


def _from_config_folder(value: Path, info: ValidationInfo) -> Path:
    """Relative paths in the file are taken from the folder of the file."""
    base = (info.context or {}).get("base_dir")
    return value if value.is_absolute() or base is None else Path(base) / value


ConfigPath = Annotated[Path, AfterValidator(_from_config_folder)]


class DirectoryKind(StrEnum):
    """Which kind of directory the people and groups live in."""

    OPENLDAP = "openldap"
    ACTIVE_DIRECTORY = "active-directory"


class LdapTls(StrEnum):
    """How the LDAP connection is protected."""

    LDAPS = "ldaps"
    STARTTLS = "starttls"
    NONE = "none"


class ImapTls(StrEnum):
    """How an IMAP connection is protected."""

    IMPLICIT = "implicit"
    STARTTLS = "starttls"
    NONE = "none"


class ImapLogin(StrEnum):
    """How the administrator opens somebody else's mailbox."""

    SASL_PLAIN = "sasl-plain"  # AUTHENTICATE PLAIN with an authorization identity
    MASTER_USER = "master-user"  # LOGIN user<separator>admin, as Dovecot's master users


class _Section(BaseModel):
    """A configuration table: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(_Section):
    """Where one password comes from; a plain ``password`` value is refused on purpose."""

    password: Any = Field(default=None, exclude=True)
    password_env: str | None = None
    password_file: ConfigPath | None = None

    @field_validator("password")
    @classmethod
    def _no_plain_password(cls, value: Any) -> None:
        if value is not None:
            raise ValueError(
                "plain passwords are not accepted in the configuration file; name an "
                "environment variable with password_env or a 0600 file with password_file"
            )
        return

    @model_validator(mode="after")
    def _one_source(self) -> Credentials:
        if self.password_env and self.password_file:
            raise ValueError("give either password_env or password_file, not both")
        return self


class DirectorySettings(Credentials):
    """The source directory: Active Directory or OpenLDAP."""

    kind: DirectoryKind = DirectoryKind.OPENLDAP
    url: str
    tls: LdapTls = LdapTls.LDAPS
    ca_file: ConfigPath | None = None
    verify_tls: bool = True
    bind_dn: str
    base_dn: str
    user_filter: str | None = None
    group_filter: str | None = None
    disabled_filter: str | None = None
    include_disabled: bool = False
    page_size: Annotated[int, Field(ge=1, le=10000)] = 500
    timeout: Annotated[float, Field(gt=0)] = 30.0
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _ldap_url(cls, value: str) -> str:
        if not value.startswith(("ldap://", "ldaps://")):
            raise ValueError("must start with ldap:// or ldaps://, e.g. ldaps://dc1.corp:636")
        return value

    @field_validator("user_filter", "group_filter", "disabled_filter")
    @classmethod
    def _ldap_filter(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("(") and value.endswith(")")):
            raise ValueError("an LDAP filter must be enclosed in parentheses, e.g. (uid=*)")
        return value

    @model_validator(mode="after")
    def _tls_matches_url(self) -> DirectorySettings:
        if self.url.startswith("ldaps://") and self.tls != LdapTls.LDAPS:
            raise ValueError('an ldaps:// url needs tls = "ldaps"')
        if self.url.startswith("ldap://") and self.tls == LdapTls.LDAPS:
            raise ValueError('tls = "ldaps" needs an ldaps:// url; use starttls for ldap://')
        return self


class ImapSettings(Credentials):
    """An IMAP server and the administrator who may open every mailbox on it."""

    host: str
    port: Port | None = None
    tls: ImapTls = ImapTls.IMPLICIT
    ca_file: ConfigPath | None = None
    verify_tls: bool = True
    admin_user: str
    login: ImapLogin = ImapLogin.SASL_PLAIN
    master_separator: str = "*"
    timeout: Annotated[float, Field(gt=0)] = 60.0

    @property
    def effective_port(self) -> int:
        """The configured port, or the standard one for the TLS mode."""
        if self.port is not None:
            return self.port
        return 993 if self.tls == ImapTls.IMPLICIT else 143


class DestinationSettings(Credentials):
    """Carbonio: its admin SOAP endpoint, its IMAP service and the REST import base."""

    admin_url: str
    admin_user: str
    ca_file: ConfigPath | None = None
    verify_tls: bool = True
    rest_url: str | None = None
    timeout: Annotated[float, Field(gt=0)] = 60.0
    imap: ImapSettings

    @field_validator("admin_url", "rest_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL, e.g. https://mail.example.com:6071")
        return value.rstrip("/") if value else value


class DavSettings(Credentials):
    """A CalDAV/CardDAV server to read calendars and address books from, instead of files.

    ``url`` (and ``contacts_url`` when address books live elsewhere) is the folder holding an
    account's collections, with ``{account}`` where the account's source address goes. Either
    ``user`` is an administrator allowed to read every account, or ``user_passwords_file`` (a
    0600 file of ``address password`` lines) lets each account sign in as itself.
    """

    url: str
    contacts_url: str | None = None
    user: str | None = None
    user_passwords_file: ConfigPath | None = None
    ca_file: ConfigPath | None = None
    verify_tls: bool = True
    timeout: Annotated[float, Field(gt=0)] = 60.0

    @field_validator("url", "contacts_url")
    @classmethod
    def _dav_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL, e.g. https://dav.example.com/{account}/")
        return value if "{account}" in value else value.rstrip("/") + "/{account}/"

    @model_validator(mode="after")
    def _one_login(self) -> DavSettings:
        if (self.user is None) == (self.user_passwords_file is None):
            raise ValueError(
                "give either user (an administrator, with password_env or password_file) "
                "or user_passwords_file (each account signs in as itself)"
            )
        return self


class SourceSettings(_Section):
    """Where the organisation comes from."""

    directory: DirectorySettings
    imap: ImapSettings
    dav: DavSettings | None = None


class MappingSettings(_Section):
    """How source addresses become destination addresses."""

    domains: dict[str, str] = Field(default_factory=dict)

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, value: dict[str, str]) -> dict[str, str]:
        for old, new in value.items():
            for name in (old, new):
                if "@" in name or "." not in name or name != name.strip():
                    raise ValueError(f"{name!r} is not a domain name such as example.com")
        return {old.lower(): new.lower() for old, new in value.items()}


class FileSettings(_Section):
    """Exported files that the phases read."""

    calendars: ConfigPath | None = None
    contacts: ConfigPath | None = None
    distribution_lists: ConfigPath | None = None


class PasswordPolicy(StrEnum):
    """What password accounts created directly get."""

    NONE = "none"  # no password: single sign-on, or set later
    RANDOM = "random"  # a random one each, written once to a 0600 file
    EXTERNAL = "external"  # users keep logging in with their directory password


class ProvisionSettings(_Section):
    """Phase 1: how accounts and distribution lists are provisioned."""

    autoprov: bool = True
    create_accounts: bool = True
    password_policy: PasswordPolicy = PasswordPolicy.NONE
    passwords_file: ConfigPath = Field(
        default=Path("account-passwords.txt"), validate_default=True
    )
    flatten_nested_groups: bool = False
    lists_from_directory: bool = True
    server: str | None = None
    polling_interval: str = "1m"

    @field_validator("polling_interval")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not value or not value[:-1].isdigit() or value[-1] not in "smhd":
            raise ValueError("a duration such as 30s, 1m, 15m or 1h")
        return value


class RestAuthMode(StrEnum):
    """Whose token calendars and contacts are imported with."""

    ADMIN = "admin"  # the administrator's token, on the admin port, account in the URL
    DELEGATED = "delegated"  # a user token per account (DelegateAuthRequest), as prov's sm


class ContactFormatChoice(StrEnum):
    """The form contacts are sent to Carbonio in."""

    CARBONIO_CSV = "carbonio-csv"  # headers are Carbonio's field names: works on every release
    VCARD = "vcard"  # keeps photos
    THUNDERBIRD_CSV = "thunderbird-csv"  # the documented procedure's layout


class ImportSettings(_Section):
    """Phases 2-2 and 2-3: how calendars and contacts are sent to Carbonio's REST import."""

    auth: RestAuthMode = RestAuthMode.ADMIN
    contact_format: ContactFormatChoice = ContactFormatChoice.CARBONIO_CSV
    csvlocale: str = "en_US"
    contacts_per_request: Annotated[int, Field(ge=1, le=10000)] = 100

    @field_validator("csvlocale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if not value.replace("_", "").isalpha():
            raise ValueError("must be a locale such as en_US")
        return value


class MailSettings(_Section):
    """Phase 2-1: which folders are copied, the same on every run (``mail`` and ``verify``).

    Shell-style patterns on the folder's path with ``/`` between levels; patterns given on
    the command line are added to these.
    """

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class RunSettings(_Section):
    """Parallelism and where progress is kept."""

    workers: Annotated[int, Field(ge=1, le=256)] = 4
    state: str | None = None


class Settings(_Section):
    """The whole validated configuration; ``base_dir`` is the folder of migration.toml."""

    source: SourceSettings
    destination: DestinationSettings
    mapping: MappingSettings = Field(default_factory=MappingSettings)
    files: FileSettings = Field(default_factory=FileSettings)
    provision: ProvisionSettings = Field(default_factory=ProvisionSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    base_dir: Path = Field(default=Path(), exclude=True)

    @property
    def state_url(self) -> str:
        """The state store's sqlite:/// URL, by default a file beside the config."""
        state = self.run.state or DEFAULT_STATE_NAME
        if "://" in state:
            return state
        path = Path(state)
        return f"sqlite:///{path if path.is_absolute() else self.base_dir / path}"

    def map_address(self, address: str) -> str:
        """The destination address for a source address (domain renames applied)."""
        local, _, domain = address.strip().lower().rpartition("@")
        if not local:
            return address.strip().lower()
        return f"{local}@{self.mapping.domains.get(domain, domain)}"


def load_settings(path: Path) -> Settings:
    """Read and validate ``path``; every problem in it is reported in one ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file",
            problems=["create one with: carbonio-migrate init --preset openldap|ad"],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML", problems=[str(exc)]) from None

    return parse_settings(raw, origin=path)


def parse_settings(raw: dict[str, Any], *, origin: Path) -> Settings:
    """Validate a parsed TOML document; relative paths are taken from ``origin``'s folder."""
    base_dir = origin.resolve().parent
    try:
        settings = Settings.model_validate(raw, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise ConfigError(
            f"{origin}: {len(problems)} problem(s) in the configuration", problems=problems
        ) from None
    return settings.model_copy(update={"base_dir": base_dir})


def _describe(error: Any) -> str:
    """One line for one validation error: the dotted key, what is wrong, and the fix."""
    location = [str(part) for part in error["loc"]]
    key = ".".join(location) or "(top level)"
    kind = error["type"]

    if kind == "extra_forbidden":
        return f"{key}: unknown key{_suggestion(location)}"
    if kind == "missing":
        return f"{key}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}"


def _suggestion(location: list[str]) -> str:
    """'; did you mean X?' when an unknown key is a near miss of a known one."""
    model: type[BaseModel] | None = Settings
    for part in location[:-1]:
        field = model.model_fields.get(part) if model else None
        annotation = field.annotation if field else None
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation if is_model else None  # type: ignore[assignment]
    if model is None:
        return ""
    close = difflib.get_close_matches(location[-1], list(model.model_fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
