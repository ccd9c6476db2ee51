"""The sandbox's approvers: the configured approvals file with the sandbox's approving people
named on every action type, so cards mention them (and notify them, in real Slack) and a
refusal says who can decide, instead of "a workspace admin" alone.

The real file stays the source of every other value (chains, defaults); the copy is written
next to the sandbox's database, fresh at each start.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from bots.approvers import load_approvals


def with_approvers(source: Path, users: list[str], folder: Path) -> Path:
    """A copy of the approvals file at `source` with `users` added to every action's users;
    validated by loading it, as the app will."""
    config = tomllib.loads(source.read_text(encoding="utf-8"))
    for action in config.get("actions", []):
        action["users"] = list(dict.fromkeys([*action.get("users", []), *users]))
    target = (folder / "approvals.toml").resolve()  # the worker runs in another directory
    target.write_text(_toml(config), encoding="utf-8")
    load_approvals(target)
    return target


def _toml(config: dict[str, Any]) -> str:
    """The approvals file's shape only: tables of scalars and lists, an array of tables.
    JSON's strings, numbers, booleans and arrays are valid TOML values."""
    lines: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict):
            lines += [f"[{key}]", *_pairs(value), ""]
        elif isinstance(value, list):
            for table in value:
                lines += [f"[[{key}]]", *_pairs(table), ""]
    return "\n".join(lines)


def _pairs(table: dict[str, Any]) -> list[str]:
    return [f"{key} = {json.dumps(value)}" for key, value in table.items()]
