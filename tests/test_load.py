"""YAML reading: syntax errors keep the parser's position; bad paths and encodings are named."""

from pathlib import Path

import pytest

from ratings.errors import DataError
from ratings.load import Locator, parse, read_text

from .conftest import write


def problems(call) -> list[str]:
    with pytest.raises(DataError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def test_a_syntax_error_keeps_line_and_column():
    text = "frameworks:\n  - id: a\n    name: [unclosed\n"
    assert problems(lambda: parse(text, "f.yaml")) == [
        "f.yaml:4:1: YAML syntax: while parsing a flow sequence did not find expected ',' or ']' (expected a closing ']')"
    ]


def test_a_tab_indent_is_located():
    text = "frameworks:\n\t- id: a\n"
    [message] = problems(lambda: parse(text, "f.yaml"))
    assert message.startswith("f.yaml:2:1: YAML syntax:")
    assert message.endswith("(expected spaces for indentation, not a tab)")


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite():
    text = "owners:\n  - id: a\n    name: A\n    name: B\n"
    [message] = problems(lambda: parse(text, "f.yaml"))
    assert (
        message
        == "f.yaml:4:5: YAML syntax: while reading a mapping found the key 'name' twice (expected each key once)"
    )


def test_python_object_tags_are_refused():
    text = "x: !!python/object/apply:os.system ['echo hi']\n"
    [message] = problems(lambda: parse(text, "f.yaml"))
    assert message.startswith("f.yaml:1:4: YAML syntax:")
    assert "python/object/apply" in message


def test_missing_file_and_directory(tmp_path: Path):
    assert problems(lambda: read_text(tmp_path / "nope.yaml", "nope.yaml")) == [
        "nope.yaml:1:1: no such file (expected a YAML data file)"
    ]
    assert problems(lambda: read_text(tmp_path, "dir")) == ["dir:1:1: is a directory (expected a YAML data file)"]


def test_not_utf8_names_the_line_and_byte(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("owners:\n  - name: Caf\xe9\n".encode("latin-1"))
    assert problems(lambda: read_text(path, "latin1.yaml")) == [
        "latin1.yaml:2:14: byte 0xe9 is not UTF-8 (expected a UTF-8 text file)"
    ]


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffowners: []\n".encode())
    assert parse(read_text(path, "bom.yaml"), "bom.yaml") == {"owners": []}


def test_locator_points_at_values_and_keys(tmp_path: Path):
    text = "inspections:\n  - provider: a\n    ratings:\n      leadership: Goood\n"
    locator = Locator(text)
    assert locator.find(("inspections", 0, "ratings", "leadership")) == (4, 19)
    assert locator.find(("inspections", 0, "ratings", "leadership"), key=True) == (4, 7)
    # A path that goes further than the document stops at the deepest node that exists.
    assert locator.find(("inspections", 0, "missing", "deeper")) == (2, 5)
    assert write(tmp_path, text).exists()
