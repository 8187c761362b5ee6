"""Data in: `ratings add` keeps the file as it was but for the new record; `ratings show`."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from ratings.cli import cli

from .conftest import REPO, SMALL


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ratings.yaml"
    shutil.copy(source, target)
    return target


def test_add_round_trips_the_real_data_file(tmp_path: Path):
    path = copy_of(REPO / "data" / "ratings.yaml", tmp_path)
    before = path.read_text()
    result = CliRunner().invoke(
        cli,
        [
            "add", "--data", str(path), "--provider", "pdu-sheffield", "--published", "2026-01-15",
            "--overall", "Requires improvement", "--rating", "leadership=Good", "--rating", "reviewing=Inadequate",
            "--published-score", "7", "--source", "https://example.org/sheffield-2026", "--notes", "A test record.",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = path.read_text()
    added = after[len(before) :]
    assert after.startswith(before)  # every existing byte kept: comments, order, blank lines
    assert added == (
        "  - provider: pdu-sheffield\n"
        "    framework: pdu-2023\n"
        "    published: 2026-01-15\n"
        "    overall: Requires improvement\n"
        "    ratings:\n"
        "      leadership: Good\n"
        "      staff:\n"
        "      services:\n"
        "      assessment:\n"
        "      planning:\n"
        "      implementation_delivery:\n"
        "      reviewing: Inadequate\n"
        "    published_score: 7\n"
        "    sources:\n"
        "      - https://example.org/sheffield-2026\n"
        "    notes: >-\n"
        "      A test record.\n"
    )
    line = before.count("\n") + 1
    assert result.output == f"Added inspection pdu-sheffield-2026-01-15 to {path} at line {line}.\n"
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0


def test_a_refused_record_leaves_the_file_byte_identical(tmp_path: Path):
    path = copy_of(SMALL, tmp_path)
    before = path.read_bytes()
    result = CliRunner().invoke(
        cli,
        ["add", "--data", str(path), "--provider", "beta-crc", "--published", "2020-05-01", "--overall", "Good",
         "--rating", "leadership=Requires Improvement", "--source", "https://example.org/b"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "ratings.leadership: 'Requires Improvement' is not a rating" in result.stderr
    line = int(result.stderr.split(":")[1])
    assert line > before.decode().count("\n")  # the error is located in the new record's lines
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.yaml"]  # no temporary file left


def test_add_prompts_for_what_is_missing(tmp_path: Path):
    path = copy_of(SMALL, tmp_path)
    result = CliRunner().invoke(
        cli,
        ["add", "--data", str(path)],
        input="delta-crc\n2020-06-01\nGood\nhttps://example.org/delta-2020\n",
    )
    assert result.exit_code == 0, result.output
    assert "Provider id: delta-crc" in result.output and "Framework id" not in result.output  # its latest: crc-mini
    assert path.read_text().endswith(
        "  - provider: delta-crc\n    framework: crc-mini\n    published: 2020-06-01\n    overall: Good\n"
        "    ratings:\n      leadership:\n      assessment:\n      unpaid_work:\n"
        "    sources:\n      - https://example.org/delta-2020\n"
    )


def test_add_keeps_what_follows_the_last_inspection(tmp_path: Path):
    path = copy_of(SMALL, tmp_path)
    path.write_text(path.read_text() + "# A closing comment stays last.\n")
    result = CliRunner().invoke(
        cli,
        ["add", "--data", str(path), "--provider", "pdu-one", "--framework", "pdu-mini", "--published", "2023-01-01",
         "--overall", "Good", "--source", "https://example.org/p"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.endswith("      - https://example.org/p\n# A closing comment stays last.\n")


def test_show_fits_100_columns_with_a_legend(small: Path):
    result = CliRunner().invoke(cli, ["show", "--data", str(small)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0] == "Mini CRC framework and Mini NPS framework (scores out of 9)"
    assert lines[3].split() == ["1", "NPS", "North", "NPS", "G", "7/9", "G", "G", "O", "."]
    assert lines[7].split() == ["5", "Gamma", "CRC", "CRC", "RI", "-", "RI", "?", ".", "?"]
    assert "O Outstanding, G Good, RI Requires improvement, I Inadequate" in result.output
    nps = CliRunner().invoke(cli, ["show", "--data", str(small), "--type", "NPS"]).output
    assert "NPS North" in nps and "Alpha CRC" not in nps and "PDU One" not in nps
