"""Which package may import which: checked on the source, so a violation fails here and not
in a review.

- `models/` is the data layer: it stores and queries, it knows no policy. The department's
  rules (`bots/`) are applied by the callers in `jobs/` and `handlers/`.
- `sandbox/` is started by `app.py` (`python app.py` without Slack credentials); importing
  `app` back from there would make the two import each other. The launcher is handed what it
  needs from `app.py` instead.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def imported_modules(path: Path, root: Path = REPO) -> set[str]:
    """Every module a file imports, at the top or inside a function (a lazy import is still
    a dependency), relative imports resolved from the file's place under `root`."""
    package = list(path.relative_to(root).parent.parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            # `from bots import authority` names bots.authority
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def importers(package: str, forbidden: str) -> list[str]:
    """The files under `package` that import `forbidden` or anything inside it."""
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return [
        str(path.relative_to(REPO))
        for path in files
        if any(
            name == forbidden or name.startswith(f"{forbidden}.") for name in imported_modules(path)
        )
    ]


@pytest.mark.parametrize(("package", "forbidden"), [("models", "bots"), ("sandbox", "app")])
def test_package_does_not_import(package: str, forbidden: str) -> None:
    assert importers(package, forbidden) == []


def test_the_check_sees_lazy_from_and_relative_imports(tmp_path: Path) -> None:
    """The walk must catch the forms the fixed code used (a lazy `import app` in a function,
    `from bots.x import Y`) and a relative import out of the package."""
    source = tmp_path / "models" / "sample.py"
    source.parent.mkdir()
    source.write_text(
        "from bots.authority import AuthorityMatrix\n"
        "from ..bots import roster\n"
        "def run() -> None:\n"
        "    import app as app_module\n"
        "import application_helpers\n",
        encoding="utf-8",
    )
    names = imported_modules(source, root=tmp_path)
    assert {"bots.authority", "bots.roster", "app", "application_helpers"} <= names


def test_the_slack_app_does_not_load_the_claude_sdk() -> None:
    """Only workers talk to Claude: the app that must ack within 3 s starts without the SDK
    (about a second of import) and without the job modules."""
    probe = (
        "import sys, app; print(sorted(m for m in sys.modules"
        " if m == 'anthropic' or m.startswith('jobs.agent')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
