"""A lab certificate authority and a localhost server certificate, made with openssl."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from lab.procs import run_command

_SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""


@dataclass(frozen=True)
class Certificates:
    """PEM files of the lab: the CA to trust, and the server certificate with its key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path) -> Certificates:
    """Create a lab CA and a server certificate for localhost and 127.0.0.1 in `directory`.

    The keys are not secrets (they only guard loopback test servers) but stay 0600 anyway.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_file = directory / "ca.key", directory / "ca.pem"
    key_file, cert_file = directory / "server.key", directory / "server.pem"
    csr_file, ext_file = directory / "server.csr", directory / "server.ext"

    _new_key(ca_key)
    run_command(
        [
            *("openssl", "req", "-x509", "-new", "-key", str(ca_key), "-out", str(ca_file)),
            *("-days", "3650", "-subj", "/O=carbonio-migrate lab/CN=carbonio-migrate lab CA"),
            *("-addext", "basicConstraints=critical,CA:TRUE"),
            *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        ]
    )

    _new_key(key_file)
    run_command(
        [
            *("openssl", "req", "-new", "-key", str(key_file), "-out", str(csr_file)),
            *("-subj", "/O=carbonio-migrate lab/CN=localhost"),
        ]
    )
    ext_file.write_text(_SERVER_EXTENSIONS)
    run_command(
        [
            *("openssl", "x509", "-req", "-in", str(csr_file), "-CA", str(ca_file)),
            *("-CAkey", str(ca_key), "-out", str(cert_file), "-days", "825"),
            *("-set_serial", str(secrets.randbits(63)), "-extfile", str(ext_file)),
        ]
    )

    csr_file.unlink()
    ext_file.unlink()
    for public in (ca_file, cert_file):
        public.chmod(0o644)
    return Certificates(ca_file=ca_file, cert_file=cert_file, key_file=key_file)


def _new_key(path: Path) -> None:
    """Write a new P-256 private key (quick to make, and both servers' TLS stacks accept it)."""
    path.unlink(missing_ok=True)
    # Create the file 0600 before openssl writes into it, so the key is never readable by others.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    run_command(
        [
            *("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
            *("-out", str(path)),
        ]
    )
