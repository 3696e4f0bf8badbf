"""The commented migration.toml that ``carbonio-migrate init`` writes."""

from __future__ import annotations

from typing import Literal

Preset = Literal["openldap", "ad"]

_COMMON_HEAD = """\
# carbonio-migrate configuration.
#
# Passwords are never written here. For each one, either name an environment variable
# (password_env = "NAME") or a file that only you can read (password_file = "path", mode 0600).
# With neither, carbonio-migrate asks for the password at the terminal.
# Relative paths are taken from the folder of this file.
"""

_OPENLDAP_DIRECTORY = """\
[source.directory]
kind = "openldap"
url = "ldaps://ldap.example.com:636"        # ldaps:// (636) or ldap:// (389) with tls = "starttls"
tls = "ldaps"                               # "ldaps", "starttls" or "none"
# ca_file = "/etc/ssl/certs/example-ca.pem" # the CA that signed the directory's certificate
bind_dn = "cn=admin,dc=example,dc=com"
password_env = "SOURCE_LDAP_PASSWORD"
base_dn = "dc=example,dc=com"
user_filter = "(objectClass=inetOrgPerson)"
group_filter = "(objectClass=groupOfNames)"
# OpenLDAP has no standard "disabled" marker: describe yours, e.g. "(shadowExpire=1)".
# disabled_filter = "(shadowExpire=1)"

# Carbonio attribute = directory attribute. "name" gives the account's local part.
[source.directory.attributes]
name = "uid"
givenName = "givenName"
sn = "sn"
displayName = "displayName"
telephoneNumber = "telephoneNumber"
title = "title"
company = "o"
"""

_AD_DIRECTORY = """\
[source.directory]
kind = "active-directory"
# 636 is LDAPS; 3269 is the global catalog over TLS (whole forest, fewer attributes).
url = "ldaps://dc1.corp.example.com:636"
tls = "ldaps"                               # "ldaps", "starttls" or "none"
# ca_file = "/etc/ssl/certs/corp-ca.pem"    # the CA of the domain controllers' certificates
bind_dn = "svc-carbonio@corp.example.com"   # a DN, a user principal name or CORP\\\\name
password_env = "SOURCE_LDAP_PASSWORD"
base_dn = "OU=Staff,DC=corp,DC=example,DC=com"
user_filter = "(&(objectCategory=person)(objectClass=user))"
group_filter = "(objectClass=group)"
# Disabled accounts (userAccountControl bit 2) are skipped and reported unless this is true.
include_disabled = false

# Carbonio attribute = directory attribute. "name" gives the account's local part.
[source.directory.attributes]
name = "sAMAccountName"
givenName = "givenName"
sn = "sn"
displayName = "displayName"
telephoneNumber = "telephoneNumber"
title = "title"
company = "company"
"""

_COMMON_TAIL = """\

[source.imap]
host = "imap.example.com"
port = 993
tls = "implicit"                            # "implicit" (993), "starttls" (143) or "none"
# ca_file = "/etc/ssl/certs/example-ca.pem"
admin_user = "migration-admin"              # may open every mailbox (SOURCE_ADMIN_ACCOUNT)
password_env = "SOURCE_IMAP_PASSWORD"
login = "sasl-plain"                        # or "master-user" for LOGIN user*admin
# master_separator = "*"

# Calendars and address books straight from a CalDAV/CardDAV server, instead of exported files.
# [source.dav]
# url = "https://dav.example.com/{account}/"    # an account's collections; {account} = address
# contacts_url = "https://dav.example.com/addressbooks/{account}/"   # if not under url
# user = "dav-admin"                           # may read every account's collections
# password_env = "SOURCE_DAV_PASSWORD"
# user_passwords_file = "dav-passwords"         # or: each account signs in itself (0600 file,
#                                               # "address password" per line), without user

[destination]
admin_url = "https://mail.example.com:6071" # the Admin Panel's address (7071 on a mailbox node)
admin_user = "zextras@example.com"          # a global administrator
password_env = "CARBONIO_ADMIN_PASSWORD"
# ca_file = "/etc/ssl/certs/carbonio-ca.pem"
# verify_tls = false                        # only for a lab: certificates are not checked

[destination.imap]
host = "mail.example.com"
port = 993
tls = "implicit"
admin_user = "migrator@example.com"         # the import administrator (CARBONIO_IMPORT_ACCOUNT)
password_env = "CARBONIO_IMPORT_PASSWORD"

[mapping]
# Source domain = destination domain, for organisations that change their domain.
# domains = { "old-example.com" = "example.com" }

[files]
# calendars = "exports/calendars"           # <account>.ics, one per account
# contacts = "exports/contacts"             # <account>.csv or <account>.vcf, one per account
# distribution_lists = "dl_provisioning.csv"

[imports]
# Calendars and contacts go through Carbonio's REST import.
auth = "admin"                              # the admin token on the admin port; "delegated":
                                            # a user token per account, as prov's sm does
contact_format = "carbonio-csv"             # Carbonio's field names (works on every release),
                                            # "vcard" (keeps photos) or "thunderbird-csv"
csvlocale = "en_US"                         # thunderbird-csv: the header language to expect
# contacts_per_request = 100

[provision]
autoprov = true                             # set the domains up for EAGER auto-provisioning
create_accounts = true                      # and create the accounts now, without waiting
password_policy = "none"                    # "none", "random" (written once to a 0600 file)
                                            # or "external" (users keep their directory password)
# passwords_file = "account-passwords.txt"
flatten_nested_groups = false               # true: a nested group's members join the outer list
lists_from_directory = true                 # groups with a mail address become lists
# server = "mail.example.com"               # the mailbox server that polls the directory
polling_interval = "1m"

[mail]
# Folders left out of the copy (or the only ones copied), as shell patterns on the folder's
# path with "/" between levels; mail and verify apply them on every run.
# exclude = ["Public/*", "Junk"]
# include = []

[run]
workers = 4
# state = "migration-state.sqlite"          # the state store, a SQLite file
"""


def render_template(preset: Preset) -> str:
    """The commented configuration for a directory kind, ready to edit."""
    directory = _AD_DIRECTORY if preset == "ad" else _OPENLDAP_DIRECTORY
    return f"{_COMMON_HEAD}\n{directory}{_COMMON_TAIL}"
