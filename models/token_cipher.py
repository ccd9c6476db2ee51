"""Slack tokens encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.

The keys come from SLACK_TOKEN_KEYS, comma-separated: the first encrypts, every one decrypts
(`MultiFernet`), so a key is rotated without downtime: put a new key first, re-encrypt every
stored token (`python app.py rotate-token-keys`, `models/installations.rotate_token_keys`),
then drop the old key. A value that no key opens is an error, never returned as is: a token
is never read back from the database in plain text.
"""

from __future__ import annotations

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
