"""carbonio-migrate: move an organisation from a generic IMAP and LDAP/AD system to Carbonio."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("carbonio-migrate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
