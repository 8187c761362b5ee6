from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "small.yaml"
REPO = Path(__file__).parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small() -> Path:
    return SMALL


def write(tmp_path: Path, text: str, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def small_with(tmp_path: Path, old: str, new: str) -> Path:
    """The small fixture with one piece of text replaced (which must be there)."""
    text = SMALL.read_text(encoding="utf-8")
    assert old in text, f"fixture has no {old!r}"
    return write(tmp_path, text.replace(old, new, 1))


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    return hits[occurrence - 1]
