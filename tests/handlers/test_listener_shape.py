"""Listeners read like bolt-python's examples: module-level `handle_*` functions of at most
20 lines that each module's `register(app)` wires; no listener hides as a closure inside
`register`. Checked on the source, so a listener that grows fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
MAX_BODY_LINES = 20


def body_lines(function: ast.FunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = function.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(body) > 1:
        first = body[1]
    return (function.end_lineno or first.lineno) - first.lineno + 1


def modules() -> list[Path]:
    return sorted(HANDLERS.glob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.name)
def test_listeners_are_short_module_functions(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    too_long = {
        f.name: body_lines(f)
        for f in functions
        if f.name.startswith("handle_") and body_lines(f) > MAX_BODY_LINES
    }
    assert not too_long, f"listeners over {MAX_BODY_LINES} lines: {too_long}"
    for register in (f for f in functions if f.name == "register"):
        nested = [n.name for n in ast.walk(register) if isinstance(n, ast.FunctionDef)][1:]
        assert not nested, f"{path.name}: listeners defined inside register(): {nested}"


def test_the_wired_listeners_are_found() -> None:
    """The check sees the listeners it is about (it would pass vacuously on none)."""
    names = {
        node.name
        for path in modules()
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("handle_")
    }
    assert {"handle_message", "handle_approve", "handle_answer", "handle_campaign"} <= names


def test_a_long_listener_is_counted(tmp_path: Path) -> None:
    source = "def handle_x():\n    '''Doc.'''\n" + "    pass\n" * 21
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert body_lines(function) == 21
