"""Schema and cross-record checks: every problem at once, each with file, line, column and field."""

from pathlib import Path
from typing import Any

import pytest

from ratings.errors import DataError, Problem
from ratings.validate import load_dataset

from .conftest import line_of, small_with


def problems(path: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_dataset(path, "data.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_small_fixture_is_valid(small: Path):
    data = load_dataset(small)
    assert (len(data.frameworks), len(data.providers), len(data.inspections)) == (3, 6, 8)


def test_a_wrong_rating_word_names_its_line_and_suggests_the_right_one(tmp_path: Path):
    path = small_with(tmp_path, "unpaid_work: Good}", "unpaid_work: Requires Improvement}")
    line = line_of(path, "Requires Improvement}")
    column = path.read_text().splitlines()[line - 1].index("Requires Improvement}") + 1
    assert problems(path) == [
        f"data.yaml:{line}:{column}: inspections[1].ratings.unpaid_work: 'Requires Improvement' is not a rating "
        "(expected one of: Outstanding, Good, Requires improvement, Inadequate; did you mean 'Requires improvement'?)"
    ]


def test_poor_is_not_a_rating_but_we_know_what_it_means(tmp_path: Path):
    path = small_with(tmp_path, "overall: Inadequate", "overall: Poor")
    line = line_of(path, "overall: Poor")
    assert problems(path) == [
        f"data.yaml:{line}:14: inspections[7].overall: 'Poor' is not an overall rating "
        "(expected one of: Outstanding, Good, Requires improvement, Inadequate, not rated; did you mean 'Inadequate'?)"
    ]


def test_unknown_key_suggests_the_closest_known_key(tmp_path: Path):
    path = small_with(
        tmp_path, "    report_url: https://example.org/alpha-2018", "    report_link: https://example.org/a"
    )
    line = line_of(path, "report_link")
    [message] = problems(path)
    assert message.startswith(
        f"data.yaml:{line}:5: inspections[0].report_link: unknown field 'report_link' (expected one of: id,"
    )
    assert message.endswith("; did you mean 'report_url'?)")


def test_missing_required_field_points_at_its_record(tmp_path: Path):
    path = small_with(tmp_path, "    sources: [https://example.org/beta-2019]\n", "")
    line = line_of(path, "provider: beta-crc")
    assert problems(path) == [
        f"data.yaml:{line}:5: inspections[2]: required field 'sources' is missing (expected sources: ...)"
    ]


def test_every_problem_is_listed_in_file_order(tmp_path: Path):
    path = small_with(tmp_path, "provider: delta-crc", "provider: delta")
    path.write_text(
        path.read_text()
        .replace("framework: nps-mini\n    published: 2019-05-01", "framework: nps-maxi\n    published: 2019-05-01")
        .replace("{leadership: Inadequate, reviewing: Inadequate}", "{leadershp: Inadequate, reviewing: Inadequate}")
    )
    found = problems(path)
    assert [m.split(": ", 2)[1] for m in found] == [
        "inspections[3].provider",
        "inspections[6].framework",
        "inspections[7].ratings.leadershp",
    ]
    assert found[0].endswith(
        "unknown provider 'delta' (expected the id of one of the providers; did you mean 'delta-crc'?)"
    )
    assert found[1].endswith(
        "unknown framework 'nps-maxi' (expected one of: crc-mini, nps-mini, pdu-mini; did you mean 'nps-mini'?)"
    )
    assert found[2].endswith(
        "'leadershp' is not a standard of framework 'pdu-mini' (expected one of: leadership, reviewing; "
        "did you mean 'leadership'?)"
    )


def test_framework_must_suit_the_provider_type(tmp_path: Path):
    path = small_with(tmp_path, "framework: nps-mini", "framework: crc-mini")
    path.write_text(path.read_text().replace("{leadership: Good, assessment: Good, court_work: Outstanding}", "{}"))
    [message] = problems(path)
    assert message.endswith(
        "inspections[6].framework: framework 'crc-mini' is for CRC providers, but 'nps-north' is a NPS "
        "(expected a framework for NPS)"
    )


def test_two_inspections_of_one_provider_on_one_day(tmp_path: Path):
    path = small_with(tmp_path, "published: 2020-02-20", "published: 2019-06")
    [message] = problems(path)
    assert message.endswith(
        "inspections[5].published: 'gamma-crc' already has an inspection published on 2019-06 "
        "(inspections[4]; expected one per provider and date)"
    )


def test_duplicate_ids(tmp_path: Path):
    path = small_with(
        tmp_path,
        "  - {id: public, name: Public sector}",
        "  - {id: public, name: Public sector}\n  - {id: acme, name: Again}",
    )
    [message] = problems(path)
    assert message.endswith("owners[3].id: 'acme' is already the id of owners[0] (expected each id once)")


def test_unknown_owner_in_history(tmp_path: Path):
    path = small_with(tmp_path, "{owner: bravo, since: 2019-02-15}", "{owner: brav, since: 2019-02-15}")
    [message] = problems(path)
    assert message.endswith(
        "providers[1].owners[1].owner: unknown owner 'brav' "
        "(expected one of: acme, bravo, public; did you mean 'bravo'?)"
    )


def test_fieldwork_after_publication(tmp_path: Path):
    path = small_with(tmp_path, "fieldwork: 2019-11", "fieldwork: 2020-04")
    [message] = problems(path)
    assert message.endswith(
        "inspections[1].fieldwork: fieldwork 2020-04 is after publication 2020-03-01 "
        "(expected fieldwork on or before the publication date)"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("published: 2019-01-15", "published: 15/01/2019", "inspections[2].published: '15/01/2019' is not a date"),
        ("report_url: https://example.org/nps-north", "report_url: javascript:alert(1)", "is not a web address"),
        (
            "sources: [https://example.org/pdu-one]",
            "sources: []",
            "inspections[7].sources: List should have at least 1",
        ),
        (
            "type: CRC\n    area: North\n    owners: [{owner: acme}]",
            "type: Company\n    area: North\n    owners: []",
            "not allowed",
        ),
    ],
)
def test_single_field_rules(tmp_path: Path, old: str, new: str, expected: str):
    [message] = problems(small_with(tmp_path, old, new))
    assert expected in message


def test_an_empty_file(tmp_path: Path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert problems(path) == ["data.yaml:1:1: the file is empty (expected frameworks:, providers:, inspections:)"]


@pytest.mark.parametrize("valid", [True, False])
def test_the_collector_rests_while_models_are_made_and_runs_again_after(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, valid: bool
):
    import gc

    from ratings.models import Dataset

    seen: list[bool] = []
    real = Dataset.model_validate

    def model_validate(raw: object) -> Dataset:
        seen.append(gc.isenabled())
        return real(raw)

    monkeypatch.setattr(Dataset, "model_validate", model_validate)
    path = small if valid else small_with(tmp_path, "unpaid_work: Good}", "unpaid_work: Fine}")
    assert gc.isenabled()
    if valid:
        load_dataset(path)
    else:
        with pytest.raises(DataError):
            load_dataset(path)
    assert seen == [False]
    assert gc.isenabled()


def test_a_command_keeps_its_data_out_of_the_collectors_sight(small: Path):
    """The command line's data lives as long as the command: frozen once loaded, not walked again
    by the collector; the collector itself runs again after."""
    import gc

    from ratings.cli import _load

    gc.unfreeze()
    try:
        data = _load(small)
        assert gc.get_freeze_count() > 0
        tracked = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        assert id(data) not in tracked and id(data.inspections[0]) not in tracked
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_loading_alone_leaves_the_collector_as_it_was(small: Path):
    import gc

    gc.unfreeze()
    data = load_dataset(small)
    assert gc.get_freeze_count() == 0
    assert any(o is data for generation in range(3) for o in gc.get_objects(generation))


def _outcome(path: Path) -> tuple[str, object, list[str]]:
    warnings: list[Problem] = []
    try:
        return ("ok", load_dataset(path, "data.yaml", warnings=warnings).model_dump(), [str(w) for w in warnings])
    except DataError as exc:
        return ("error", [str(p) for p in exc.problems], [str(w) for w in warnings])


def test_a_file_read_in_two_parts_gives_the_records_and_problems_of_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A large file's first part is validated and its rules checked while its second is read
    (`first_part`), then each of the second's pieces, and the rest on its own once joined: the
    same records and warnings as validating the whole, and where any part has a problem of
    shape or breaks a rule (alone, or with a record in another part), the same problems in
    the same places."""
    from ratings import load, validate
    from ratings.synthetic import dataset

    text = dataset(200, 5)

    def wrong_rating_at(at: int) -> str:
        return text[:at] + "leadership: Great" + text[text.index("\n", at) :]

    first, last = text.index("  - provider: ", text.index("inspections:")), text.rindex("  - provider: ")

    def in_first_and_last(line: str) -> str:  # after each one's provider: line
        first_end, last_end = text.index("\n", first) + 1, text.index("\n", last) + 1
        return text[:first_end] + line + text[first_end:last_end] + line + text[last_end:]

    texts = {
        "valid": text,
        "a problem in the first part": wrong_rating_at(text.index("leadership: ", text.index("inspections:"))),
        "a problem in the rest": wrong_rating_at(text.rindex("leadership: ")),
        "a key after the inspections": text + "notes: a top-level key the first part did not have\n",
        "a rule broken in the first part": text[:first] + "  - provider: p999999" + text[text.index("\n", first) :],
        "a rule broken between the parts": in_first_and_last("    id: twice\n"),
        "warnings in the first part and the rest": in_first_and_last("    published_max: 99\n"),
    }
    joined: list[object] = []
    real = validate._with_first_part

    def with_first_part(*args: Any) -> Any:
        joined.append(real(*args))
        return joined[-1]

    monkeypatch.setattr(validate, "_with_first_part", with_first_part)
    for name, content in texts.items():
        path = tmp_path / "data.yaml"
        path.write_text(content, encoding="utf-8")
        monkeypatch.setattr(load, "SPLIT_BYTES", 10**12)
        whole = _outcome(path)
        assert not joined  # read in one go: nothing validated early
        monkeypatch.setattr(load, "SPLIT_BYTES", 0)
        assert _outcome(path) == whole, name
        if name == "valid" or name.startswith("warnings"):
            assert whole[0] == "ok"
            # The records came from the parts: each of the second part's pieces joined to the first
            # part's records while the rest was read, then the rest.
            assert len(joined) == load.PIECES and None not in joined
            assert len(whole[2]) == (2 if name.startswith("warnings") else 0)
        elif name.startswith("a rule"):
            # Sound records, so the parts were joined, and the rules checked a part at a time.
            assert whole[0] == "error" and len(whole[1]) == 1  # type: ignore[arg-type]
            assert len(joined) == load.PIECES and None not in joined
        elif name == "a problem in the first part":
            assert whole[0] == "error"
            assert not joined  # nothing validated early to join
        else:
            assert whole[0] == "error"
            assert joined[-1] is None  # the whole was validated again, for the problems' places
        joined.clear()
