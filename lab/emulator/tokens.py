"""Auth tokens: admin tokens from AuthRequest and user tokens from DelegateAuthRequest."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass


@dataclass
class Token:
    """One issued token: whose it is, whether it is an admin token, and when it expires."""

    value: str
    account_id: str
    admin: bool
    delegated: bool
    expires_at: float

    def remaining_ms(self) -> int:
        """Milliseconds of lifetime left (0 when expired)."""
        return max(0, int((self.expires_at - time.time()) * 1000))

    @property
    def expired(self) -> bool:
        """Whether the token's lifetime is over."""
        return time.time() >= self.expires_at


class TokenRegistry:
    """Issued tokens by value; `lifetime_override_s` lets tests shorten every new token."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self.lifetime_override_s: float | None = None

    def issue(self, account_id: str, *, admin: bool, lifetime_ms: int, delegated: bool) -> Token:
        """Create a token for `account_id` living `lifetime_ms` (or the override)."""
        seconds = lifetime_ms / 1000
        if self.lifetime_override_s is not None:
            seconds = self.lifetime_override_s
        token = Token(
            value="0_" + secrets.token_hex(40),
            account_id=account_id,
            admin=admin,
            delegated=delegated,
            expires_at=time.time() + seconds,
        )
        self._tokens[token.value] = token
        return token

    def find(self, value: str) -> Token | None:
        """The token with this value, expired or not; None when it was never issued."""
        return self._tokens.get(value)

    def expire(self, value: str | None = None) -> None:
        """Expire one token, or every token when `value` is None."""
        targets = [self._tokens[value]] if value in self._tokens else []
        if value is None:
            targets = list(self._tokens.values())
        for token in targets:
            token.expires_at = 0.0

    def forget_account(self, account_id: str) -> None:
        """Drop the tokens of a deleted account (they then read as invalid)."""
        for value in [v for v, t in self._tokens.items() if t.account_id == account_id]:
            del self._tokens[value]
