"""carbonio-migrate: move an organisation from a generic IMAP and LDAP/AD system to Carbonio."""

# Kept here rather than read from the installed metadata, which costs every command a slower
# start; pyproject.toml takes the package's version from this line.
__version__ = "0.1.0"

__all__ = ["__version__"]
