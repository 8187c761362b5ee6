"""The command line: exact output and exit codes on small fixtures."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from ratings import __version__
from ratings.cli import cli

from .conftest import line_of, small_with


def test_version(runner: CliRunner):
    result = runner.invoke(cli, ["--version"])
    assert (result.exit_code, result.output) == (0, f"ratings, version {__version__}\n")


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["export"], ["stats"]])
def test_every_command_has_help_with_an_example(runner: CliRunner, command: list[str]):
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_validate_prints_a_one_line_summary(runner: CliRunner, small: Path):
    result = runner.invoke(cli, ["validate", str(small)])
    assert result.exit_code == 0
    assert result.output == (
        f"{small}: OK: 6 providers, 8 inspections, 8 overall ratings, 18 of 23 standard ratings recorded\n"
    )


def test_validate_names_the_line_of_a_wrong_rating(runner: CliRunner, tmp_path: Path):
    path = small_with(tmp_path, "court_work: Outstanding}", "court_work: Excellent}")
    line = line_of(path, "court_work: Excellent")
    column = path.read_text().splitlines()[line - 1].index("Excellent") + 1
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:{line}:{column}: inspections[6].ratings.court_work: 'Excellent' is not a rating "
        "(expected one of: Outstanding, Good, Requires improvement, Inadequate)\n"
        "Error: 1 problem found; nothing was written.\n"
    )


def test_build_refuses_bad_data_and_writes_nothing(runner: CliRunner, tmp_path: Path):
    path = small_with(tmp_path, "overall: Good", "overall: Goodish")
    out = tmp_path / "site"
    result = runner.invoke(cli, ["build", "--data", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "'Goodish' is not an overall rating" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_build_writes_the_site(runner: CliRunner, small: Path, tmp_path: Path):
    out = tmp_path / "site"
    result = runner.invoke(cli, ["build", "--data", str(small), "--out", str(out), "--as-of", "2019-12-31"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Built 33 files into {out}/\n"
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        ".ratings-build",
        "404.html",
        "areas/east.html",
        "areas/index.html",
        "areas/north.html",
        "areas/south.html",
        "data/datapackage.json",
        "data/inspections-excel.csv",
        "data/inspections.csv",
        "data/inspections.json",
        "data/league-table-excel.csv",
        "data/league-table.csv",
        "data/league-table.json",
        "data/ratings-excel.csv",
        "data/ratings.csv",
        "data/ratings.db",
        "data/ratings.json",
        "data/ratings.schema.json",
        "feed.xml",
        "index.html",
        "methodology.html",
        "owners/acme.html",
        "owners/bravo.html",
        "owners/index.html",
        "owners/public.html",
        "providers/alpha-crc.html",
        "providers/beta-crc.html",
        "providers/delta-crc.html",
        "providers/gamma-crc.html",
        "providers/nps-north.html",
        "providers/pdu-one.html",
        "standards.html",
        "static/style.css",
        "static/table.js",
    ]
    html = (out / "index.html").read_text()
    assert 'Ratings as at <time datetime="2019-12-31">31 December 2019</time>.' in html
    assert "PDU One" not in html  # published 2022: after the as-of date
    assert (out / "data" / "league-table.csv").read_text().count("\n") == 6  # header + 5 providers


def test_export_prints_csv_by_default(runner: CliRunner, small: Path):
    result = runner.invoke(cli, ["export", "--data", str(small)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("table,rank,rank_label,provider_id,provider,")
    assert len(lines) == 7


def test_export_json_to_a_file(runner: CliRunner, small: Path, tmp_path: Path):
    target = tmp_path / "out" / "inspections.json"
    result = runner.invoke(
        cli, ["export", "--data", str(small), "--table", "inspections", "--format", "json", "--output", str(target)]
    )
    assert (result.exit_code, result.output) == (0, "")
    assert target.read_text().startswith('[\n{"inspection_id": "alpha-crc-2018-10-01", ')


@pytest.mark.parametrize(
    "args",
    [["export", "--format", "xlsx"], ["build", "--as-of", "31/12/2019"], ["frobnicate"], ["export", "--table", "nope"]],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_missing_data_file(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(cli, ["validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'none.yaml'}:1:1: no such file (expected a YAML data file)\n")


def test_default_data_is_the_local_file(
    runner: CliRunner, small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ratings.yaml").write_text(small.read_text())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert result.output.startswith("data/ratings.yaml: OK: 6 providers, 8 inspections")


def test_stats_reports_coverage_per_provider(runner: CliRunner, small: Path):
    result = runner.invoke(cli, ["stats", "--data", str(small)])
    assert result.exit_code == 0
    assert result.output == (
        "Provider   Inspections  Overall  Standards    of     %\n"
        "------------------------------------------------------\n"
        "Alpha CRC            2        2          6     6  100%\n"
        "Beta CRC             1        1          3     3  100%\n"
        "Delta CRC            1        1          3     3  100%\n"
        "Gamma CRC            2        2          1     6   17%\n"
        "NPS North            1        1          3     3  100%\n"
        "PDU One              1        1          2     2  100%\n"
        "------------------------------------------------------\n"
        "Total                8        8         18    23   78%\n"
    )


def test_stats_fits_in_100_columns_on_the_real_data(runner: CliRunner):
    from .conftest import REPO

    result = runner.invoke(cli, ["stats", "--data", str(REPO / "data" / "ratings.yaml")])
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 100
    assert result.output.splitlines()[-1].startswith("Total")


def test_the_command_ends_at_once_with_its_output_whole_and_its_exit_status(runner: CliRunner, tmp_path: Path):
    """`ratings` ends its process without Python's teardown (see cli.main): nothing it wrote
    to a pipe may be lost, and the exit status stays click's."""
    import subprocess
    import sys

    from ratings.synthetic import dataset

    data = tmp_path / "many.yaml"
    data.write_text(dataset(200, 5), encoding="utf-8")
    command = [sys.executable, "-m", "ratings"]
    args = ["export", "--data", str(data), "--table", "ratings", "--format", "json"]
    piped = subprocess.run([*command, *args], capture_output=True, check=False)
    expected = runner.invoke(cli, args).output.encode("utf-8")
    assert len(expected) > 1_000_000  # far more than a pipe holds at once
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, expected, b"")

    bad = small_with(tmp_path, "unpaid_work: Good}", "unpaid_work: Fine}")
    failed = subprocess.run([*command, "validate", str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert failed.stderr.endswith("Error: 1 problem found; nothing was written.\n")
    unknown = subprocess.run([*command, "no-such-command"], capture_output=True, text=True, check=False)
    assert unknown.returncode == 2
    assert "No such command" in unknown.stderr
