"""Builds match the stored golden sites byte for byte (regenerate: python -m tests.golden)."""

from __future__ import annotations

import difflib

import pytest

from tests.golden import build, datasets, stored


@pytest.mark.parametrize("name", sorted(datasets()))
def test_build_matches_golden_output(name: str):
    text, site_url = datasets()[name]
    built, expected = build(text, site_url), stored(name)
    assert sorted(built) == sorted(expected), "files added or missing (regenerate: python -m tests.golden)"
    for path in sorted(built):
        if built[path] != expected[path]:
            if path.endswith(".db"):
                pytest.fail(f"{name}/{path} differs (binary)")
            diff = difflib.unified_diff(
                expected[path].decode().splitlines(), built[path].decode().splitlines(), "golden", "built", lineterm=""
            )
            pytest.fail(f"{name}/{path} differs from the golden output:\n" + "\n".join(list(diff)[:40]))
