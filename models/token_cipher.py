"""Slack tokens encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.

The keys come from SLACK_TOKEN_KEYS, comma-separated: the first encrypts, every one decrypts
(`MultiFernet`), so a key is rotated without downtime: put a new key first, re-encrypt every
stored token (`python app.py rotate-token-keys`, `models/installations.rotate_token_keys`),
then drop the old key. A value that no key opens is an error, never returned as is: a token
is never read back from the database in plain text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from errors import ConfigError


@dataclass(frozen=True)
class TokenCipher:
    fernet: MultiFernet

    @classmethod
    def from_setting(cls, keys: SecretStr) -> TokenCipher:
        """Raises ValueError (naming the key's position, never the key) for a malformed key."""
        parts = [part.strip() for part in keys.get_secret_value().split(",") if part.strip()]
        if not parts:
            raise ValueError("needs at least one Fernet key")
        fernets = []
        for position, part in enumerate(parts, start=1):
            try:
                fernets.append(Fernet(part))
            except ValueError:
                raise ValueError(
                    f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes; "
                    "make one with `python app.py new-token-key`)"
                ) from None
        return cls(MultiFernet(fernets))

    def encrypt(self, value: str | None) -> str | None:
        return None if value is None else self.fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return self.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "A stored Slack token cannot be decrypted with SLACK_TOKEN_KEYS: was a key "
                "dropped before `python app.py rotate-token-keys` ran?"
            ) from None

    def rotate(self, value: str) -> str:
        """The same secret encrypted with the first key (MultiFernet.rotate)."""
        try:
            return self.fernet.rotate(value.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "A stored Slack token cannot be decrypted with any key of SLACK_TOKEN_KEYS"
            ) from None


def new_key() -> str:
    """A fresh key for SLACK_TOKEN_KEYS."""
    return Fernet.generate_key().decode()


# Slack's token shapes: xoxb-…, xoxp-…, xoxe-… (refresh) and xoxe.xoxb-… (rotating).
TOKEN_PATTERN = re.compile(r"xox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+")
# slack_sdk logs whole response bodies at DEBUG: oauth.v2.access's carries the new tokens.
TOKEN_LOGGERS = (
    "slack_sdk.web.base_client",
    "slack_sdk.oauth.installation_store.sqlalchemy",
    "slack_sdk.oauth.token_rotation.rotator",
)


class RedactTokens(logging.Filter):
    """Replaces any token in a log line with "(redacted)", at every level."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message):
            record.msg, record.args = TOKEN_PATTERN.sub("(redacted)", message), ()
        return True


def redact_tokens_in_logs() -> None:
    """On the loggers that may print a token (a logger's filter is not inherited by its
    children, so each is named)."""
    for name in TOKEN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
