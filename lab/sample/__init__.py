"""A deterministic sample organisation for the lab: directory, mailboxes and export files.

Everything is pure data computed from a seed; loading it into slapd, Dovecot or the Carbonio
emulator is left to the code that runs those servers.
"""

from __future__ import annotations

from lab.sample.files import (
    THUNDERBIRD_COLUMNS,
    FilesSummary,
    dl_members,
    write_all_files,
    write_calendar,
    write_contacts,
    write_dl_csv,
)
from lab.sample.mail import (
    BENCH,
    DEMO,
    PROFILES,
    Folder,
    FolderSpec,
    Mailbox,
    MailProfile,
    Message,
    SizeBand,
    make_mailboxes,
)
from lab.sample.people import Group, Organisation, Person, make_organisation

__all__ = [
    "BENCH",
    "DEMO",
    "PROFILES",
    "THUNDERBIRD_COLUMNS",
    "FilesSummary",
    "Folder",
    "FolderSpec",
    "Group",
    "MailProfile",
    "Mailbox",
    "Message",
    "Organisation",
    "Person",
    "SizeBand",
    "dl_members",
    "make_mailboxes",
    "make_organisation",
    "write_all_files",
    "write_calendar",
    "write_contacts",
    "write_dl_csv",
]
