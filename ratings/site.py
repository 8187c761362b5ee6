"""Stage 4a: the static site. Gather every file in memory first, then write them in one step.

Templates get plain dataclasses, never DataFrames, so what a page can show is visible here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ratings import __version__, export, table
from ratings.models import NOT_RATED, RATINGS, Dataset, PartialDate, parse_partial_date
from ratings.paths import templates_dir

if TYPE_CHECKING:
    import pandas as pd

# A CSS class per rating word; the word itself is always printed beside the colour.
RATING_CLASS = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement": "requires-improvement",
    "Inadequate": "inadequate",
    NOT_RATED: "not-rated",
    table.NOT_RECORDED: "not-recorded",
}


@dataclass(frozen=True)
class Cell:
    word: str  # a rating, "not recorded", or "n/a"
    css: str
    points: int | None


@dataclass(frozen=True)
class Row:
    rank_label: str
    provider: str
    provider_id: str
    type: str
    owner: str
    area: str
    published: str
    published_iso: str
    overall: str
    overall_css: str
    score_text: str
    score: int | None
    max_score: int
    complete: bool
    standards_recorded: int
    standards: int
    cells: tuple[Cell, ...]
    report_url: str | None
    sources: tuple[str, ...]
    inspection_id: str


@dataclass(frozen=True)
class LeagueTable:
    title: str
    columns: tuple[table.Column, ...]
    rows: tuple[Row, ...]
    max_score: int
    standards: int
    recorded: int
    possible: int


@dataclass(frozen=True)
class IndexPage:
    as_at: str
    as_at_iso: str
    as_of_given: bool
    tables: tuple[LeagueTable, ...]
    recorded: int
    possible: int
    overall_recorded: int
    providers: int
    version: str
    rating_words: tuple[str, ...]


def build_files(data: Dataset, as_of: dt.date | None = None) -> dict[str, bytes]:
    """Every file of the site, by relative path. Nothing is written here."""
    tables = table.build(data, as_of)
    files: dict[str, bytes] = {}

    page = _index_page(data, tables.groups, tables.league, as_of)
    files["index.html"] = _render("index.html", page=page, root="").encode("utf-8")
    for name, stem in (("league", "league-table"), ("inspections", "inspections")):
        for fmt in ("csv", "json"):
            files[f"data/{stem}.{fmt}"] = export.render(tables, name, fmt).encode("utf-8")
    for static in sorted((templates_dir() / "static").rglob("*")):
        if static.is_file():
            files[f"static/{static.relative_to(templates_dir() / 'static').as_posix()}"] = static.read_bytes()
    return files


def _index_page(data: Dataset, groups: list[table.Group], ranked: pd.DataFrame, as_of: dt.date | None) -> IndexPage:
    tables = []
    for group in groups:
        rows = ranked[ranked["group"] == group.key] if not ranked.empty else ranked
        if rows.empty:
            continue
        built = tuple(_row({str(k): v for k, v in r.items()}, group) for r in rows.to_dict("records"))
        recorded = sum(r.standards_recorded for r in built)
        possible = sum(r.standards for r in built)
        tables.append(
            LeagueTable(group.title, group.columns, built, group.max_score, group.standards, recorded, possible)
        )
    as_at = table.ratings_as_at(data, as_of)
    return IndexPage(
        as_at=_human(as_at) if as_at else "no ratings yet",
        as_at_iso=as_at.isoformat() if as_at else "",
        as_of_given=as_of is not None,
        tables=tuple(tables),
        recorded=sum(t.recorded for t in tables),
        possible=sum(t.possible for t in tables),
        overall_recorded=sum(1 for t in tables for r in t.rows if r.overall in RATINGS),
        providers=sum(len(t.rows) for t in tables),
        version=__version__,
        rating_words=RATINGS,
    )


def _row(row: dict[str, Any], group: table.Group) -> Row:
    framework = next(f for f in group.frameworks if f.id == row["framework"])
    cells = []
    for column in group.columns:
        word = export.plain(row.get(f"rating:{column.label}"))
        if word is None:
            cells.append(Cell("n/a", "not-applicable", None))
        elif word == table.NOT_RECORDED:
            cells.append(Cell(word, RATING_CLASS[word], None))
        else:
            cells.append(Cell(word, RATING_CLASS[word], framework.points[word]))
    overall = row["overall"]
    complete = bool(row["complete"])
    if complete:
        score_text = f"{int(row['score'])} / {int(row['max_score'])}"
    else:
        score_text = (
            f"{int(row['points_recorded'])} from {int(row['standards_recorded'])} of {int(row['standards'])} standards"
        )
    owner = export.plain(row["owner"])
    return Row(
        rank_label=row["rank_label"],
        provider=row["provider"],
        provider_id=row["provider_id"],
        type=row["type"],
        owner=owner or "not recorded",
        area=row["area"],
        published=parse_partial_date(row["published"]).human(),
        published_iso=row["published"],
        overall=overall,
        overall_css=RATING_CLASS[overall],
        score_text=score_text,
        score=int(row["score"]) if complete else None,
        max_score=int(row["max_score"]),
        complete=complete,
        standards_recorded=int(row["standards_recorded"]),
        standards=int(row["standards"]),
        cells=tuple(cells),
        report_url=export.plain(row["report_url"]),
        sources=tuple(row["sources"].split()),
        inspection_id=row["inspection_id"],
    )


def _human(day: dt.date) -> str:
    return PartialDate(day.year, day.month, day.day).human()


def _render(template: str, **context: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template(template).render(**context)
