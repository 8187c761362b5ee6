"""CSV and JSON exports: exact output on the small fixture."""

import csv
import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ratings.export import BOOLEAN, FORMULA_STARTS, Table, csv_files, export_table, to_csv, to_json
from ratings.validate import load_dataset

HEADER = (
    "table,rank,rank_label,provider_id,provider,type,owner,area,framework,published,overall,score,max_score,"
    "score_basis,complete,standards_recorded,standards,points_recorded,1.1 Leadership,2.1 Assessment,3.1 Court reports,"
    "4.1 Unpaid work,2.4 Reviewing,report_url,sources"
)
CRC_NPS = "Mini CRC framework and Mini NPS framework"


def test_league_csv_exact(small: Path):
    expected = [
        HEADER,
        f"{CRC_NPS},1,1,nps-north,NPS North,NPS,Public sector,North,nps-mini,2019-05-01,Good,7,9,standards,true,3,3,7,"
        "Good,Good,Outstanding,,,https://example.org/nps-north,https://example.org/nps-north-press",
        f"{CRC_NPS},2,2,alpha-crc,Alpha CRC,CRC,Acme Justice,North,crc-mini,2020-03-01,Good,6,9,standards,true,3,3,6,"
        "Good,Good,,Good,,,https://example.org/alpha-2020-press",
        f"{CRC_NPS},3,=3,beta-crc,Beta CRC,CRC,Acme Justice,North,crc-mini,2019-01-15,Requires improvement,5,9,"
        "standards,true,3,3,5,Good,Requires improvement,,Good,,,https://example.org/beta-2019",
        f"{CRC_NPS},3,=3,delta-crc,Delta CRC,CRC,Bravo Services,South,crc-mini,2019-03-01,Requires improvement,5,9,"
        "standards,true,3,3,5,Requires improvement,Good,,Good,,,https://example.org/delta-2019",
        f"{CRC_NPS},5,5,gamma-crc,Gamma CRC,CRC,Acme Justice,South,crc-mini,2019-06,Requires improvement,,9,"
        ",false,1,3,1,Requires improvement,not recorded,,not recorded,,,https://example.org/gamma-2019",
        "Mini PDU framework,1,1,pdu-one,PDU One,PDU,,East,pdu-mini,2022-01-10,Inadequate,0,6,standards,true,2,2,0,"
        "Inadequate,,,,Inadequate,,https://example.org/pdu-one",
    ]
    assert export_table(load_dataset(small), "league", "csv") == "\r\n".join(expected) + "\r\n"


def test_inspections_csv_has_every_inspection_by_date(small: Path):
    text = export_table(load_dataset(small), "inspections", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["inspection_id"] for r in rows] == [
        "alpha-crc-2018-10-01",
        "beta-crc-2019-01-15",
        "delta-crc-2019-03-01",
        "nps-north-2019-05-01",
        "gamma-crc-2019-06",
        "gamma-crc-2020-02-20",
        "alpha-crc-2020-03-01",
        "pdu-one-2022-01-10",
    ]
    unrated = rows[5]
    assert (unrated["overall"], unrated["score"], unrated["complete"], unrated["fieldwork"]) == (
        "not rated",
        "",
        "false",
        "",
    )
    assert rows[6]["fieldwork"] == "2019-11"
    for required in (
        "provider",
        "type",
        "owner",
        "area",
        "framework",
        "published",
        "overall",
        "score",
        "max_score",
        "complete",
        "report_url",
    ):
        assert required in rows[0]


def test_json_uses_nulls_and_numbers(small: Path):
    rows = json.loads(export_table(load_dataset(small), "league", "json"))
    gamma = next(r for r in rows if r["provider_id"] == "gamma-crc")
    assert gamma["score"] is None
    assert gamma["points_recorded"] == 1
    assert gamma["2.1 Assessment"] == "not recorded"
    assert gamma["3.1 Court reports"] is None  # not part of the CRC framework
    assert rows[0]["rank"] == 1 and rows[0]["complete"] is True


def test_exports_are_deterministic(small: Path):
    data = load_dataset(small)
    assert export_table(data, "inspections", "json") == export_table(load_dataset(small), "inspections", "json")


# The fast encoders (each shared tuple encoded once; one call for a whole one-segment table)
# against the plain way: every row whole through the csv module and json.dumps.
_text = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-@{}:\\é')), max_size=6)
_value = st.one_of(st.none(), st.integers(-5, 5), st.floats(-2, 2, width=16), _text)


def _reference_csv(table: Table, neutralise: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.fields)
    for values in table.values():
        cells = [
            ("true" if v else "false") if f in BOOLEAN and v is not None else v
            for f, v in zip(table.fields, values, strict=True)
        ]
        if neutralise:
            cells = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in cells]
        writer.writerow(cells)
    return ("\ufeff" if neutralise else "") + buffer.getvalue()


def _reference_json(table: Table) -> str:
    rows = [json.dumps(dict(zip(table.fields, v, strict=True)), ensure_ascii=False) for v in table.values()]
    return "[\n" + ",\n".join(rows) + "\n]\n" if rows else "[]\n"


@st.composite
def tables(draw: st.DrawFn) -> Table:
    shape = draw(st.sampled_from(["whole", "one field", "segments"]))
    if shape == "whole":
        rows = draw(st.lists(st.tuples(_value, st.one_of(st.none(), st.booleans()), _value), max_size=5))
        return Table(("a", "complete", "c"), (rows,))
    if shape == "one field":  # the csv module writes a row of one empty cell as '""'
        return Table(("a",), (draw(st.lists(st.tuples(_value), max_size=5)),))
    # Two segments, or three as the long table has (which some encoders take a quicker way).
    widths = draw(st.sampled_from([(2, 1), (2, 1, 1)]))
    parts = tuple(draw(st.lists(st.tuples(*[_value] * width), min_size=1, max_size=3)) for width in widths)
    picks = st.tuples(*[st.integers(0, len(p) - 1) for p in parts])
    fields = ("a", "b", "c", "d")[: sum(widths)]
    return Table(fields, parts, draw(st.lists(picks, max_size=5)), widths=widths)


@settings(max_examples=500)
@given(tables())
def test_fast_encoders_match_row_by_row_encoding(table: Table):
    assert to_csv(table) == _reference_csv(table, neutralise=False)
    assert to_csv(table, "spreadsheet") == _reference_csv(table, neutralise=True)
    plain, excel = csv_files(table)
    assert (plain.decode(), excel.decode()) == (to_csv(table), to_csv(table, "spreadsheet"))
    assert to_json(table) == _reference_json(table)


@given(tables())
def test_the_quick_look_for_formula_cells_finds_exactly_what_a_look_at_every_cell_does(table: Table):
    from ratings.export import _has_formula_cell

    cells = [value for part in table.parts for values in part for value in values]
    assert _has_formula_cell(table) == any(type(v) is str and v.startswith(FORMULA_STARTS) for v in cells)
