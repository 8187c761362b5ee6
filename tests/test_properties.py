"""Property-based tests: valid records load and rank; invalid ones fail with a located error;
arbitrary bytes never produce anything but a DataError."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings import table
from ratings.errors import DataError
from ratings.models import RATINGS
from ratings.validate import load_dataset

KEYS = ("leadership", "assessment", "reviewing")
FRAMEWORK = {
    "id": "f",
    "name": "F",
    "provider_types": ["CRC"],
    "standards": [{"key": k, "number": f"1.{i}", "name": k.title()} for i, k in enumerate(KEYS, 1)],
}
rating = st.sampled_from(RATINGS)
maybe_rating = st.one_of(st.none(), rating)


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=8))
    providers = [
        {"id": f"p{i}", "name": draw(st.text(min_size=1, max_size=20).filter(str.strip)), "type": "CRC", "area": "A"}
        for i in range(count)
    ]
    inspections = []
    for provider in providers:
        days = draw(
            st.lists(
                st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2024, 12, 31)),
                min_size=0,
                max_size=3,
                unique=True,
            )
        )
        for day in days:
            inspections.append(
                {
                    "provider": provider["id"],
                    "framework": "f",
                    "published": day.isoformat(),
                    "overall": draw(st.one_of(rating, st.just("not rated"))),
                    "ratings": {k: draw(maybe_rating) for k in KEYS},
                    "sources": ["https://example.org/x"],
                }
            )
    return {"frameworks": [FRAMEWORK], "providers": providers, "inspections": inspections}


def load_text(text: str | bytes) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return load_dataset(path, "d.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_valid_documents_load_and_rank(document: dict[str, Any]):
    data = load_text(yaml.safe_dump(document, allow_unicode=True))
    tables = table.build(data)
    league = tables.league
    # The rows by date (a stable sort in Python) in the order pandas' stable sort gives.
    frame = table.inspections_frame(data)
    if not frame.empty:
        by_date = frame.sort_values(["published_last_day", "provider", "inspection_id"], kind="mergesort")
        assert [r["inspection_id"] for r in tables.inspection_rows] == list(by_date["inspection_id"])
    providers_inspected = {i["provider"] for i in document["inspections"]}
    assert len(league) == len(providers_inspected)
    if not league.empty:
        ranks = list(league["rank"])
        assert ranks[0] == 1 and ranks == sorted(ranks)
        assert all(r <= position for position, r in enumerate(ranks, 1))
        # Shared ranks are exactly the rows equal on overall rating, completeness and score.
        for (_, a), (_, b) in zip(league.iloc[:-1].iterrows(), league.iloc[1:].iterrows(), strict=True):
            same = (a["overall"], a["complete"], a["score"] if a["complete"] else None) == (
                b["overall"],
                b["complete"],
                b["score"] if b["complete"] else None,
            )
            assert (a["rank"] == b["rank"]) == same


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.text(min_size=1, max_size=25).filter(lambda w: w.strip() and w not in RATINGS))
def test_a_wrong_rating_word_is_located(document: dict[str, Any], word: str):
    if not document["inspections"]:
        document["inspections"].append(
            {"provider": "p0", "framework": "f", "published": "2019-01-01", "sources": ["https://example.org/x"]}
        )
    document["inspections"][-1]["ratings"] = {"leadership": word}
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        load_text(text)
    except DataError as exc:
        fields = [p.field for p in exc.problems]
        assert fields == [f"inspections[{len(document['inspections']) - 1}].ratings.leadership"]
        assert exc.problems[0].line > 1
    else:
        raise AssertionError(f"{word!r} was accepted as a rating")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_a_data_error(blob: bytes):
    try:
        load_text(blob)
    except DataError as exc:
        assert exc.problems and all(p.line >= 1 and p.column >= 1 for p in exc.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc:- \n\t[]{}&*!'\"#|>0123456789")), max_size=120))
def test_arbitrary_yaml_like_text_never_raises_anything_but_a_data_error(text: str):
    try:
        load_text(text)
    except DataError as exc:
        assert exc.problems


@given(st.one_of(st.text(), st.text(alphabet="&<>'\"ab "), st.integers(), st.booleans(), st.floats(allow_nan=False)))
def test_esc_escapes_as_jinja2_does_the_first_time_and_again(value: Any):
    """`esc` remembers the texts it has seen: a text asked for again is escaped the same, and
    equal values of other kinds (1, True, 1.0) are not taken for one another; `esc_unique`,
    which remembers nothing, escapes text the same."""
    from markupsafe import escape

    from ratings.table_html import esc, esc_unique

    expected = str(escape(value))
    assert esc(value) == expected
    assert esc(value) == expected
    if isinstance(value, str):
        assert esc(value + "<") == str(escape(value + "<"))
        assert esc_unique(value) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 10**6), st.floats(0, 1))
def test_the_methodology_totals_are_the_coverage_reports_total(providers: int, each: int, seed: int, recorded: float):
    from ratings.coverage import coverage, totals
    from ratings.synthetic import dataset

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.yaml"
        path.write_text(dataset(providers, each, seed=seed, recorded=recorded), encoding="utf-8")
        data = load_dataset(path)
    assert totals(data) == coverage(data)[1]


def test_the_methodology_totals_of_the_real_data_are_the_coverage_reports_total():
    from ratings.coverage import coverage, totals

    real = load_dataset(Path(__file__).resolve().parent.parent / "data" / "ratings.yaml")
    assert totals(real) == coverage(real)[1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.text("ab", min_size=1, max_size=3)), unique_by=lambda t: t[1], max_size=40
    ),
    st.integers(0, 45),
)
def test_the_feeds_latest_are_the_newest_of_all(rows: list[tuple[int, str]], count: int):
    """`site.latest` looks at the date-ordered rows' tail only: the same as the newest of all."""
    from ratings.site import latest

    records: list[dict[str, Any]] = [
        {"published_last_day": dt.date(2020, 1, 1 + day), "inspection_id": key} for day, key in rows
    ]
    records.sort(key=lambda r: r["published_last_day"])  # by date, as Tables keeps them; ids in any order
    expected = sorted(records, key=lambda r: (r["published_last_day"], r["inspection_id"]), reverse=True)[:count]
    assert latest(records, count) == expected
