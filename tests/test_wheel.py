"""After a plain (not editable) install, `ratings build` works from any directory."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    [built] = out.glob("probation_ratings-*.whl")
    return built


def test_the_wheel_carries_templates_and_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ratings/_data/ratings.yaml" in names
    assert "ratings/_templates/index.html" in names
    assert "ratings/_templates/static/style.css" in names
    assert zipfile.ZipFile(wheel).read("ratings/_data/ratings.yaml") == (REPO / "data" / "ratings.yaml").read_bytes()


def test_installed_package_builds_from_any_directory(wheel: Path, tmp_path: Path):
    target = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import ratings; print(ratings.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))  # the installed copy, not the checkout
    result = subprocess.run(
        [sys.executable, "-m", "ratings", "build"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "site" / "index.html").read_text().count('<th scope="row" class="provider">') >= 1
    assert (elsewhere / "site" / "static" / "style.css").is_file()
