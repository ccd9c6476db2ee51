"""`python -m models.migrate`: bring the configured database to the newest schema."""

from __future__ import annotations

import sys

from pydantic import ValidationError

from models.db import upgrade
from settings import Settings, describe_error


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
