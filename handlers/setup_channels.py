"""The channel-names form of the set-up: the workspace's name for each department channel, as
Block Kit, and read back (pure: no Slack, no database).

One text input per department channel (by its default name), prefilled with the workspace's
current name. Reading it back checks each name against Slack's rule (`jobs/setup/channel_names`,
the rule `python app.py setup --channel` uses) and that no two department channels share a
name, and says under which input what is wrong; a field the form did not offer (a forged
submission) saves nothing. A channel missing from the submission keeps its current name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.setup_form import FormProblem
from jobs.setup.channel_names import MAX_NAME_CHARS, clashes, cleaned, name_problem
from jobs.setup.home import CHANNEL_NAMES

CHANNEL_NAMES_FORM = CHANNEL_NAMES  # the modal's callback_id (and the Home button's action_id)
CHANNEL, NAME = "channel", "name"  # block_id prefix (channel:<default name>), action_id


def block_id_of(default: str) -> str:
    return f"{CHANNEL}:{default}"


def channel_names_view(channels: Sequence[str], renamed: Mapping[str, str]) -> dict[str, Any]:
    """The modal: `channels` are the department's by default name, `renamed` the workspace's
    own names for some of them."""
    intro = (
        "This workspace's name for each of the department's channels. Saving runs the set-up: "
        "a channel that does not exist yet is created, an existing one joined."
    )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _plain(intro)}]
    blocks += [_input(default, renamed.get(default, default)) for default in channels]
    return {
        "type": "modal",
        "callback_id": CHANNEL_NAMES_FORM,
        "title": _plain("Channel names"),
        "submit": _plain("Save and set up"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _input(default: str, current: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id_of(default),
        "label": _plain(f"The department's #{default}"),
        "element": {
            "type": "plain_text_input",
            "action_id": NAME,
            "initial_value": current,
            "max_length": MAX_NAME_CHARS,
        },
    }


def read_channel_names(
    state: Mapping[str, Any], channels: Sequence[str], renamed: Mapping[str, str]
) -> dict[str, str]:
    """Every department channel's name as submitted (default name → name); raises
    FormProblem with every field that is wrong."""
    names = {default: renamed.get(default, default) for default in channels}
    errors: dict[str, str] = {}
    for block_id, fields in state.items():
        what, _, default = block_id.partition(":")
        if what != CHANNEL or default not in names:
            raise FormProblem.at(block_id, "This is not a field of the channel-names form.")
        typed = ((fields or {}).get(NAME) or {}).get("value")
        names[default] = cleaned(typed if isinstance(typed, str) else "")
        if (problem := name_problem(names[default])) is not None:
            errors[block_id] = problem
    for default, other in clashes(names).items():
        message = f"#{names[default]} is already the name of the department's #{other}."
        errors.setdefault(block_id_of(default), message)
    if errors:
        raise FormProblem(errors)
    return names
