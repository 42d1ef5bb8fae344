"""What is wrong in a data file, said so that a person can find it: file, feature, field, message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from geo.paths import ROOT


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file: where (file, feature, field) and what."""

    file: str
    feature: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.feature:
            parts.append(
                f"feature {self.feature}" if self.feature.startswith("#") else f"feature {self.feature!r}"
            )
        if self.field:
            parts.append(f"field {self.field!r}")
        parts.append(self.message)
        return ": ".join(parts)


class DataError(ValueError):
    """A data file failed its checks; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_if(problems: list[Problem]) -> None:
    """DataError listing ``problems``, if there are any."""
    if problems:
        raise DataError(problems)


def display(path: Path | str) -> str:
    """The path as messages show it: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def show(value: object) -> str:
    """A value as a message quotes it, cut short (it may be hostile or huge)."""
    try:
        text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
