"""Golden output: whole sites built from fixed data, kept in tests/golden/ and compared byte for byte.

Any change to what a build writes shows up as a failing test and, once regenerated, as a
reviewable diff. The static files are left out: the build copies them from templates/static
unchanged (the test checks that), so a stylesheet edit needs no new golden output. Regenerate after an intended change with:

    .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ratings.site import build_files
from ratings.synthetic import dataset
from ratings.validate import load_dataset

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).parent / "fixtures"

# name: (data text, site URL). The synthetic set is small but has every table shape of a large one.
SITE_URL = "https://example.org/probation/"


def datasets() -> dict[str, tuple[str, str | None]]:
    return {
        "small": ((FIXTURES / "small.yaml").read_text(encoding="utf-8"), SITE_URL),
        "five": ((FIXTURES / "five.yaml").read_text(encoding="utf-8"), None),
        "synthetic": (dataset(8, 3), None),
    }


STATIC = "static/"


def build(text: str, site_url: str | None) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.yaml"
        path.write_text(text, encoding="utf-8")
        return build_files(load_dataset(path), site_url=site_url)


def generated(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files a build makes, without the static files it copies."""
    return {name: content for name, content in files.items() if not name.startswith(STATIC)}


def stored(name: str) -> dict[str, bytes]:
    root = GOLDEN / name
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def regenerate() -> None:
    for name, (text, site_url) in datasets().items():
        shutil.rmtree(GOLDEN / name, ignore_errors=True)
        for relative, content in generated(build(text, site_url)).items():
            target = GOLDEN / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        print(f"tests/golden/{name}/ regenerated")


if __name__ == "__main__":
    regenerate()
