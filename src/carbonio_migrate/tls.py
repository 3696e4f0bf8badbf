"""TLS client contexts: certificates are verified unless the administrator says otherwise."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from carbonio_migrate.errors import ConfigError

log = logging.getLogger(__name__)


def client_context(ca_file: Path | None, *, verify: bool, what: str) -> ssl.SSLContext:
    """A context that trusts the system CAs, or ``ca_file``; ``verify=False`` is warned."""
    if not verify:
        log.warning("TLS certificates of %s are NOT verified (verify_tls = false)", what)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{what}: the CA file {ca_file} cannot be used ({exc})") from None
