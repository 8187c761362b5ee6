"""Data out: each format opens in the tool it is meant for."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ratings.cli import cli
from ratings.export import export_sqlite, export_table
from ratings.schema import text as schema_text
from ratings.site import build_files
from ratings.validate import load_dataset

from .conftest import REPO, small_with


def test_plain_csv_reads_back_with_pandas(small: Path):
    text = export_table(load_dataset(small), "inspections", "csv")
    assert not text.startswith("\ufeff")
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert len(frame) == 8
    assert list(frame["provider"][:2]) == ["Alpha CRC", "Beta CRC"]
    assert frame.loc[frame["inspection_id"] == "gamma-crc-2019-06", "2.1 Assessment"].item() == "not recorded"


def test_spreadsheet_csv_has_a_bom_and_no_live_formula(tmp_path: Path):
    path = small_with(tmp_path, "name: Alpha CRC", 'name: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"')
    path.write_text(
        path.read_text()
        .replace("name: Delta CRC", 'name: "@SUM(1+1)"')
        .replace("area: South, owners: [{owner: bravo}]", 'area: "-2+3", owners: [{owner: bravo}]')
    )
    data = load_dataset(path)
    excel = export_table(data, "league", "csv", flavour="spreadsheet")
    assert excel.startswith("\ufeff")
    frame = pd.read_csv(io.BytesIO(excel.encode("utf-8")), encoding="utf-8-sig", keep_default_na=False)
    providers = set(frame["provider"])
    assert '\'=HYPERLINK("http://evil.example","click")' in providers
    assert "'@SUM(1+1)" in providers
    assert "'-2+3" in set(frame["area"])
    assert not any(str(v).startswith(("=", "+", "-", "@")) for column in frame for v in frame[column])
    # The plain flavour keeps the text as it is: programs do not run formulas.
    plain = export_table(data, "league", "csv")
    assert '"=HYPERLINK(""http://evil.example"",""click"")"' in plain


def test_long_table_has_one_row_per_inspection_and_standard(small: Path):
    data = load_dataset(small)
    rows = json.loads(export_table(data, "ratings", "json"))
    assert len(rows) == sum(len(data.framework(i.framework).standards) for i in data.inspections) == 23
    assert rows[0] == {
        "inspection_id": "alpha-crc-2018-10-01", "provider_id": "alpha-crc", "provider": "Alpha CRC", "type": "CRC",
        "framework": "crc-mini", "published": "2018-10-01", "standard_key": "leadership", "standard_number": "1.1",
        "standard": "Leadership", "rating": "Good", "points": 2,
    }  # fmt: skip


def test_sqlite_opens_with_sqlite3_and_is_deterministic(small: Path, tmp_path: Path):
    data = load_dataset(small)
    blob = export_sqlite(data)
    assert blob == export_sqlite(load_dataset(small))
    path = tmp_path / "r.db"
    path.write_bytes(blob)
    with sqlite3.connect(path) as db:
        counts = {
            t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("league", "inspections", "ratings")
        }
        assert counts == {"league": 6, "inspections": 8, "ratings": 23}
        assert db.execute('SELECT provider, score FROM league WHERE "rank" = 1 ORDER BY provider').fetchall() == [
            ("NPS North", 7),
            ("PDU One", 0),
        ]
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO inspections (inspection_id) VALUES ('alpha-crc-2018-10-01')")


def test_sqlite_rows_match_the_json_export_in_order_and_type(tmp_path: Path):
    """Each table's rows in SQLite, by rowid, are the JSON export's rows: the long table is joined
    inside SQLite from its segments, and its order and value types must survive that."""
    data = load_dataset(REPO / "data" / "ratings.yaml")
    path = tmp_path / "r.db"
    path.write_bytes(export_sqlite(data))
    with sqlite3.connect(path) as db:
        for table_name in ("league", "inspections", "ratings"):
            expected = json.loads(export_table(data, table_name, "json"))
            cursor = db.execute(f'SELECT * FROM "{table_name}" ORDER BY rowid')
            fields = [d[0] for d in cursor.description]
            stored = [dict(zip(fields, row, strict=True)) for row in cursor]
            for row in stored:  # SQLite keeps true/false as 1/0
                if "complete" in row:
                    row["complete"] = bool(row["complete"])
            assert len(stored) == len(expected) > 0
            assert stored == expected, table_name
            # 1 == True and 2 == 2.0: the types are compared too
            assert [list(map(type, r.values())) for r in stored] == [list(map(type, r.values())) for r in expected]


def test_sqlite_needs_an_output_file(small: Path):
    result = CliRunner().invoke(cli, ["export", "--data", str(small), "--format", "sqlite"])
    assert result.exit_code == 2
    assert "--format sqlite writes a database file: give --output FILE" in result.output


def test_the_site_publishes_every_export_and_a_valid_data_package(tmp_path: Path):
    files = build_files(load_dataset(REPO / "data" / "ratings.yaml"))
    for stem in ("league-table", "inspections", "ratings"):
        for suffix in (".csv", "-excel.csv", ".json"):
            assert f"data/{stem}{suffix}" in files
    assert "data/ratings.db" in files and "data/ratings.schema.json" in files
    out = tmp_path / "data"
    out.mkdir()
    for name, content in files.items():
        if name.startswith("data/"):
            (tmp_path / name).write_bytes(content)
    package = json.loads(files["data/datapackage.json"])
    assert [r["path"] for r in package["resources"]] == ["league-table.csv", "inspections.csv", "ratings.csv"]
    frictionless = str(Path(sys.executable).parent / "frictionless")
    result = subprocess.run([frictionless, "validate", str(out / "datapackage.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_json_schema_is_in_step_with_the_models():
    committed = (REPO / "data" / "ratings.schema.json").read_text()
    assert committed == schema_text(), "run: ratings schema --output data/ratings.schema.json"
    first = (REPO / "data" / "ratings.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=ratings.schema.json"


def test_the_json_schema_accepts_the_data_and_refuses_a_bad_rating():
    import jsonschema

    from ratings.load import parse

    schema = json.loads(schema_text())
    # Editors read YAML 1.2, where dates are text: so does our loader.
    document = parse((REPO / "data" / "ratings.yaml").read_text(), "ratings.yaml")
    jsonschema.validate(document, schema)
    document["inspections"][0]["ratings"]["leadership"] = "Requires Improvement"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_long_table_read_from_the_inspections_table_gives_the_same_database(tmp_path: Path):
    """The database's long table takes its inspections' six fields from the inspections table
    already written, where that table holds them in the same order, else from a copy: the file
    is the same either way, and a table that does not match is never read from."""
    from dataclasses import replace

    from ratings import export, table

    data = load_dataset(REPO / "data" / "ratings.yaml")
    tables = table.build(data)
    built = {name: export.table_data(data, tables, name) for name in export.TABLES}
    inspections, ratings = built["inspections"], built["ratings"]
    written = ("inspections", inspections)
    assert export._stored_first_segment(ratings, written) == ("inspections", export.RATING_FIELDS[:6])
    shuffled = replace(inspections, parts=(inspections.parts[0][1:] + inspections.parts[0][:1],))
    assert export._stored_first_segment(ratings, ("inspections", shuffled)) is None
    assert export._stored_first_segment(ratings, None) is None

    def database(read_stored: bool) -> bytes:
        path = tmp_path / f"{read_stored}.db"
        with sqlite3.connect(path) as db:
            for name in ("inspections", "ratings"):
                rows = built[name]
                columns = ", ".join(f'"{f}" {export._sql_type(f)}' for f in rows.fields)
                keys = ", ".join(f'"{k}"' for k in export._primary_key(name))
                db.execute(f'CREATE TABLE "{name}" ({columns}, PRIMARY KEY ({keys}))')
                stored = export._stored_first_segment(rows, written) if read_stored else None
                export._insert(db, name, rows, stored)
        db.close()
        return path.read_bytes()

    assert database(True) == database(False)
