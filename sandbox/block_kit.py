"""Block Kit checks that mirror what Slack refuses with `invalid_blocks`.

Kept free of HTTP and state so the Slack stand-in and a later browser sandbox page share one
set of rules. Problems read like Slack's own (`must be less than 3001 characters
[json-pointer:/blocks/0/text/text]`), so a failing test points at the offending field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_BLOCKS_PER_MESSAGE = 50
# Slack refuses messages whose blocks hold more text than this (`msg_blocks_too_long`); the
# real cut-off moves a little with the block mix (about 13,100-13,300), so stay at the low end.
MAX_BLOCKS_TEXT_CHARS = 13_000
MAX_SECTION_TEXT_CHARS = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT_CHARS = 2_000
MAX_HEADER_TEXT_CHARS = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT_CHARS = 75
MAX_BUTTON_VALUE_CHARS = 2_000
MAX_ID_CHARS = 255  # block_id and action_id
MAX_URL_CHARS = 3_000
MAX_ALT_TEXT_CHARS = 2_000
MAX_MARKDOWN_BLOCK_CHARS = 12_000
MAX_LABEL_CHARS = 2_000
MAX_TITLE_CHARS = 2_000

TEXT_TYPES = ("plain_text", "mrkdwn")
BUTTON_STYLES = ("primary", "danger")
INTERACTIVE_ELEMENT_TYPES = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "overflow",
        "radio_buttons",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "timepicker",
        "workflow_button",
        "rich_text_input",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
    }
)

Problems = list[str]


def validate_blocks(blocks: object, max_blocks: int = MAX_BLOCKS_PER_MESSAGE) -> list[str]:
    """Return what Slack would object to in `blocks`; an empty list means valid.

    Catching these locally keeps the test-suite honest: a card that would bounce off Slack
    with `invalid_blocks` must bounce off the stand-in too. Messages take 50 blocks; modals
    and the Home tab take 100.
    """
    if not isinstance(blocks, list):
        return [_problem("must be an array", "/blocks")]
    problems: Problems = []
    if len(blocks) > max_blocks:
        problems.append(_problem(f"no more than {max_blocks} items allowed", "/blocks"))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        problems += _check_block(block, f"/blocks/{index}", seen_block_ids)
    return problems


def blocks_text_length(blocks: object) -> int:
    """Count the characters of every `text` string inside `blocks`.

    Slack's `msg_blocks_too_long` limit is on the text a message carries across all its blocks,
    not on any single block, so the stand-in needs the total.
    """
    if isinstance(blocks, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else blocks_text_length(value)
            for key, value in blocks.items()
        )
    if isinstance(blocks, list):
        return sum(blocks_text_length(item) for item in blocks)
    return 0


def _problem(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


def _check_block(block: object, pointer: str, seen_block_ids: set[str]) -> Problems:
    if not isinstance(block, dict):
        return [_problem("must be an object", pointer)]
    problems = _check_block_id(block, pointer, seen_block_ids)
    block_type = block.get("type")
    if block_type is None:
        return [*problems, _problem("missing required field: type", pointer)]
    checker = _BLOCK_CHECKERS.get(block_type) if isinstance(block_type, str) else None
    if checker is None:
        return [*problems, _problem(f"unsupported type: {block_type}", f"{pointer}/type")]
    return problems + checker(block, pointer)


def _check_block_id(block: dict[str, Any], pointer: str, seen_block_ids: set[str]) -> Problems:
    if "block_id" not in block:
        return []
    block_id = block["block_id"]
    if not isinstance(block_id, str):
        return [_problem("must be a string", f"{pointer}/block_id")]
    if block_id in seen_block_ids:
        return [_problem(f"duplicate block_id: {block_id}", f"{pointer}/block_id")]
    seen_block_ids.add(block_id)
    return _check_length(block_id, f"{pointer}/block_id", MAX_ID_CHARS)


def _check_length(
    value: object, pointer: str, max_chars: int, *, required: bool = True
) -> Problems:
    if value is None:
        return [_problem("missing required field", pointer)] if required else []
    if not isinstance(value, str):
        return [_problem("must be a string", pointer)]
    if len(value) > max_chars:
        return [_problem(f"must be less than {max_chars + 1} characters", pointer)]
    return []


def _check_text_object(
    obj: object, pointer: str, max_chars: int, *, plain_only: bool = False
) -> Problems:
    if obj is None:
        return [_problem("missing required field", pointer)]
    if not isinstance(obj, dict):
        return [_problem("must be an object", pointer)]
    allowed = ("plain_text",) if plain_only else TEXT_TYPES
    if obj.get("type") not in allowed:
        return [_problem(f"must be one of: {', '.join(allowed)}", f"{pointer}/type")]
    text = obj.get("text")
    if isinstance(text, str) and not text:
        return [_problem("must be more than 0 characters", f"{pointer}/text")]
    return _check_length(text, f"{pointer}/text", max_chars)


def _check_list(value: object, pointer: str, max_items: int) -> Problems:
    if not isinstance(value, list):
        return [_problem("must be an array", pointer)]
    if not value:
        return [_problem("must provide at least 1 item", pointer)]
    if len(value) > max_items:
        return [_problem(f"no more than {max_items} items allowed", pointer)]
    return []


def _check_section(block: dict[str, Any], pointer: str) -> Problems:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        return [_problem("must provide either text or fields", pointer)]
    problems: Problems = []
    if text is not None:
        problems += _check_text_object(text, f"{pointer}/text", MAX_SECTION_TEXT_CHARS)
    if fields is not None:
        problems += _check_list(fields, f"{pointer}/fields", MAX_SECTION_FIELDS)
        for index, field in enumerate(fields if isinstance(fields, list) else []):
            problems += _check_text_object(field, f"{pointer}/fields/{index}", MAX_FIELD_TEXT_CHARS)
    if "accessory" in block:
        problems += _check_element(block["accessory"], f"{pointer}/accessory")
    return problems


def _check_header(block: dict[str, Any], pointer: str) -> Problems:
    return _check_text_object(
        block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT_CHARS, plain_only=True
    )


def _check_context(block: dict[str, Any], pointer: str) -> Problems:
    elements = block.get("elements")
    problems = _check_list(elements, f"{pointer}/elements", MAX_CONTEXT_ELEMENTS)
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        element_pointer = f"{pointer}/elements/{index}"
        if isinstance(element, dict) and element.get("type") == "image":
            problems += _check_image_source(element, element_pointer)
        else:
            problems += _check_text_object(element, element_pointer, MAX_SECTION_TEXT_CHARS)
    return problems


def _check_actions(block: dict[str, Any], pointer: str) -> Problems:
    elements = block.get("elements")
    problems = _check_list(elements, f"{pointer}/elements", MAX_ACTIONS_ELEMENTS)
    seen_action_ids: set[str] = set()
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        element_pointer = f"{pointer}/elements/{index}"
        problems += _check_element(element, element_pointer)
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str) and action_id in seen_action_ids:
            problems.append(_problem(f"duplicate action_id: {action_id}", element_pointer))
        elif isinstance(action_id, str):
            seen_action_ids.add(action_id)
    return problems


def _check_element(element: object, pointer: str) -> Problems:
    if not isinstance(element, dict):
        return [_problem("must be an object", pointer)]
    element_type = element.get("type")
    if element_type == "image":
        return _check_image_source(element, pointer)
    if element_type not in INTERACTIVE_ELEMENT_TYPES:
        return [_problem(f"unsupported type: {element_type}", f"{pointer}/type")]
    problems = _check_length(
        element.get("action_id"), f"{pointer}/action_id", MAX_ID_CHARS, required=False
    )
    if element_type == "button":
        problems += _check_button(element, pointer)
    return problems


def _check_button(button: dict[str, Any], pointer: str) -> Problems:
    problems = _check_text_object(
        button.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT_CHARS, plain_only=True
    )
    problems += _check_length(
        button.get("value"), f"{pointer}/value", MAX_BUTTON_VALUE_CHARS, required=False
    )
    problems += _check_length(button.get("url"), f"{pointer}/url", MAX_URL_CHARS, required=False)
    if "style" in button and button["style"] not in BUTTON_STYLES:
        problems.append(_problem(f"must be one of: {', '.join(BUTTON_STYLES)}", f"{pointer}/style"))
    return problems


def _check_image_source(image: dict[str, Any], pointer: str) -> Problems:
    problems: Problems = []
    if "slack_file" not in image:
        problems += _check_length(image.get("image_url"), f"{pointer}/image_url", MAX_URL_CHARS)
    problems += _check_length(image.get("alt_text"), f"{pointer}/alt_text", MAX_ALT_TEXT_CHARS)
    return problems


def _check_image(block: dict[str, Any], pointer: str) -> Problems:
    problems = _check_image_source(block, pointer)
    if "title" in block:
        problems += _check_text_object(
            block["title"], f"{pointer}/title", MAX_TITLE_CHARS, plain_only=True
        )
    return problems


def _check_rich_text(block: dict[str, Any], pointer: str) -> Problems:
    elements = block.get("elements")
    return (
        [] if isinstance(elements, list) else [_problem("must be an array", f"{pointer}/elements")]
    )


def _check_input(block: dict[str, Any], pointer: str) -> Problems:
    problems = _check_text_object(
        block.get("label"), f"{pointer}/label", MAX_LABEL_CHARS, plain_only=True
    )
    return problems + _check_element(block.get("element"), f"{pointer}/element")


def _check_markdown(block: dict[str, Any], pointer: str) -> Problems:
    text = block.get("text")
    if isinstance(text, str) and not text:
        return [_problem("must be more than 0 characters", f"{pointer}/text")]
    return _check_length(text, f"{pointer}/text", MAX_MARKDOWN_BLOCK_CHARS)


def _require(*fields: str) -> Callable[[dict[str, Any], str], Problems]:
    def check(block: dict[str, Any], pointer: str) -> Problems:
        return [
            _problem("missing required field", f"{pointer}/{name}")
            for name in fields
            if name not in block
        ]

    return check


_BLOCK_CHECKERS: dict[str, Callable[[dict[str, Any], str], Problems]] = {
    "section": _check_section,
    "header": _check_header,
    "context": _check_context,
    "divider": _require(),
    "actions": _check_actions,
    "image": _check_image,
    "rich_text": _check_rich_text,
    "input": _check_input,
    "markdown": _check_markdown,
    "video": _require("alt_text", "title", "thumbnail_url", "video_url"),
    "file": _require("external_id", "source"),
    "call": _require("call_id"),
}
