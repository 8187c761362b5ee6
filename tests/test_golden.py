"""Builds match the stored golden sites byte for byte (regenerate: python -m tests.golden)."""

from __future__ import annotations

import difflib

import pytest

from ratings import parallel
from ratings.paths import templates_dir
from ratings.site import build_files
from ratings.validate import load_dataset
from tests.golden import FIXTURES, SITE_URL, STATIC, build, datasets, generated, stored


@pytest.mark.parametrize("name", sorted(datasets()))
def test_build_matches_golden_output(name: str):
    text, site_url = datasets()[name]
    whole = build(text, site_url)
    static = templates_dir() / "static"
    copied = {name[len(STATIC) :]: content for name, content in whole.items() if name.startswith(STATIC)}
    assert copied == {p.relative_to(static).as_posix(): p.read_bytes() for p in static.rglob("*") if p.is_file()}
    built, expected = generated(whole), stored(name)
    assert sorted(built) == sorted(expected), "files added or missing (regenerate: python -m tests.golden)"
    for path in sorted(built):
        if built[path] != expected[path]:
            if path.endswith(".db"):
                pytest.fail(f"{name}/{path} differs (binary)")
            diff = difflib.unified_diff(
                expected[path].decode().splitlines(), built[path].decode().splitlines(), "golden", "built", lineterm=""
            )
            pytest.fail(f"{name}/{path} differs from the golden output:\n" + "\n".join(list(diff)[:40]))


def test_the_golden_builds_use_two_processes():
    assert parallel.can_fork(), "a build in the test process runs in one process: the golden tests miss the other path"


def test_the_in_memory_build_matches_the_written_one():
    """`build_files` (one process, as `ratings serve` builds) gives what `ratings build` writes."""
    text, site_url = datasets()["small"]
    assert build_files(load_dataset(FIXTURES / "small.yaml"), site_url=SITE_URL) == build(text, site_url)
