"""Frameworks are data: one that no code mentions loads, validates, ranks and renders."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ratings.cli import cli
from ratings.export import export_table
from ratings.site import build_files
from ratings.table import build, groups
from ratings.validate import load_dataset

from .conftest import FIXTURES, small_with
from .html import table

FIVE = FIXTURES / "five.yaml"


def test_a_five_standard_framework_with_its_own_points_ranks_and_renders():
    data = load_dataset(FIVE)
    [group] = groups(data)
    assert (group.standards, group.max_score) == (5, 20)
    league = build(data).league
    # North: 3+3+4+3+1 = 14 (Good); West: published total 14 (Good); South: 3+1+1+3+0 = 8.
    assert list(zip(league["rank_label"], league["provider"], league["score"], strict=True)) == [
        ("=1", "North region", 14),
        ("=1", "West region", 14),
        ("3", "South region", 8),
    ]
    files = build_files(data)
    rows = table(files["index.html"].decode(), "league-1")
    assert rows[0][8:13] == ["A Alpha", "B Bravo", "C Charlie", "D Delta", "E Echo"]
    assert rows[1][7] == "14 / 20"
    assert rows[2][7] == "14 / 20 (published total)"
    assert "<h3>Letters framework</h3>" in files["methodology.html"].decode()
    assert "Outstanding 18–20" in " ".join(files["methodology.html"].decode().split())
    assert (
        export_table(data, "league", "csv")
        .splitlines()[0]
        .endswith("A Alpha,B Bravo,C Charlie,D Delta,E Echo,report_url,sources")
    )


def test_bands_only_warn(tmp_path: Path):
    path = tmp_path / "five.yaml"
    path.write_text(FIVE.read_text().replace("    overall: Requires improvement", "    overall: Good"))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert (
        "warning: overall rating 'Good' but its score 8/20 falls in the 'Requires improvement' band (5-10, unconfirmed)"
        in result.stderr
    )
    assert (
        build(load_dataset(path)).league.set_index("provider_id").loc["south", "overall"] == "Good"
    )  # never overruled


def test_mixed_frameworks_compare_percentages(tmp_path: Path):
    # PDU One is inspected again under a newer framework with three standards (out of 9).
    newer = """  - id: pdu-newer
    name: Newer PDU framework
    provider_types: [PDU]
    standards:
      - {key: leadership, number: "1", name: Leadership}
      - {key: planning, number: "2", name: Planning}
      - {key: reviewing, number: "3", name: Reviewing}

owners:"""
    again = """
  - provider: pdu-one
    framework: pdu-newer
    published: 2024-02-01
    overall: Requires improvement
    ratings: {leadership: Good, planning: Requires improvement, reviewing: Requires improvement}
    sources: [https://example.org/pdu-one-2024]
"""
    path = small_with(tmp_path, "\nowners:", "\n" + newer)
    path.write_text(
        path.read_text().replace("type: PDU, area: East}", "type: PDU, area: East, owners: [{owner: public}]}") + again
    )
    files = build_files(load_dataset(path))
    history = table(files["providers/pdu-one.html"].decode(), "table-1")
    assert history[2][5] == (
        "▲ Overall: up, from Inadequate to Requires improvement "
        "▲ Score: up, from 0% to 44% of the maximum (0/6 to 4/9: frameworks differ)"
    )
    # Owners whose inspections were scored out of different maxima average percentages, labelled.
    owners = table(files["owners/index.html"].decode(), "owners")
    public = next(r for r in owners if r[0] == "Public sector")
    # NPS North 7/9 (77.8%), PDU One 0/6 (0%) and 4/9 (44.4%): 40.7% on average.
    assert public[-1] == "40.7% of the maximum (3 of 3)"
