"""Errors a person can act on: each bad input gives exit 1 and the exact located message.

Every message reads FILE:LINE:COL: field.path: what is wrong (expected ...); every problem is
listed before exit 1; no traceback unless --debug; usage errors exit 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ratings import parallel
from ratings.cli import cli

from .conftest import SMALL, line_of, small_with

FOOTER = "Error: 1 problem found; nothing was written.\n"


def validate(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, [*args, "validate", str(path)] if args and args[0] == "--debug" else ["validate", str(path), *args]
    )
    assert "Traceback" not in result.output or args[:1] == ("--debug",)
    return result.exit_code, result.stderr


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "data.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "frameworks:\n\t- id: a\n",
            "2:1: YAML syntax: while scanning for the next token found character that cannot start any token (expected spaces for indentation, not a tab)",
        ),
        (
            'owners:\n  - name: "Acme\n',
            "3:1: YAML syntax: while scanning a quoted scalar found unexpected end of stream (expected a closing quote)",
        ),
        (
            "owners:\n  - id: a\n   name: b\n",
            "3:4: YAML syntax: while parsing a block collection did not find expected '-' indicator (expected this line indented like the lines above it)",
        ),
        (
            "owners: [{id: a, name: b}\n",
            "2:1: YAML syntax: while parsing a flow sequence did not find expected ',' or ']' (expected a closing ']')",
        ),
        (
            "owners:\n  - id: a\n    name: Acme: the firm\n",
            "3:15: YAML syntax: mapping values are not allowed in this context (expected one 'key: value' per line; quote a value that contains ': ')",
        ),
        ("", "1:1: the file is empty (expected frameworks:, providers:, inspections:)"),
        ("- a\n- b\n", "1:1: the file holds a list (expected a mapping with frameworks:, providers:, inspections:)"),
        (
            "x: !!python/object/apply:os.system ['echo hi']\n",
            "1:4: YAML syntax: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
        ),
    ],
)
def test_yaml_syntax(tmp_path: Path, text: str, expected: str):
    path = write(tmp_path, text)
    assert validate(path) == (1, f"{path}:{expected}\n{FOOTER}")


def test_a_truncated_file(tmp_path: Path):
    text = SMALL.read_text()
    path = write(tmp_path, text[: text.index("pdu-one, name") + 4])
    code, err = validate(path)
    assert code == 1
    assert err == (
        f"{path}:46:1: YAML syntax: while parsing a flow mapping did not find expected ',' or '}}' "
        f"(expected a closing '}}')\n{FOOTER}"
    )


def test_not_utf8_and_byte_order_mark(tmp_path: Path):
    path = write(tmp_path, "owners:\n  - {id: a, name: Caf\xe9}\n".encode("latin-1"))
    assert validate(path) == (1, f"{path}:2:22: byte 0xe9 is not UTF-8 (expected a UTF-8 text file)\n{FOOTER}")
    bom = write(tmp_path, b"\xef\xbb\xbf" + SMALL.read_bytes())
    assert validate(bom)[0] == 0


def test_directory_missing_and_huge(tmp_path: Path):
    assert validate(tmp_path) == (1, f"{tmp_path}:1:1: is a directory (expected a YAML data file)\n{FOOTER}")
    missing = tmp_path / "nope.yaml"
    assert validate(missing) == (1, f"{missing}:1:1: no such file (expected a YAML data file)\n{FOOTER}")
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as stream:  # a sparse 100 MB file: refused before it is read
        stream.truncate(100 * 2**20)
    assert validate(huge) == (1, f"{huge}:1:1: is 100 MiB (expected a data file of at most 64 MiB)\n{FOOTER}")


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert validate(path) == (
        1,
        f"{path}:1:4: YAML syntax: this value (&anchor) is used again through an alias (*anchor): "
        f"aliases are not supported (expected each value written out)\n{FOOTER}",
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "    report_url: https://example.org/nps-north",
            "    reportURL: https://example.org/nps-north",
            "inspections[6].reportURL",
            "unknown field 'reportURL' (expected one of: id, provider, framework, programme, published, fieldwork, owner, overall, ratings, published_score, published_max, report_url, sources, notes; did you mean 'report_url'?)",
        ),
        (
            "court_work: Outstanding}",
            "court_work: Requires Improvement}",
            "inspections[6].ratings.court_work",
            "'Requires Improvement' is not a rating (expected one of: Outstanding, Good, Requires improvement, Inadequate; did you mean 'Requires improvement'?)",
        ),
        (
            "court_work: Outstanding}",
            "court_work: Poor}",
            "inspections[6].ratings.court_work",
            "'Poor' is not a rating (expected one of: Outstanding, Good, Requires improvement, Inadequate; did you mean 'Inadequate'?)",
        ),
        (
            "court_work: Outstanding}",
            "unpaid_work: Outstanding}",
            "inspections[6].ratings.unpaid_work",
            "'unpaid_work' is not a standard of framework 'nps-mini' (expected one of: leadership, assessment, court_work)",
        ),
        (
            "  - provider: pdu-one\n    framework: pdu-mini",
            "  - framework: pdu-mini",
            "inspections[7]",
            "required field 'provider' is missing (expected provider: ...)",
        ),
        (
            "published: 2022-01-10",
            "published: 2019-02-30",
            "inspections[7].published",
            "'2019-02-30' is not a real date (day is out of range for month)",
        ),
        (
            "published: 2022-01-10",
            "published: 2999-01-10",
            "inspections[7].published",
            "publication date 2999-01-10 is in the future (expected a report already published)",
        ),
        (
            "    sources: [https://example.org/pdu-one]",
            "    sources: [ftp://example.org/pdu-one]",
            "inspections[7].sources[0]",  # the source itself: a list may hold several
            "'ftp://example.org/pdu-one' is not a web address (expected http:// or https://...)",
        ),
        (
            "    framework: pdu-mini",
            "    framework: pdu-maxi",
            "inspections[7].framework",
            "unknown framework 'pdu-maxi' (expected one of: crc-mini, nps-mini, pdu-mini; did you mean 'pdu-mini'?)",
        ),
        (
            "  - {id: pdu-one,",
            "  - {id: nps-north,",
            "providers[5].id",
            "'nps-north' is already the id of providers[4] (expected each id once)",
        ),
        (
            "  - provider: pdu-one",
            "  - provider: pdu-two",
            "inspections[7].provider",
            "unknown provider 'pdu-two' (expected the id of one of the providers; did you mean 'pdu-one'?)",
        ),
        (
            '    standards:\n      - {key: leadership, number: "1.1", name: Leadership}\n      - {key: reviewing',
            "    standards: 7\n    x:\n      - {key: reviewing",
            "frameworks[2].standards",
            "got number 7 (expected a list of '- ' items)",
        ),
    ],
)
def test_schema_and_reference_errors(tmp_path: Path, old: str, new: str, field: str, message: str):
    path = small_with(tmp_path, old, new)
    code, err = validate(path)
    assert code == 1
    [line] = [x for x in err.splitlines() if not x.startswith("Error:") and field in x]
    assert line.split(": ", 2)[1:] == [field, message]
    assert line.startswith(f"{path}:")


def test_the_line_named_is_the_line_of_the_field(tmp_path: Path):
    path = small_with(tmp_path, "court_work: Outstanding}", "court_work: Poor}")
    _, err = validate(path)
    assert err.startswith(f"{path}:{line_of(path, 'court_work: Poor')}:")


def test_every_problem_is_listed_before_exit(tmp_path: Path):
    path = small_with(tmp_path, "overall: Inadequate", "overall: Poor")
    path.write_text(
        path.read_text()
        .replace("court_work: Outstanding}", "court_work: Excellent}")
        .replace("name: Acme Justice", "nam: Acme")
    )
    code, err = validate(path)
    assert code == 1
    # Poor, Excellent, and "nam": an unknown field and a missing name.
    assert err.endswith("Error: 4 problems found; nothing was written.\n")
    lines = [int(x.split(":")[1]) for x in err.splitlines()[:-1]]
    assert lines == sorted(lines)


BANDS = """    bands:
      confirmed: false
      ranges:
        - {rating: Inadequate, min: 0, max: 2}
        - {rating: Requires improvement, min: 3, max: 5}
        - {rating: Good, min: 6, max: 8}
        - {rating: Outstanding, min: 9, max: 9}
    standards:
      - {key: leadership, number: "1.1", name: Leadership}
      - {key: assessment, number: "2.1", name: Assessment}
      - {key: unpaid_work"""


def test_a_rating_that_contradicts_the_bands_is_a_warning_or_with_strict_an_error(tmp_path: Path):
    path = small_with(
        tmp_path,
        """    standards:
      - {key: leadership, number: "1.1", name: Leadership}
      - {key: assessment, number: "2.1", name: Assessment}
      - {key: unpaid_work""",
        BANDS,
    )
    # Alpha 2018: Requires improvement with 4 points (in the band); Alpha 2020: Good with 6 (in the band);
    # Beta and Delta: Requires improvement with 5 (in the band). Make one contradict.
    path.write_text(
        path.read_text().replace(
            "published: 2019-01-15\n    overall: Requires improvement", "published: 2019-01-15\n    overall: Good"
        )
    )
    line = line_of(path, "overall: Good", 2)  # the first is Alpha 2020
    expected = (
        f"{path}:{line}:14: inspections[2].overall: warning: overall rating 'Good' but its score 5/9 falls in the "
        "'Requires improvement' band (3-5, unconfirmed) of framework 'crc-mini' (expected the published rating to "
        "match the bands: check the record and say why in notes)\n"
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stderr == expected
    strict = CliRunner().invoke(cli, ["validate", str(path), "--strict"])
    assert strict.exit_code == 1
    assert strict.stderr == expected.replace("warning: ", "") + FOOTER
    # A build reports the same words, and with --strict builds nothing.
    out = tmp_path / "site"
    strict_build = CliRunner().invoke(cli, ["build", "--data", str(path), "--out", str(out), "--strict"])
    assert (strict_build.exit_code, strict_build.stdout) == (1, "")
    assert strict_build.stderr == expected.replace("warning: ", "") + FOOTER
    assert not out.exists()
    build = CliRunner().invoke(cli, ["build", "--data", str(path), "--out", str(out)])
    assert (build.exit_code, build.stderr) == (0, expected)
    assert (out / "index.html").is_file()


def test_debug_shows_the_traceback(tmp_path: Path):
    path = small_with(tmp_path, "overall: Inadequate", "overall: Poor")
    result = CliRunner().invoke(cli, ["--debug", "validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is not None and type(result.exception).__name__ == "DataError"


def test_an_unwritable_output_is_one_line_not_a_traceback(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["export", "--data", str(SMALL), "--output", str(blocker / "out.csv")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("/", "is the root of the file system"),
        ("~", "is your home folder"),
        (".", "is the current folder"),
    ],
)
def test_dangerous_outputs_are_refused(out: str, reason: str):
    result = CliRunner().invoke(cli, ["build", "--data", str(SMALL), "--out", out])
    assert result.exit_code == 2
    assert reason in result.output


def test_a_folder_that_is_not_a_build_is_refused(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.txt").write_text("years of work")
    result = CliRunner().invoke(cli, ["build", "--data", str(SMALL), "--out", str(docs)])
    assert result.exit_code == 2
    assert "no .ratings-build marker" in result.output
    assert (docs / "thesis.txt").read_text() == "years of work"
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert (
        "is the root of a repository"
        in CliRunner().invoke(cli, ["build", "--data", str(SMALL), "--out", str(repo)]).output
    )
    data = tmp_path / "data"
    data.mkdir()
    copy = data / "ratings.yaml"
    copy.write_text(SMALL.read_text())
    assert (
        "holds the data file" in CliRunner().invoke(cli, ["build", "--data", str(copy), "--out", str(tmp_path)]).output
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "published_score: 7",
            "inspections[0].published_score: warning: published total 7 but the recorded standards add up to 4 (expected them to agree: check both against the report)",
        ),
        (
            "published_max: 27",
            "inspections[0].published_max: warning: a total out of 27, but framework 'crc-mini' is out of 9 (expected the framework's maximum: check the framework and the source)",
        ),
    ],
)
def test_a_published_total_is_checked_against_the_standards(tmp_path: Path, extra: str, message: str):
    path = small_with(
        tmp_path,
        "    report_url: https://example.org/alpha-2018",
        f"    {extra}\n    report_url: https://example.org/alpha-2018",
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert message in result.stderr


def test_a_published_total_above_the_maximum_is_an_error(tmp_path: Path):
    path = small_with(
        tmp_path,
        "    sources: [https://example.org/pdu-one]",
        "    published_score: 7\n    sources: [https://example.org/pdu-one]",
    )
    code, err = validate(path)
    assert code == 1
    assert "inspections[7].published_score: 7 is more than framework 'pdu-mini' allows (expected at most 6)" in err


def test_a_build_whose_records_break_a_rule_between_them_keeps_the_site_it_had(tmp_path: Path):
    """A problem between records (a reference to no provider) stops the build: the site built
    before stays as it was, and no folder or process is left behind."""
    out = tmp_path / "site"
    good = small_with(tmp_path, "provider: beta-crc", "provider: beta-crc")
    assert CliRunner().invoke(cli, ["build", "--data", str(good), "--out", str(out)]).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    path = small_with(tmp_path, "provider: beta-crc", "provider: betta-crc")
    line = line_of(path, "provider: betta-crc")
    result = CliRunner().invoke(cli, ["build", "--data", str(path), "--out", str(out)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"{path}:{line}:15: inspections[2].provider: unknown provider 'betta-crc'")
    assert result.stderr.endswith(FOOTER)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.yaml", "site"]  # no folder left half-built
    parallel.reap(wait=True)  # the first build's, which had sent its result
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the second process was stopped and reaped
