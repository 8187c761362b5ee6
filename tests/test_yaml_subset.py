"""The fast YAML reader against PyYAML: wherever it gives a value, PyYAML gives the same one.

Documents are generated in the style our data files use, then optionally damaged by inserting
characters that matter to YAML. The fast reader may decline (Unsupported: the file then goes
to PyYAML); it must never disagree, and it must not decline the well-formed style it exists for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings import load, parallel
from ratings.errors import DataError
from ratings.load import SPLIT_BYTES, Started, _halves, _Loader, _PlainScalars, parse
from ratings.synthetic import dataset
from ratings.yaml_subset import (
    _PLAIN,
    _UNUSUAL,
    Unsupported,
    _has_unusual,
    _is_plain,
    _Reader,
    _simple_flow_list,
    parse_subset,
)

ROOT = Path(__file__).resolve().parent.parent

# Words whose meaning YAML 1.1 changes (bool, null, int, float, merge key), and text with the
# characters that end or start things: all must come out as PyYAML reads them.
WORDS = [
    "Good", "Requires improvement", "yes", "No", "on", "OFF", "~", "null", "Null", "true", "1", "017",
    "0x1F", "0o7", "1_000", "1.5", "-2", "+3", ".inf", "-.Inf", "1e3", "1.0e+3", "2019-02-30", "2020-01",
    "2019", "12:30", "190:20:30", "a: b", "a #b", "a#b", "x:", "http://x.org/a?b=c&d", "a,b", "[x]",
    "{y}", "-x", "- x", "?x", "<<", "=", "it's", 'say "hi"', "back\\slash", "", " lead", "é ü",
    "Information and facilities", "%p", "@at", "`tick", "*star", "&amp", "!bang", "|pipe", ">gt",
]  # fmt: skip
KEYS = ["a", "b", "key_1", "name", "2019", "yes", "1", "1.0", "a b", "x.y", "Null", "~", "<<", "é"]
SAFE_WORDS = ["Good", "Requires improvement", "2019-02-30", "2020", "yes", "~", "http://x.org/a", "é ü"]
SAFE_KEYS = ["a", "b", "key_1", "name", "2019", "x.y", "a b"]


def typed(value: Any) -> Any:
    """A comparable form that keeps types (1 != True here) and mapping order."""
    if isinstance(value, dict):
        return ("map", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [typed(v) for v in value])
    return (type(value).__name__, value)


def pyyaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        return ("ok", typed(loader.get_single_data()))
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return ("error", str(exc))
    finally:
        loader.dispose()


def fast(text: str) -> Any:
    return ("ok", typed(parse_subset(text, _PlainScalars())))


def scalar(draw: st.DrawFn, words: list[str]) -> str:
    word = draw(st.sampled_from(words))
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double":
        return f'"{word}"'
    if style == "single":
        return f"'{word}'"
    return word


@st.composite
def flow_value(draw: st.DrawFn, words: list[str], keys: list[str], depth: int = 0) -> str:
    kind = draw(st.sampled_from(["scalar", "list", "map"] if depth < 2 else ["scalar"]))
    if kind == "scalar":
        return scalar(draw, words)
    parts = draw(st.lists(flow_value(words, keys, depth + 1), max_size=3))
    if kind == "list":
        return "[" + ", ".join(parts) + "]"
    names = draw(st.lists(st.sampled_from(keys), min_size=len(parts), max_size=len(parts)))
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(names, parts, strict=True)) + "}"


@st.composite
def block(draw: st.DrawFn, words: list[str], keys: list[str], indent: int = 0, depth: int = 0) -> list[str]:
    """Lines of a block mapping or list at `indent`."""
    step = draw(st.integers(1, 4))
    lines: list[str] = []
    is_list = draw(st.booleans())
    for number in range(draw(st.integers(1, 4))):
        if is_list:
            head = " " * indent + "-"
            inner = draw(st.sampled_from(["scalar", "flow", "map", "nested"] if depth < 3 else ["scalar", "flow"]))
            if inner == "map":  # "- key: value" then the other keys lined up under the first
                sub = draw(
                    block(words, keys, indent + 2, depth + 1).filter(lambda ls: not ls[0].lstrip().startswith("-"))
                )
                lines.append(head + " " + sub[0].lstrip(" "))
                lines += sub[1:]
                continue
            lead = head
        else:
            key = draw(st.sampled_from(keys)) if number == 0 or draw(st.booleans()) else f"k{number}"
            lead = " " * indent + key + ":"
            inner = draw(st.sampled_from(["scalar", "flow", "nested", "text", "empty"] if depth < 3 else ["scalar"]))
        if inner == "scalar":
            lines.append(f"{lead} {scalar(draw, words)}")
        elif inner == "flow":
            lines.append(f"{lead} {draw(flow_value(words, keys))}")
        elif inner == "text":
            header = draw(st.sampled_from([">", ">-", "|", "|-"]))
            body = draw(st.lists(st.sampled_from([*words[:4], "# not a comment", "a: b"]), min_size=1, max_size=3))
            lines.append(f"{lead} {header}")
            lines += [" " * (indent + step) + word for word in body]
        elif inner == "empty":
            lines.append(lead)
        else:
            lines.append(lead)
            level = not is_list and draw(st.booleans())  # a list level with its key
            nested = draw(block(words, keys, indent if level else indent + step, depth + 1))
            if level and not nested[0].lstrip(" ").startswith("-"):
                nested = draw(block(words, keys, indent + step, depth + 1))
            lines += nested
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# a comment", " " * indent + "# indented comment"])))
    return lines


@st.composite
def documents(draw: st.DrawFn, words: list[str], keys: list[str]) -> str:
    lines = draw(block(words, keys))
    if draw(st.booleans()):
        lines = [line + draw(st.sampled_from(["", " ", "  # note"])) if line.strip() else line for line in lines]
    return "\n".join(lines) + "\n"


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = draw(documents(WORDS, KEYS))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        bit = draw(st.sampled_from([" ", "\n", "#", ":", "- ", "\t", "'", '"', "[", "]", "{", "}", ",", "&a ", "*a"]))
        text = text[:at] + bit + text[at:]
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(damaged())
def test_where_the_fast_reader_gives_a_value_it_is_pyyamls(text: str):
    try:
        got = fast(text)
    except Unsupported:
        return
    expected = pyyaml(text)
    assert got == expected, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents(SAFE_WORDS, SAFE_KEYS))
def test_the_style_of_our_files_is_read_by_the_fast_reader(text: str):
    expected = pyyaml(text)
    if expected[0] == "error":
        assert "twice" in expected[1], expected[1]  # two equal keys were generated: PyYAML's message is wanted
        return
    assert fast(text) == expected, text


@pytest.mark.parametrize(
    "path", ["data/ratings.yaml", "tests/fixtures/small.yaml", "tests/fixtures/five.yaml"], ids=lambda p: p
)
def test_our_files_are_read_by_the_fast_reader(path: str):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert fast(text) == pyyaml(text)


def test_the_synthetic_benchmark_data_is_read_by_the_fast_reader():
    text = dataset(30, 3)
    assert fast(text) == pyyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: b\n  continued\n",  # multi-line plain text
        "a: &x 1\nb: *x\n",  # anchor and alias
        "a: !!str 1\n",  # tag
        'a: "line \\n break"\n',  # escape
        "a: 'it''s'\n",  # doubled quote
        "a: >\n  one\n\n  two\n",  # blank line inside folded text
        "a: >\n  one\n    more\n",  # more-indented folded line
        "a: 1\na: 2\n",  # two equal keys
        "a:\n\t- b\n",  # tab
        "a: b\r\n",  # carriage return
        "---\na: b\n",  # document marker
        "a: [b,\n  c]\n",  # flow over two lines
        "? a\n: b\n",  # complex key
        '"a": b\n',  # quoted key
        "<<: {a: 1}\n",  # merge key
        "just text\n",  # a document of one scalar
        "a: |\n  no final line break",
    ],
)
def test_what_the_fast_reader_declines(text: str):
    with pytest.raises(Unsupported):
        fast(text)


def test_declined_text_still_loads_through_pyyaml():
    assert parse("a: 'it''s'\nb: >\n  one\n\n  two\n", "f.yaml") == {
        "a": "it's",
        "b": "one\ntwo\n",
    }


# --- the quick checks against what they stand for --------------------------------------------

# Characters that decide plainness, ordinary ones, and a few a YAML reader must refuse or
# treat as spaces.
TRICKY = st.sampled_from([*"ab1 :#,-?[]{}'\"&*!|>%@`/.", "\xa0", "\x85", "\u2028", "\t", "\x00", "\x7f", "é"])
LINES = st.lists(TRICKY, max_size=12).map("".join)


@settings(max_examples=2000, deadline=None)
@given(LINES)
def test_the_quick_plain_check_is_the_pattern(line: str):
    assert _is_plain(line) == (_PLAIN.fullmatch(line) is not None), repr(line)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "\n", " ", "\t", "\r", "\x00", "\x1f", "\x7f", "é", "\ufeff", "~"])).map("".join))
def test_the_quick_search_for_unusual_characters_is_the_pattern(text: str):
    assert _has_unusual(text) == (_UNUSUAL.search(text) is not None), repr(text)


@settings(max_examples=2000, deadline=None)
@given(LINES.map(lambda inner: f"[{inner}]") | LINES)
def test_a_simple_flow_list_reads_as_the_full_flow_reader_reads_it(text: str):
    """Where the quick path takes a flow list, the full reader gives the same items; and the
    quick path never takes text the full reader declines."""
    if not text.startswith("["):
        text = "[" + text
    items = _simple_flow_list(text)
    if items is None:
        return
    reader = _Reader(str)
    value, end = reader.flow(text, 0)  # raises Unsupported, failing the test, if it declines
    assert (value, end) == (items, len(text)), repr(text)


def test_links_in_a_flow_list_take_the_quick_path():
    assert _simple_flow_list("[https://a.org/x, https://b.org/y]") == ["https://a.org/x", "https://b.org/y"]
    assert _simple_flow_list("[https://a.org/x?y=1]") is None  # "?" only through the full reader
    assert _simple_flow_list("[]") is None


# Lines that start alike ("report_url: ...") share what their start says; what follows differs.
ALIKE = """\
- id: a
  report_url: https://x.org/1
  ratings:
    staff:
    leadership: Good
  sources: [https://x.org/a, https://x.org/b]
- id: b
  report_url: "https://x.org/2"  # quoted, with a comment
  ratings:
    staff: Requires improvement
    leadership:
  sources:
  - https://x.org/c
- id: 2019
  report_url:   yes
  ratings: {staff: Good}
  sources: []
"""


def test_lines_that_start_alike_are_each_read_whole():
    assert fast(ALIKE) == pyyaml(ALIKE)
    reader = _Reader(_PlainScalars())
    reader.read(ALIKE.split("\n"))
    assert {"- id", "  report_url", "    staff"} <= set(reader.heads)  # the starts were shared


# A flow text repeated: each provider's "owners: [{owner: public}]", and the same words once
# as a mapping on its own, once with a comment.
REPEATED_FLOW = """\
- owners: [{owner: public, since: 2021-06}]
- owners: [{owner: public, since: 2021-06}]
- owners: [{owner: public, since: 2021-06}]  # the same text, then a comment
- owners: {owner: public, since: 2021-06}
"""


def test_a_repeated_flow_text_is_read_once_and_each_gets_its_own_value():
    assert fast(REPEATED_FLOW) == pyyaml(REPEATED_FLOW)
    reader = _Reader(_PlainScalars())
    value = reader.read(REPEATED_FLOW.split("\n"))
    assert set(reader.flows) == {  # each distinct text once
        "[{owner: public, since: 2021-06}]",
        "[{owner: public, since: 2021-06}]  # the same text, then a comment",
        "{owner: public, since: 2021-06}",
    }
    first, second, third = (item["owners"] for item in value[:3])
    assert first == second == third and first is not second and first[0] is not second[0]  # not shared
    first[0]["until"] = "2022"  # a value changed later changes no other
    assert second == third == [{"owner": "public", "since": "2021-06"}]


# --- a large file read in two halves by two processes -------------------------------------------


def parsed(text: str) -> Any:
    try:
        return ("ok", typed(parse(text, "f.yaml")))
    except DataError as exc:
        return ("error", [str(p) for p in exc.problems])


def test_a_large_file_is_read_in_two_halves_that_join_to_the_whole(monkeypatch: pytest.MonkeyPatch):
    texts = [
        dataset(200, 5),
        (ROOT / "data" / "ratings.yaml").read_text(encoding="utf-8"),
        # a top-level key after the long list, and one that comes back in the second half
        dataset(200, 5) + "notes:\n  - after the list\n",
        dataset(200, 5) + "owners:\n  - {id: again, name: Again}\n",
    ]
    for text in texts:
        assert _halves(text) is not None  # the test reads in halves, or it proves nothing
        monkeypatch.setattr(load, "SPLIT_BYTES", 10**12)
        whole = parsed(text)
        monkeypatch.setattr(load, "SPLIT_BYTES", 0)
        assert parsed(text) == whole
    assert whole[0] == "error" and "found the key 'owners' twice" in whole[1][0]


def test_the_second_part_comes_in_pieces_and_a_piece_it_cannot_read_goes_to_pyyaml(
    monkeypatch: pytest.MonkeyPatch,
):
    """The second process sends each piece of its part ahead of the rest; where a piece holds
    what the fast reader leaves to PyYAML (an anchor here), the whole file goes there."""
    text = dataset(200, 5)
    monkeypatch.setattr(load, "SPLIT_BYTES", 0)
    started = Started(text, "f.yaml")
    assert started._second is not None
    _, cut, _, pieces = started._second
    started.close()
    later = load._later_cuts(text, cut, load.PIECES)
    assert len(pieces) == len(later) == load.PIECES - 1 >= 2  # in pieces, or the test proves nothing
    ends = [*later, len(text)]
    starts = [cut, *later]
    for anchored_in in [None, *range(len(ends))]:
        content = text
        if anchored_in is not None:  # a note with an anchor in that piece
            at = text.index("    report_url: ", (starts[anchored_in] + ends[anchored_in]) // 2)
            assert starts[anchored_in] < at < ends[anchored_in]
            content = text[:at] + "    notes: &note an anchored note\n" + text[at:]
        monkeypatch.setattr(load, "SPLIT_BYTES", 10**12)
        whole = parsed(content)
        monkeypatch.setattr(load, "SPLIT_BYTES", 0)
        assert parsed(content) == whole
        notes = [item.get("notes") for item in parse(content, "f.yaml")["inspections"]]
        assert notes.count("an anchored note") == (anchored_in is not None)  # read by PyYAML, split or not


def test_a_head_start_gives_the_second_process_more_and_changes_nothing(monkeypatch: pytest.MonkeyPatch):
    """`ratings build` starts the second process early, with more than half the file to read:
    the parts join to the same value wherever the cut falls, even with no first part to speak of."""
    text = dataset(200, 5)
    monkeypatch.setattr(load, "SPLIT_BYTES", 10**12)
    whole = parse(text, "f.yaml")
    monkeypatch.setattr(load, "SPLIT_BYTES", 0)
    heads = set()
    for head_start in (0, len(text) // 3, len(text) // 2, len(text), 10 * len(text)):
        started = Started(text, "f.yaml", head_start)
        assert started._second is not None  # read in two parts, or the test proves nothing
        heads.add(started._second[1])  # where the file is cut
        assert started.value() == whole
    assert len(heads) == 4  # the cut moved (a head start beyond the file cuts at an eighth)


def test_a_started_parse_that_is_never_finished_stops_its_second_process(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(load, "SPLIT_BYTES", 0)
    parallel.reap(wait=True)  # earlier tests' children that sent their results
    started = Started(dataset(200, 5), "f.yaml")
    assert started._second is not None
    started.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, not even one waiting to be reaped


@st.composite
def long_lists(draw: st.DrawFn) -> str:
    """A document with a top-level list of mappings, like `inspections:`, and some damage."""
    lines = draw(st.sampled_from([[], ["name: x"], ["a:", "  - 1"]]))
    lines.append("items:")
    for _ in range(draw(st.integers(2, 8))):
        item = draw(block(WORDS, KEYS, 4, 1).filter(lambda ls: not ls[0].lstrip().startswith("-")))
        lines += ["  - " + item[0].lstrip(" "), *item[1:]]
    lines += draw(st.sampled_from([[], ["after: 1"], ["items: again"], ["a: 2"]]))
    text = "\n".join(lines) + "\n"
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from([" ", "\n", "#", ":", "- ", "\t", "'", "["])) + text[at:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(long_lists())
def test_reading_in_halves_changes_nothing(text: str):
    load.SPLIT_BYTES = 10**12
    try:
        whole = parsed(text)
        load.SPLIT_BYTES = 0
        assert parsed(text) == whole, text
    finally:
        load.SPLIT_BYTES = SPLIT_BYTES


def test_a_second_half_that_cannot_travel_back_goes_to_pyyaml(monkeypatch: pytest.MonkeyPatch):
    """The second half comes back marshalled; a value marshal cannot write (none the reader
    makes) sends the file to PyYAML rather than failing."""
    import datetime as dt

    text = dataset(200, 5)
    expected = parsed(text)
    real = parse_subset

    def with_a_date(text: str, resolve: Any) -> Any:
        value = real(text, resolve)
        if isinstance(value, dict):
            value["when"] = dt.datetime(2020, 1, 1)  # any object marshal refuses
        return value

    monkeypatch.setattr(load, "parse_subset", with_a_date)
    monkeypatch.setattr(load, "SPLIT_BYTES", 0)
    assert parsed(text) == expected
