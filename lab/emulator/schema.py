"""What the emulator knows of Carbonio's attribute schema: defaults and inheritance.

Only the attributes a migration touches are described (reference sections 1, 5.5 and 6.2).
"""

from __future__ import annotations

DEFAULT_COS_ID = "e00428a1-0c00-11d9-836a-000d93afea2a"

GLOBAL_CONFIG_DEFAULTS: dict[str, str] = {
    "zimbraMtaMaxMessageSize": "10240000",
    "zimbraFileUploadMaxSize": "10485760",
    "zimbraFileUploadMaxSizePerFile": "2147483648",
    "zimbraImapMaxRequestSize": "10240",
    "zimbraImapMaxConnections": "200",
    "zimbraImapNumThreads": "200",
    "zimbraImapCleartextLoginEnabled": "FALSE",
    "zimbraMessageIdDedupeCacheSize": "3000",
    "zimbraSoapRequestMaxSize": "15360000",
    "zimbraAdminPort": "7071",
    "carbonioAdminProxyPort": "6071",
    "zimbraMailMode": "both",
    "zimbraAutoProvBatchSize": "20",
    "zimbraAutoProvPollingInterval": "15m",
    "zimbraAutoProvNotificationSubject": "New account auto provisioned",
    "zimbraAutoProvNotificationBody": (
        "Your account has been auto provisioned.  Your email address is ${ACCOUNT_ADDRESS}."
    ),
    "carbonioAutoProvTimestampFormat": "yyyyMMddHHmmss.SSS'Z'",
    "zimbraAuthFallbackToLocal": "TRUE",
    "zimbraDomainAggregateQuota": "0",
    "zimbraCsrfRefererCheckEnabled": "TRUE",
    "zimbraCsrfTokenCheckEnabled": "FALSE",
}

DEFAULT_COS_VALUES: dict[str, str] = {
    "zimbraMailQuota": "0",
    "zimbraQuotaWarnPercent": "90",
    "zimbraContactMaxNumEntries": "10000",
    "zimbraImapEnabled": "TRUE",
    "zimbraPrefImapEnabled": "TRUE",
    "zimbraFeatureAntispamEnabled": "TRUE",
    "zimbraMailTrashLifetime": "30d",
    "zimbraMailSpamLifetime": "30d",
    "zimbraMailPurgeUseChangeDateForTrash": "TRUE",
    "zimbraMailPurgeUseChangeDateForSpam": "TRUE",
    "zimbraMailMessageLifetime": "0",
    "zimbraMailDumpsterLifetime": "30d",
    "zimbraDumpsterEnabled": "FALSE",
    "zimbraPasswordMinLength": "6",
    "zimbraPasswordMaxLength": "64",
    "zimbraPasswordMinUpperCaseChars": "0",
    "zimbraPasswordMinLowerCaseChars": "0",
    "zimbraPasswordMinPunctuationChars": "0",
    "zimbraPasswordMinNumericChars": "0",
    "zimbraPasswordMinDigitsOrPuncs": "0",
    "zimbraPasswordBlockCommonEnabled": "FALSE",
    "zimbraPasswordMaxAge": "0",
    "zimbraPrefTimeZoneId": "America/Los_Angeles",
    "zimbraFeatureCalendarEnabled": "TRUE",
    "zimbraFeatureContactsEnabled": "TRUE",
    "zimbraFeatureMailEnabled": "TRUE",
    "zimbraAuthTokenLifetime": "2d",
    "zimbraAdminAuthTokenLifetime": "12h",
    "zimbraFileUploadMaxSizePerFile": "2147483648",
    "zimbraCalendarMaxRevisions": "1",
    "carbonioFeatureFilesEnabled": "TRUE",
}

# Attributes a domain takes from the global config when it has no value (applyConfig).
DOMAIN_INHERITED = frozenset(
    name.lower()
    for name in (
        "zimbraAutoProvBatchSize",
        "zimbraAutoProvNotificationSubject",
        "zimbraAutoProvNotificationBody",
        "carbonioAutoProvTimestampFormat",
        "zimbraAuthFallbackToLocal",
        "zimbraDomainAggregateQuota",
        "zimbraFileUploadMaxSizePerFile",
        "zimbraPublicServiceHostname",
        "zimbraPublicServicePort",
        "zimbraPublicServiceProtocol",
        "zimbraDomainStatus",
    )
)

# Attributes a server takes from the global config when it has no value (applyConfig).
SERVER_INHERITED = frozenset(
    name.lower()
    for name in (
        "zimbraAutoProvPollingInterval",
        "zimbraFileUploadMaxSize",
        "zimbraImapMaxRequestSize",
        "zimbraImapMaxConnections",
        "zimbraImapNumThreads",
        "zimbraImapCleartextLoginEnabled",
        "zimbraSoapRequestMaxSize",
        "zimbraAdminPort",
        "carbonioAdminProxyPort",
        "zimbraMailMode",
    )
)

# Attributes an account takes from its COS; COS attributes outside this set are marked c="1".
ACCOUNT_INHERITED = frozenset([*(name.lower() for name in DEFAULT_COS_VALUES), "zimbrapreflocale"])

# Standard directory attributes accepted besides the zimbra*, carbonio* and amavis* families.
_PLAIN_ATTRS = frozenset(name.lower() for name in (
    "c", "co", "company", "cn", "description", "displayName", "givenName", "sn", "initials",
    "l", "st", "street", "postalCode", "telephoneNumber", "mobile", "homePhone", "pager",
    "facsimileTelephoneNumber", "title", "ou", "o", "physicalDeliveryOfficeName", "mail", "uid",
    "userPassword", "objectClass", "dc",
))  # fmt: skip
_PREFIXES = ("zimbra", "carbonio", "amavis")


def is_known_attribute(name: str) -> bool:
    """Whether the schema would accept this attribute name.

    TODO: names in the zimbra/carbonio/amavis families are all accepted, so a misspelt
    zimbraFoo passes here but fails with account.INVALID_ATTR_NAME on a real server.
    """
    lowered = name.lower()
    return lowered in _PLAIN_ATTRS or lowered.startswith(_PREFIXES)
