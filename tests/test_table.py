"""Points, scores, the latest inspection per provider, and the order and tie rule."""

import datetime as dt
from pathlib import Path

from ratings import table
from ratings.validate import load_dataset

from .conftest import REPO, small_with


def league_rows(path: Path, as_of: dt.date | None = None) -> list[tuple[object, ...]]:
    league = table.build(load_dataset(path), as_of).league_rows
    return [(r["rank_label"], r["provider"], r["overall"], r["score"], r["published"]) for r in league]


def test_league_order_ties_and_groups(small: Path):
    assert league_rows(small) == [
        ("1", "NPS North", "Good", 7, "2019-05-01"),
        ("2", "Alpha CRC", "Good", 6, "2020-03-01"),
        ("=3", "Beta CRC", "Requires improvement", 5, "2019-01-15"),
        ("=3", "Delta CRC", "Requires improvement", 5, "2019-03-01"),
        # Incomplete: after complete records of its rating, its partial score not used (None).
        ("5", "Gamma CRC", "Requires improvement", None, "2019-06"),
        # A framework with another maximum is ranked in its own table, from 1.
        ("1", "PDU One", "Inadequate", 0, "2022-01-10"),
    ]


def test_as_of_keeps_only_inspections_published_by_then(small: Path):
    assert league_rows(small, dt.date(2019, 6, 29)) == [
        ("1", "NPS North", "Good", 7, "2019-05-01"),
        ("=2", "Beta CRC", "Requires improvement", 5, "2019-01-15"),
        ("=2", "Delta CRC", "Requires improvement", 5, "2019-03-01"),
        ("4", "Alpha CRC", "Requires improvement", 4, "2018-10-01"),
    ]
    # Gamma's "2019-06" may mean any day in June: it counts once June is over.
    assert ("5", "Gamma CRC", "Requires improvement", None, "2019-06") in league_rows(small, dt.date(2019, 6, 30))


def test_a_later_unrated_inspection_does_not_displace_a_rating(small: Path):
    rows = {r[1]: r for r in league_rows(small)}
    assert rows["Gamma CRC"][4] == "2019-06"  # not the 2020-02-20 inspection that was "not rated"


def test_a_provider_with_only_an_unrated_inspection_comes_last(tmp_path: Path):
    path = small_with(
        tmp_path, "published: 2019-06\n    overall: Requires improvement", "published: 2019-06\n    overall: not rated"
    )
    rows = league_rows(path)
    assert rows[4] == ("5", "Gamma CRC", "not rated", None, "2020-02-20")


def test_incomplete_records_share_a_place_whatever_their_partial_score(tmp_path: Path):
    path = small_with(
        tmp_path, "{leadership: Requires improvement, assessment: Good, unpaid_work: Good}", "{leadership: Good}"
    )
    rows = league_rows(path)
    assert [r[:2] for r in rows[2:5]] == [("3", "Beta CRC"), ("=4", "Delta CRC"), ("=4", "Gamma CRC")]


def test_scores_and_completeness(small: Path):
    frame = table.inspections_frame(load_dataset(small)).set_index("inspection_id")
    gamma = frame.loc["gamma-crc-2019-06"]
    assert (gamma["points_recorded"], gamma["standards_recorded"], gamma["standards"], gamma["complete"]) == (
        1,
        1,
        3,
        False,
    )
    assert gamma["rating:2.1 Assessment"] == "not recorded"
    alpha = frame.loc["alpha-crc-2018-10-01"]
    assert (alpha["score"], alpha["max_score"], alpha["complete"]) == (4, 9, True)


def test_owner_at_the_time_comes_from_the_history(tmp_path: Path):
    path = small_with(tmp_path, "published: 2019-01-15", "published: 2019-03-15")
    frame = table.inspections_frame(load_dataset(path)).set_index("provider_id")
    assert frame.loc["beta-crc", "owner"] == "Bravo Services"
    frame = table.inspections_frame(load_dataset(Path(__file__).parent / "fixtures" / "small.yaml"))
    assert frame.set_index("provider_id").loc["beta-crc", "owner"] == "Acme Justice"


def test_two_owners_that_both_fit_the_date_leave_the_owner_unknown(tmp_path: Path):
    path = small_with(tmp_path, "{owner: acme, until: 2019-02-14}", "{owner: acme}")
    path.write_text(path.read_text().replace("{owner: bravo, since: 2019-02-15}", "{owner: bravo}"))
    data = load_dataset(path)
    beta = [i for i in data.inspections if i.provider == "beta-crc"]
    assert beta and all(data.owner_at(i) is None for i in beta)
    rows = [r for r in table.inspection_rows(data) if r["provider_id"] == "beta-crc"]
    assert [(r["owner_id"], r["owner"]) for r in rows] == [(None, None)] * len(beta)
    alpha = next(i for i in data.inspections if i.provider == "alpha-crc")
    assert data.owner_at(alpha) == "acme"  # one owner, no dates: always that one


def test_rows_carry_what_the_pages_show_of_each_inspection():
    # The pages read an inspection's programme and notes from its row, not from the records.
    data = load_dataset(REPO / "data" / "ratings.yaml")
    rows = table.inspection_rows(data)
    assert [(r["inspection_id"], r["programme"], r["notes"]) for r in rows] == [
        (i.key, i.programme, i.notes) for i in data.inspections
    ]
    assert any(r["programme"] for r in rows) and any(r["notes"] for r in rows)


def test_groups_share_a_table_only_with_the_same_maximum(small: Path):
    groups = table.groups(load_dataset(small))
    assert [(g.key, g.standards, g.max_score) for g in groups] == [("crc-mini-nps-mini", 3, 9), ("pdu-mini", 2, 6)]
    assert [c.label for c in groups[0].columns] == [
        "1.1 Leadership",
        "2.1 Assessment",
        "3.1 Court reports",
        "4.1 Unpaid work",
    ]


def test_a_published_total_ranks_as_a_score(tmp_path: Path):
    # Gamma (partial) gets a published total: it now ranks by it, among the known scores.
    path = small_with(
        tmp_path,
        "    sources: [https://example.org/gamma-2019]",
        "    published_score: 6\n    sources: [https://example.org/gamma-2019]",
    )
    rows = league_rows(path)
    assert [r[:4] for r in rows[2:5]] == [
        ("3", "Gamma CRC", "Requires improvement", 6),
        ("=4", "Beta CRC", "Requires improvement", 5),
        ("=4", "Delta CRC", "Requires improvement", 5),
    ]
    frame = table.build(load_dataset(path)).league.set_index("provider_id")
    assert (frame.loc["gamma-crc", "score_basis"], bool(frame.loc["gamma-crc", "complete"])) == (
        "published total",
        False,
    )


def test_plain_rows_follow_the_frames(small: Path):
    """The rows by date (sorted in Python) and the league (ranked with pandas) are what sorting
    and ranking the inspections' frame give."""
    data = load_dataset(small)
    tables = table.build(data)
    frame = table.inspections_frame(data)
    by_date = frame.sort_values(["published_last_day", "provider", "inspection_id"], kind="mergesort")
    assert [r["inspection_id"] for r in tables.inspection_rows] == list(by_date["inspection_id"])
    league = table.rank(table.latest(frame))
    assert [r["provider_id"] for r in tables.league_rows] == list(league["provider_id"])
    assert [r["rank_label"] for r in tables.league_rows] == list(league["rank_label"])
    assert tables.league["provider_id"].tolist() == list(league["provider_id"])


def test_the_ranking_reads_only_its_columns_and_agrees_with_the_whole_frame(tmp_path: Path, small: Path):
    from ratings.synthetic import dataset

    many = tmp_path / "many.yaml"
    many.write_text(dataset(60, 5), encoding="utf-8")
    for path in (small, many):
        made = table.unranked(load_dataset(path), None)
        for as_of in (None, dt.date(2019, 3, 1), dt.date(2021, 6, 30), dt.date(2000, 1, 1)):
            whole = table.inspections_frame_of(made.rows)
            if as_of is not None:
                whole = whole[whole["published_last_day"] <= as_of]
            league = table.rank(table.latest(whole))
            expected = list(
                zip(league.index.tolist(), league["rank"].tolist(), league["rank_label"].tolist(), strict=True)
            )
            assert table.ranking(made, as_of) == expected
            assert as_of != dt.date(2000, 1, 1) or expected == []
