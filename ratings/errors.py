"""The one exception for bad data, carrying every problem with its location."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a data file, where it is, and what was expected."""

    file: str
    line: int
    column: int
    field: str
    message: str
    warning: bool = False  # a warning does not stop a build, unless --strict

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        message = f"warning: {self.message}" if self.warning else self.message
        return f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"


class DataError(Exception):
    """The data could not be used; every problem found is listed, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
