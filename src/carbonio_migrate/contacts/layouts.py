"""The column layouts of the contact CSV exporters, mapped to Carbonio's contact fields.

Thunderbird (English and German), Outlook, Google (the current and the older layout, whose
numbered groups such as ``E-mail 1 - Value`` are matched by pattern) and Carbonio's own
``csv`` format, whose headers are the field names themselves.
"""

from __future__ import annotations

import re

from carbonio_migrate.contacts.model import KNOWN_FIELDS

# -- what a column means --------------------------------------------------------------------------

# A column is (kind, argument): ("field", name), ("address", "home:Street"), ("street2", kind),
# ("birth", "year"), ("date", field), ("google", ...) or ("ignore", "").
Column = tuple[str, str]


def _fields(pairs: dict[str, str]) -> dict[str, Column]:
    return {header.casefold(): ("field", name) for header, name in pairs.items()}


def _addresses(prefixes: dict[str, str], parts: dict[str, str]) -> dict[str, Column]:
    table = {}
    for prefix, kind in prefixes.items():
        for header, part in parts.items():
            table[f"{prefix} {header}".casefold()] = ("address", f"{kind}:{part}")
    return table


_THUNDERBIRD: dict[str, Column] = {
    **_fields(
        {
            "First Name": "firstName",
            "Last Name": "lastName",
            "Display Name": "fullName",
            "Nickname": "nickname",
            "Primary Email": "email",
            "Secondary Email": "email2",
            "Screen Name": "aimId",
            "Work Phone": "workPhone",
            "Home Phone": "homePhone",
            "Fax Number": "workFax",
            "Pager Number": "pager",
            "Mobile Number": "mobilePhone",
            "Job Title": "jobTitle",
            "Department": "department",
            "Organization": "company",
            "Web Page 1": "workURL",
            "Web Page 2": "homeURL",
            "Custom 1": "custom1",
            "Custom 2": "custom2",
            "Custom 3": "custom3",
            "Custom 4": "custom4",
            "Notes": "notes",
            # Thunderbird in German
            "Vorname": "firstName",
            "Nachname": "lastName",
            "Anzeigename": "fullName",
            "Spitzname": "nickname",
            "Primäre E-Mail-Adresse": "email",
            "Sekundäre E-Mail-Adresse": "email2",
            "Messenger-Name": "aimId",
            "Tel. dienstlich": "workPhone",
            "Tel. privat": "homePhone",
            "Fax-Nummer": "workFax",
            "Pager-Nummer": "pager",
            "Mobil-Tel.-Nr.": "mobilePhone",
            "Arbeitstitel": "jobTitle",
            "Abteilung": "department",
            "Organisation": "company",
            "Webseite 1": "workURL",
            "Webseite 2": "homeURL",
            "Benutzerdef. 1": "custom1",
            "Benutzerdef. 2": "custom2",
            "Benutzerdef. 3": "custom3",
            "Benutzerdef. 4": "custom4",
            "Notizen": "notes",
        }
    ),
    **_addresses(
        {"Home": "home", "Work": "work"},
        {
            "Address": "Street",
            "City": "City",
            "State": "State",
            "ZipCode": "PostalCode",
            "Country": "Country",
        },
    ),
    **_addresses(
        {"Privat:": "home", "Dienstlich:": "work"},
        {
            "Adresse": "Street",
            "Ort": "City",
            "Bundesland": "State",
            "PLZ": "PostalCode",
            "Land": "Country",
        },
    ),
    "home address 2": ("street2", "home"),
    "work address 2": ("street2", "work"),
    "privat: adresse 2": ("street2", "home"),
    "dienstlich: adresse 2": ("street2", "work"),
    "birth year": ("birth", "year"),
    "birth month": ("birth", "month"),
    "birth day": ("birth", "day"),
    "geburtsjahr": ("birth", "year"),
    "geburtsmonat": ("birth", "month"),
    "geburtstag": ("birth", "day"),
}

_OUTLOOK: dict[str, Column] = {
    **_fields(
        {
            "Title": "namePrefix",
            "First Name": "firstName",
            "Middle Name": "middleName",
            "Last Name": "lastName",
            "Suffix": "nameSuffix",
            "Company": "company",
            "Department": "department",
            "Job Title": "jobTitle",
            "Business Phone": "workPhone",
            "Business Phone 2": "workPhone2",
            "Home Phone": "homePhone",
            "Home Phone 2": "homePhone2",
            "Mobile Phone": "mobilePhone",
            "Car Phone": "carPhone",
            "Pager": "pager",
            "Business Fax": "workFax",
            "Home Fax": "homeFax",
            "Other Phone": "otherPhone",
            "Other Fax": "otherFax",
            "Primary Phone": "otherPhone",
            "Company Main Phone": "companyPhone",
            "Assistant's Phone": "assistantPhone",
            "Callback": "callbackPhone",
            "E-mail Address": "email",
            "E-mail 2 Address": "email2",
            "E-mail 3 Address": "email3",
            "Web Page": "workURL",
            "Notes": "notes",
            "Nickname": "nickname",
        }
    ),
    **_addresses(
        {"Business": "work", "Home": "home", "Other": "other"},
        {
            "Street": "Street",
            "City": "City",
            "State": "State",
            "Postal Code": "PostalCode",
            "Country": "Country",
            "Country/Region": "Country",
        },
    ),
    **{
        f"{prefix} street {n}".casefold(): ("street2", kind)
        for prefix, kind in (("Business", "work"), ("Home", "home"), ("Other", "other"))
        for n in (2, 3)
    },
    "birthday": ("date", "birthday"),
    "anniversary": ("date", "anniversary"),
    **dict.fromkeys(
        (
            "e-mail type",
            "e-mail display name",
            "e-mail 2 type",
            "e-mail 2 display name",
            "e-mail 3 type",
            "e-mail 3 display name",
            "priority",
            "sensitivity",
            "private",
            "gender",
            "initials",
            "categories",
            "user 1",
            "user 2",
            "user 3",
            "user 4",
            "business address po box",
            "home address po box",
            "other address po box",
        ),
        ("ignore", ""),
    ),
}

GOOGLE: dict[str, Column] = {
    **_fields(
        {
            "Name": "fullName",
            "Given Name": "firstName",
            "Additional Name": "middleName",
            "Family Name": "lastName",
            "First Name": "firstName",
            "Middle Name": "middleName",
            "Last Name": "lastName",
            "Name Prefix": "namePrefix",
            "Name Suffix": "nameSuffix",
            "Nickname": "nickname",
            "Notes": "notes",
            "Organization Name": "company",
            "Organization Title": "jobTitle",
            "Organization Department": "department",
            "File As": "fileAs",
        }
    ),
    "birthday": ("date", "birthday"),
    **dict.fromkeys(
        (
            "labels",
            "group membership",
            "photo",
            "phonetic first name",
            "phonetic middle name",
            "phonetic last name",
            "yomi name",
            "given name yomi",
            "additional name yomi",
            "family name yomi",
            "name prefix",
            "gender",
            "location",
            "billing information",
            "directory server",
            "mileage",
            "occupation",
            "hobby",
            "sensitivity",
            "priority",
            "subject",
            "initials",
            "short name",
            "maiden name",
        ),
        ("ignore", ""),
    ),
}
GOOGLE.update(_fields({"Name Prefix": "namePrefix"}))
GOOGLE_GROUP = re.compile(
    r"^(e-mail|phone|address|website|organization|im|relation|event|custom field) (\d+) - "
    r"(label|type|value|formatted|street|city|po box|region|postal code|country|"
    r"extended address|name|title|department|service)$"
)

_CARBONIO: dict[str, Column] = {name.casefold(): ("field", name) for name in KNOWN_FIELDS}

LAYOUTS: dict[str, dict[str, Column]] = {
    "Thunderbird": _THUNDERBIRD,
    "Outlook": _OUTLOOK,
    "Google": GOOGLE,
    "Carbonio": _CARBONIO,
}

PHONE_LABELS = {
    "mobile": "mobilePhone",
    "cell": "mobilePhone",
    "work": "workPhone",
    "home": "homePhone",
    "work fax": "workFax",
    "home fax": "homeFax",
    "pager": "pager",
    "main": "companyPhone",
    "car": "carPhone",
    "other fax": "otherFax",
}
KINDS = {"home": "home", "work": "work"}
