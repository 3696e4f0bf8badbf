"""OpenLDAP slapd run from a temporary folder, as the source directory of the lab."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path

from lab.certs import Certificates
from lab.procs import BackgroundProcess, LabError, free_port, run_command

SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
# Order matters: inetorgperson needs cosine, which needs core.
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


class Slapd:
    """One slapd with one mdb database, listening on ldap:// and ldaps:// on 127.0.0.1.

    The admin (the rootdn) is above every limit; the reader is an ordinary service account that
    the size limit applies to, like the account a migration would be given on a real directory.
    """

    def __init__(
        self,
        workdir: Path,
        certificates: Certificates,
        suffix: str = "dc=example,dc=io",
        size_limit: int = 500,
    ) -> None:
        self.directory = workdir / "slapd"
        self.certificates = certificates
        self.size_limit = size_limit
        self._suffix = suffix
        self._admin_password = secrets.token_urlsafe(18)
        self._reader_password = secrets.token_urlsafe(18)
        self._port = free_port()
        self._ldaps_port = free_port()
        self._process: BackgroundProcess | None = None
        self._seeded = False

    @property
    def url(self) -> str:
        """The plain LDAP URL, e.g. ldap://127.0.0.1:40123."""
        return f"ldap://127.0.0.1:{self._port}"

    @property
    def ldaps_url(self) -> str:
        """The LDAPS URL, served with the lab certificate."""
        return f"ldaps://127.0.0.1:{self._ldaps_port}"

    @property
    def port(self) -> int:
        """The plain LDAP port on 127.0.0.1."""
        return self._port

    @property
    def ldaps_port(self) -> int:
        """The LDAPS port on 127.0.0.1."""
        return self._ldaps_port

    @property
    def base_dn(self) -> str:
        """The suffix of the database."""
        return self._suffix

    @property
    def admin_dn(self) -> str:
        """The rootdn: may write anything and is not bound by any size limit."""
        return f"cn=admin,{self._suffix}"

    @property
    def admin_password(self) -> str:
        """The rootdn password, random per instance and written only to the 0600 slapd.conf."""
        return self._admin_password

    @property
    def reader_dn(self) -> str:
        """A read-only service account, subject to the size limit like any ordinary bind."""
        return f"cn=reader,{self._suffix}"

    @property
    def reader_password(self) -> str:
        """The reader password, random per instance; the directory holds only its hash."""
        return self._reader_password

    @property
    def conf_path(self) -> Path:
        """The slapd.conf this instance runs with."""
        return self.directory / "slapd.conf"

    @property
    def log_path(self) -> Path:
        """Where slapd's output goes."""
        return self.directory / "slapd.log"

    def start(self, timeout: float = 10.0) -> None:
        """Write the configuration, start slapd in the foreground and wait for both ports.

        On the first start the suffix entry and the reader account are created.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "data").mkdir(mode=0o700, exist_ok=True)
        _write_secret(self.conf_path, self._config())
        _write_secret(self.directory / "admin.pw", self._admin_password)

        listeners = f"ldap://127.0.0.1:{self._port}/ ldaps://127.0.0.1:{self._ldaps_port}/"
        self._process = BackgroundProcess(
            ["slapd", "-f", str(self.conf_path), "-h", listeners, "-d", "0"],
            self.log_path,
        )
        self._process.start()
        try:
            self._process.wait_for_port(self._port, timeout)
            self._process.wait_for_port(self._ldaps_port, timeout)
        except LabError:
            self._process.stop()
            raise

        if not self._seeded:
            self.add_ldif(self._seed_ldif())
            self._seeded = True

    def stop(self) -> None:
        """Stop slapd by its PID; the data stays for a later start()."""
        if self._process is not None:
            self._process.stop()

    def add_ldif(self, text: str) -> None:
        """Add the entries of an LDIF text as the admin, with ldapadd."""
        self._ldap_tool("ldapadd", text)

    def modify_ldif(self, text: str) -> None:
        """Apply an LDIF text of changetype records as the admin, with ldapmodify."""
        self._ldap_tool("ldapmodify", text)

    def count(self, search_filter: str, base: str | None = None) -> int:
        """Count the entries matching a filter with ldapsearch, paged so no limit truncates.

        This is independent of any Python LDAP client, to cross-check one.
        """
        output = run_command(
            [
                *("ldapsearch", "-LLL", "-o", "ldif-wrap=no", *self._bind_args()),
                *("-b", base or self._suffix, "-E", "pr=500/noprompt", search_filter, "1.1"),
            ],
            env=_tool_env(),
        )
        return sum(1 for line in output.splitlines() if line.startswith("dn:"))

    def values(self, search_filter: str, attribute: str) -> list[str]:
        """All values of one attribute over the matching entries, read with ldapsearch."""
        output = run_command(
            [
                *("ldapsearch", "-LLL", "-o", "ldif-wrap=no", *self._bind_args()),
                *("-b", self._suffix, "-E", "pr=500/noprompt", search_filter, attribute),
            ],
            env=_tool_env(),
        )
        prefix = f"{attribute.lower()}:"
        return [
            line.split(":", 1)[1].strip()
            for line in output.splitlines()
            if line.lower().startswith(prefix) and not line.lower().startswith(prefix + ":")
        ]

    def _ldap_tool(self, tool: str, text: str) -> None:
        """Run ldapadd or ldapmodify with the LDIF on standard input."""
        run_command([tool, *self._bind_args()], input_text=text, env=_tool_env())

    def _bind_args(self) -> list[str]:
        """Connection and admin bind arguments; the password comes from a 0600 file."""
        password_file = self.directory / "admin.pw"
        return ["-x", "-H", self.url, "-D", self.admin_dn, "-y", str(password_file)]

    def _config(self) -> str:
        """The legacy slapd.conf text of this instance."""
        includes = "".join(f"include {SCHEMA_DIR / name}.schema\n" for name in SCHEMAS)
        return f"""\
{includes}
pidfile {self.directory / "slapd.pid"}
argsfile {self.directory / "slapd.args"}
modulepath {MODULE_DIR}
moduleload back_mdb
sizelimit {self.size_limit}

TLSCACertificateFile {self.certificates.ca_file}
TLSCertificateFile {self.certificates.cert_file}
TLSCertificateKeyFile {self.certificates.key_file}

access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database mdb
maxsize 1073741824
suffix "{self._suffix}"
rootdn "{self.admin_dn}"
rootpw {self._admin_password}
directory {self.directory / "data"}
index objectClass eq
index uid,mail,cn eq
# A search without the paged results control stops at the size limit; a paged one
# may return everything, as on Active Directory.
limits * size.soft={self.size_limit} size.hard={self.size_limit} size.prtotal=unlimited
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by users read
    by * none
"""

    def _seed_ldif(self) -> str:
        """The suffix entry and the reader account."""
        attribute, value = _first_rdn(self._suffix)
        if attribute == "dc":
            top = f"objectClass: dcObject\nobjectClass: organization\ndc: {value}\no: {value}\n"
        elif attribute == "o":
            top = f"objectClass: organization\no: {value}\n"
        else:
            raise LabError(f"suffix {self._suffix!r} must start with dc= or o=")

        return (
            f"dn: {self._suffix}\n{top}\n"
            f"dn: {self.reader_dn}\n"
            "objectClass: organizationalRole\n"
            "objectClass: simpleSecurityObject\n"
            "cn: reader\n"
            "description: read-only service account\n"
            f"userPassword: {_ssha(self._reader_password)}\n"
        )


def _first_rdn(dn: str) -> tuple[str, str]:
    """Split the first RDN of a simple DN into attribute and value."""
    match = re.match(r"\s*([A-Za-z]+)=([^,]+)", dn)
    if match is None:
        raise LabError(f"cannot read the first RDN of {dn!r}")
    return match.group(1).lower(), match.group(2)


def _ssha(password: str) -> str:
    """Hash a password as slapd's {SSHA}; done here so the password needs no slappasswd argv."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _write_secret(path: Path, text: str) -> None:
    """Write a file that only its owner can read, mode 0600 from its creation."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _tool_env() -> dict[str, str]:
    """Environment for ldap-utils that ignores ldap.conf and .ldaprc of the host and user."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LDAPNOINIT": "1"}
