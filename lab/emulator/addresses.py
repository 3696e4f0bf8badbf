"""Mail-address rules of account, list and alias creation, and the COS password policy."""

from __future__ import annotations

import re

from lab.emulator import faults
from lab.emulator.attrs import AttrMap, is_true

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_DOMAIN = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*)(\.[A-Za-z0-9_-]+)*$")

# TODO: a handful of common passwords only; the server's block list is far longer, so a
# weak password it refuses (with zimbraPasswordBlockCommonEnabled TRUE) may pass here.
_COMMON_PASSWORDS = frozenset({
    "password", "password1", "123456", "12345678", "123456789", "qwerty", "letmein", "111111",
    "abc123", "iloveyou", "admin", "welcome",
})  # fmt: skip
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def normalize_address(raw: str) -> str:
    """Lower-case and check an address as account creation does; return local@ascii-domain.

    Splitting follows Java's `split("@")`, which drops trailing empty parts.
    """
    address = raw.strip().lower()
    parts = address.split("@")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) != 2:
        raise faults.invalid_request(f"must be valid email address: {address}")

    local, domain = parts
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise faults.invalid_request("invalid email address") from exc
    if not _LOCAL.match(local) or not _DOMAIN.match(domain):
        raise faults.invalid_request("invalid email address")
    return f"{local}@{domain}"


def check_password(policy: AttrMap, password: str) -> None:
    """Apply the COS password policy; the first rule broken is account.INVALID_PASSWORD."""
    if len(password) < _limit(policy, "zimbraPasswordMinLength", 6):
        raise faults.invalid_password("too short")
    if len(password) > _limit(policy, "zimbraPasswordMaxLength", 64):
        raise faults.invalid_password("too long")
    if is_true(policy.first("zimbraPasswordBlockCommonEnabled")) and (
        password.lower() in _COMMON_PASSWORDS
    ):
        raise faults.invalid_password("password is known to be too common")

    counts = _character_counts(password)
    rules = (
        ("zimbraPasswordMinUpperCaseChars", counts["upper"], "not enough upper case characters"),
        ("zimbraPasswordMinLowerCaseChars", counts["lower"], "not enough lower case characters"),
        ("zimbraPasswordMinNumericChars", counts["digit"], "not enough numeric characters"),
        (
            "zimbraPasswordMinPunctuationChars",
            counts["punct"],
            "not enough punctuation characters",
        ),
        ("zimbraPasswordMinAlphaChars", counts["alpha"], "not enough alpha characters"),
        (
            "zimbraPasswordMinDigitsOrPuncs",
            counts["digit"] + counts["punct"],
            "not enough numeric or punctuation characters",
        ),
    )
    for attr, count, message in rules:
        if count < _limit(policy, attr, 0):
            raise faults.invalid_password(message)


def _limit(policy: AttrMap, name: str, default: int) -> int:
    """An integer policy value."""
    try:
        return int(policy.first(name) or default)
    except ValueError:
        return default


def _character_counts(password: str) -> dict[str, int]:
    """How many upper, lower, alphabetic, digit and ASCII punctuation characters."""
    return {
        "upper": sum(ch.isupper() for ch in password),
        "lower": sum(ch.islower() for ch in password),
        "alpha": sum(ch.isalpha() for ch in password),
        "digit": sum(ch.isdigit() for ch in password),
        "punct": sum(ch in _ASCII_PUNCTUATION for ch in password),
    }
