"""Where the shipped templates and data live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# In a wheel, pyproject.toml's force-include puts these inside the package; in a checkout
# (or an editable install) they sit at the repository root beside the package.
_PACKAGED_TEMPLATES = PACKAGE_DIR / "_templates"
_PACKAGED_DATA = PACKAGE_DIR / "_data" / "ratings.yaml"
_CHECKOUT_ROOT = PACKAGE_DIR.parent

LOCAL_DATA = Path("data") / "ratings.yaml"


def templates_dir() -> Path:
    return _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else _CHECKOUT_ROOT / "templates"


def default_data() -> Path:
    """./data/ratings.yaml when it exists, else the copy shipped with the package."""
    if LOCAL_DATA.is_file():
        return LOCAL_DATA
    if _PACKAGED_DATA.is_file():
        return _PACKAGED_DATA
    return _CHECKOUT_ROOT / "data" / "ratings.yaml"
