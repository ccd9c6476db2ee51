"""`python app.py new-token-key` and `python app.py rotate-token-keys`: the operator's side of
SLACK_TOKEN_KEYS (README, "Tokens at rest").

Rotation: put a new key in front of SLACK_TOKEN_KEYS (`new,old`), restart, run
`rotate-token-keys` (every stored token re-encrypted with the first key, in one transaction),
then remove the old key and restart again.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from errors import StartupError
from models.db import make_engine
from models.installations import rotate_token_keys
from models.token_cipher import TokenCipher, new_key
from settings import Settings, describe_error

COMMANDS = ("new-token-key", "rotate-token-keys")


def run(command: str) -> int:
    """The exit status of one of COMMANDS."""
    if command == "new-token-key":
        print(new_key())
        return 0
    try:
        settings = Settings()
        if settings.slack_token_keys is None:
            raise StartupError("SLACK_TOKEN_KEYS is not set: nothing to rotate to.")
        cipher = TokenCipher.from_setting(settings.slack_token_keys)
        engine = make_engine(settings.database_url, settings.database_statement_timeout_s)
        rewritten = rotate_token_keys(engine, cipher)
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"Re-encrypted {rewritten} stored secret(s) with the first key of SLACK_TOKEN_KEYS.")
    return 0
