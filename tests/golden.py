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

from ratings.atomic import MARKER, replace_dir
from ratings.site import write_site
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
    """What `ratings build` writes (pages and downloads made in two processes where it can)."""
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "data.yaml", Path(folder) / "site"
        path.write_text(text, encoding="utf-8")
        data = load_dataset(path)
        replace_dir(lambda staging: write_site(data, staging, site_url=site_url), out)
        return {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MARKER
        }


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
