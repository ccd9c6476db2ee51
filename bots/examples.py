"""What a newcomer can try: one list (`examples.toml`) for every place that offers it.

The sandbox page's "Try" chips, the CMO's welcome and the suggested prompts of Slack's
assistant pane all read this file, so an example added here appears everywhere at once.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from errors import ConfigError

DEFAULT_EXAMPLES_PATH = Path(__file__).with_name("examples.toml")
MAX_PROMPTS = 4  # Slack's assistant pane shows at most four suggested prompts
PROMPT_TITLE_MAX_CHARS = 75  # a suggested prompt's title (what the button shows)


class Example(BaseModel):
    """One thing to try: `label` says what it shows, `text` is what the person sends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1, max_length=PROMPT_TITLE_MAX_CHARS)
    text: str = Field(min_length=1, max_length=1000)
    prompt: bool = False  # offered as a suggested prompt in the assistant pane

    @property
    def is_command(self) -> bool:
        return self.text.startswith("/")


class Examples(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    examples: tuple[Example, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _prompts_fit_the_pane(self) -> Examples:
        prompts = [e for e in self.examples if e.prompt]
        if not 1 <= len(prompts) <= MAX_PROMPTS:
            raise ValueError(
                f"mark 1 to {MAX_PROMPTS} examples `prompt = true`, not {len(prompts)}"
            )
        if any(e.is_command for e in prompts):
            raise ValueError("a suggested prompt is sent as a message, so it cannot be a command")
        return self

    @property
    def prompts(self) -> tuple[Example, ...]:
        """The assistant pane's suggested prompts, in the file's order."""
        return tuple(e for e in self.examples if e.prompt)


@cache
def load_examples(path: Path = DEFAULT_EXAMPLES_PATH) -> Examples:
    """Read and check the examples; a `ConfigError` names the problem."""
    try:
        return Examples.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise ConfigError(f"Examples file {path} is invalid: {error}") from error
