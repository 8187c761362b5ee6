"""The allocator's setting for a build: taken where glibc offers it, before the build forks."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ratings import allocator, load
from ratings.cli import cli


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_agrees_to_keep_freed_memory():
    assert allocator.keep_freed_memory() is True


def test_elsewhere_the_default_stays(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert allocator.keep_freed_memory() is False


def test_a_build_keeps_freed_memory_before_it_starts_reading(
    runner: CliRunner, small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    order: list[str] = []
    real_reading = load.Started.reading

    def keep() -> bool:
        order.append("keep")
        return True

    def reading(cls: type[load.Started], *args: Any) -> load.Started:
        order.append("read")
        return real_reading(*args)

    monkeypatch.setattr(allocator, "keep_freed_memory", keep)
    monkeypatch.setattr(load.Started, "reading", classmethod(reading))
    result = runner.invoke(cli, ["build", "--data", str(small), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert order == ["keep", "read"]


class _Made:
    """An object of the kind a build makes (weakly referable, unlike a list)."""


def test_only_a_process_that_ends_at_once_keeps_what_it_is_given(monkeypatch: pytest.MonkeyPatch):
    import weakref

    monkeypatch.setattr(allocator, "_kept", None)  # a process that goes on: a test, `ratings serve`
    made = _Made()
    gone = weakref.ref(made)
    allocator.keep(made)
    del made
    assert gone() is None  # freed as usual
    allocator.keep_to_the_end()
    made = _Made()
    kept = weakref.ref(made)
    allocator.keep(made)
    del made
    assert kept() is not None  # left for the end of the process
