"""Stage 1: read a YAML data file into plain Python values, keeping track of where each came from.

Parsing takes the fast path where it can: our own reader for the plain subset of YAML that data
files are written in (`yaml_subset`), else PyYAML (its C loader where available), which also
words every syntax error. Locations are only worked out when something is wrong, by composing
the document again and walking to the offending field.
"""

from __future__ import annotations

import contextlib
import marshal
import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, ClassVar

import yaml

from ratings import collector, parallel
from ratings.errors import DataError, Problem
from ratings.yaml_subset import Unsupported, parse_subset

try:  # the C loader is several times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]


# A data file larger than this is refused before parsing: it cannot be a hand-kept record file,
# and parsing it would take minutes and gigabytes. 50,000 inspections take about 40 MB.
MAX_BYTES = 64 * 1024 * 1024


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_PLAIN_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}


class _Loader(_BaseLoader):
    """PyYAML's (C) parser and composer with a small constructor of our own.

    Our records are mappings, lists and plain scalars, so constructing them needs none of
    PyYAML's generality, which costs most of the loading time of a large file. On the way it
    refuses what our records never need and a hand-kept file must not have: two equal keys in
    one mapping (with PyYAML the last silently wins), aliases (`*name`, with which a small file
    can expand enormously: "billion laughs"), and tags other than the plain ones (which is also
    what keeps `!!python/object` out).
    """

    _resolved: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> Any:
        # Called by the parser for every scalar: most values repeat (keys, rating words), so
        # remember each answer rather than run the resolver's regular expressions again.
        if kind is yaml.ScalarNode and isinstance(value, str):
            key = (value, (bool(implicit[0]), bool(implicit[1])))
            tag = self._resolved.get(key)
            if tag is None:
                tag = self._resolved[key] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        return None if node is None else self._build(node, set())

    def _build(self, node: yaml.Node, seen: set[int]) -> Any:
        if id(node) in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "this value (&anchor) is used again through an alias (*anchor): aliases are not supported "
                "(expected each value written out)",
                node.start_mark,
            )
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            if node.tag in _PLAIN_TAGS:
                return self.construct_object(node)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [self._build(item, seen) for item in node.value]
        elif isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._build(key_node, seen)
                if not isinstance(key, Hashable) or isinstance(key, (list, dict)):
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        "found a key that is not a plain value",
                        key_node.start_mark,
                    )
                if key in out:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key_node.value!r} twice (expected each key once)",
                        key_node.start_mark,
                    )
                out[key] = self._build(value_node, seen)
            return out
        raise yaml.constructor.ConstructorError(
            None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
        )


# Dates stay text here: the models parse them, with a located message for 2019-02-30, where
# PyYAML's own timestamp constructor would fail with a bare ValueError.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class _PlainScalars:
    """The value of a plain scalar exactly as our loader gives it (same resolver, same
    constructors), remembered per text: a file repeats its keys and rating words."""

    def __init__(self) -> None:
        self._loader = _Loader("")
        self._resolvers = _Loader.yaml_implicit_resolvers
        self._known: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        known = self._known
        if text in known:
            return known[text]
        if text and text[0] not in self._resolvers and None not in self._resolvers:
            value: Any = text  # no implicit type starts with this character: text
        else:
            # PyYAML's resolver itself: this class keeps its own (bounded) memory of answers,
            # where _Loader.resolve would also keep every one for good
            tag = _BaseLoader.resolve(self._loader, yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
            if tag == _STR:
                value = text
            elif tag in _PLAIN_TAGS:
                value = self._loader.yaml_constructors[tag](self._loader, yaml.ScalarNode(tag, text))
            else:
                raise Unsupported  # e.g. the merge key <<: our loader refuses it, with its message
        if len(known) < _KNOWN_SCALARS:
            known[text] = value
        return value


_KNOWN_SCALARS = 100_000


def read_text(path: Path, shown: str) -> str:
    """The file's text, or a DataError naming what is wrong with the path or its encoding."""

    def fail(message: str) -> DataError:
        return DataError([Problem(shown, 1, 1, "", message)])

    if not path.exists():
        raise fail("no such file (expected a YAML data file)")
    if path.is_dir():
        raise fail("is a directory (expected a YAML data file)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise fail(f"is {size / 2**20:.0f} MiB (expected a data file of at most {MAX_BYTES // 2**20} MiB)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is harmless: accept it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            [Problem(shown, line, column, "", f"byte 0x{raw[exc.start]:02x} is not UTF-8 (expected a UTF-8 text file)")]
        ) from None
    return text


def parse(text: str, shown: str) -> Any:
    """YAML text to Python values; syntax errors keep the parser's line and column.

    The common subset goes through our own fast reader; anything else, including every
    error, through PyYAML (see `yaml_subset`).
    """
    return Started(text, shown).value()


class Started:
    """A data file's parse, begun: a large file's second part is read by a second process from
    the start. `value()` reads the first part and joins the two, or reads a small file whole;
    `close()` stops the second process if the value is never asked for.

    With `head_start` (in characters), the second process reads that much more than the first:
    `ratings build` starts it before importing what builds the site, so that the imports and
    the second part's reading overlap (see `HEAD_START`)."""

    def __init__(self, text: str, shown: str, head_start: int = 0) -> None:
        self.text, self.shown = text, shown
        self.early: Any = None
        self._second: tuple[str, int, Callable[[], bytes], list[parallel.Handoff]] | None = None
        self._stack = contextlib.ExitStack()
        size = len(text)
        if size >= SPLIT_BYTES and parallel.can_fork():
            halves = _halves(text, max((size - head_start) // 2, size // 8))
            if halves is not None:
                key, cut = halves
                # The second part in pieces where it can be: the first process works on each
                # piece (`early`) while the second process reads the next.
                later = _later_cuts(text, cut, PIECES)
                pieces = [parallel.Handoff() for _ in later]
                for piece in pieces:
                    self._stack.callback(piece.close)
                # Each process copies out its own part, after the fork: side by side.
                second = parallel.beside(lambda: _part(key, text, cut, later, pieces))
                self._second = (key, cut, self._stack.enter_context(second), pieces)

    @classmethod
    def reading(cls, path: Path, shown: str, head_start: int = 0) -> Started:
        return cls(read_text(path, shown), shown, head_start)

    def value(self, early: Callable[[str, Any, Any], Any] | None = None) -> Any:
        """The parsed value, once: the text and its parts are let go of here, or a build would
        keep them (and its second process a copy) to the end.

        `early(key, value, done)`, where the file is read in parts: work on the value read so far
        (the list at `key` cut short) while the second process may still be reading, called
        after the first part and again as each of the second part's pieces but the last is
        joined to it (`done`: what the call before returned, or None); the last result is kept
        as `self.early`, only if every part is then joined (None else)."""
        try:
            return _parsed(self.text, self.shown, lambda: self._subset(early))
        finally:
            self.close()
            self.text, self._second = "", None

    def _subset(self, early: Callable[[str, Any, Any], Any] | None) -> Any:
        if self._second is None:
            return parse_subset(self.text, _PlainScalars())
        key, cut, second, pieces = self._second
        value = parse_subset(self.text[:cut], _PlainScalars())
        done = early(key, value, None) if early is not None else None
        for piece in pieces:
            try:
                middle = piece.receive()
            except RuntimeError:  # the second process failed before sending it: its error says why
                second()
                raise Unsupported from None
            value = _joined(key, value, middle)
            done = early(key, value, done) if early is not None else None
        joined = _joined(key, value, second())
        self.early = done
        return joined

    def close(self) -> None:
        self._stack.close()


def _parsed(text: str, shown: str, subset: Callable[[], Any]) -> Any:
    """`subset()`, the fast reader's value of `text`, or else PyYAML's."""
    try:
        with collector.paused():
            return subset()
    except Unsupported:
        pass
    loader = _Loader(text)
    try:
        with collector.paused():
            return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            what += " (expected spaces for indentation, not a tab)"
        else:
            what += next((hint for clue, hint in _HINTS if clue in what), "")
        raise DataError([Problem(shown, line, column, "", f"YAML syntax: {what}")]) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise DataError([Problem(shown, 1, 1, "", f"YAML syntax: {exc}")]) from None
    finally:
        loader.dispose()


# From this size up, the fast reader reads the two parts of the file on two cores.
SPLIT_BYTES = 2 * 1024 * 1024

# How much more of a large file the second process reads than the first when it starts before
# the first has imported what the build needs (0.4 s) and when the first validates what it has
# read (its part, then each of the second part's pieces, see `Started.value`). For 50,000
# inspections (29 MB) the build's second process started 2.16 s in with 14 or 17 MiB, 2.15-2.20 s
# with 11, 2.22 s with 8 and 2.35 s with 5 (means of ten), the second part in two pieces;
# 2.33-2.35 s with it in one piece and 5 MiB, as before.
HEAD_START = 17 * 1024 * 1024

# The second part's pieces: the first process validates each while the second reads the next,
# and once the second is done only the last is left, so the fewer the later pieces the longer
# that wait. For 50,000 inspections, in four with 17 MiB the build's second process started
# 1.79-1.81 s in against 1.89-1.95 s in two with 14 MiB (means of twenty, in turns); in six,
# no sooner than in four.
PIECES = 4

# A top-level line: a key at the start of a line (not a comment, not indented). Found after a
# line break: a pattern that may also match at the start of the text ("^") tries every
# character and takes ten times as long; the first line is looked at on its own.
_TOP_LINE = re.compile(r"\n([^ \n#][^\n]*)")
_FIRST_LINE = re.compile(r"([^ \n#][^\n]*)")
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*):[ ]*")


def _part(key: str, text: str, cut: int, later: list[int], pieces: list[parallel.Handoff]) -> bytes:
    """The second part of the file (from `cut`), read in the second process, for the trip back:
    the pieces up to each of `later` sent ahead through `pieces` as soon as read, the last one
    returned. The collector is paused here too: the process may have started before the first
    one paused it."""
    with collector.paused():
        for end, piece in zip(later, pieces, strict=True):
            piece.send(_marshalled(parse_subset(f"{key}:\n{text[cut:end]}", _PlainScalars())))
            cut = end
        return _marshalled(parse_subset(f"{key}:\n{text[cut:]}", _PlainScalars()))


def _later_cuts(text: str, cut: int, pieces: int) -> list[int]:
    """Where the second part (from `cut`, an item of a top-level list) is cut again into
    `pieces` about equal: at the list's first item after each share of the rest; none if
    another top-level key comes first. Looked for from `cut`, not from the start of the file as
    `_halves` does: that took 0.04 s against 0.02 s for 50,000 inspections, before the second
    process can start."""
    end = text.find("\n", cut)
    line = text[cut : end if end >= 0 else len(text)]
    item = "\n" + " " * (len(line) - len(line.lstrip(" "))) + "- "  # the list's items' (`_halves` cut at one)
    later: list[int] = []
    for n in range(1, pieces):
        at = text.find(item, cut + (len(text) - cut) * n // pieces) + 1
        if at <= (later[-1] if later else cut):
            break
        later.append(at)
    if later and _TOP_LINE.search(text, cut - 1, later[-1]):
        return []
    return later


def _joined(key: str, first: Any, second_part: bytes) -> Any:
    """The first part's value with the next part's (from the other process) joined to it."""
    second = marshal.loads(second_part)
    if not isinstance(first, dict) or not isinstance(first.get(key), list) or not isinstance(second, dict):
        raise Unsupported
    items = second.pop(key)
    if not isinstance(items, list) or any(other in first for other in second):
        raise Unsupported  # a key in both halves: PyYAML's loader gives the located error
    first[key].extend(items)
    first.update(second)
    return first


def _marshalled(value: Any) -> bytes:
    """The second half's values for the trip back: plain values (text, numbers, true/false,
    null, lists, mappings) as `marshal` writes them, in half the time pickle takes both ways
    for 25,000 inspections (0.12 s against 0.2 s, while the first process waits)."""
    try:
        return marshal.dumps(value)
    except ValueError:  # a value of another kind: not one this reader makes, but PyYAML can
        raise Unsupported from None


def _halves(text: str, middle: int | None = None) -> tuple[str, int] | None:
    """Where to cut `text` in two: at an item of the top-level list that `middle` (by default
    the middle) falls in, as (the list's key, where the item starts); None if that place is not
    in such a list. The first part is the text before the item, the second "key:" and the text
    from the item on."""
    middle = len(text) // 2 if middle is None else middle
    tops = list(_TOP_LINE.finditer(text, 0, middle))
    top = tops[-1] if tops else _FIRST_LINE.match(text, 0, middle)
    if top is None:
        return None
    key = _TOP_KEY.fullmatch(top.group(1))
    if key is None:
        return None
    after = text.find("\n", top.end())
    lines = text[after + 1 : min(after + 1 + 4096, middle)].split("\n")
    first_item = next((line for line in lines if line.strip(" ") and not line.lstrip(" ").startswith("#")), "")
    indent = len(first_item) - len(first_item.lstrip(" "))
    if not first_item.lstrip(" ").startswith("- "):
        return None
    cut = text.find("\n" + " " * indent + "- ", middle) + 1
    if cut <= 0 or _TOP_LINE.search(text, middle - 1, cut):
        return None  # no item after the middle, or another top-level key comes first
    return key.group(1), cut


# The parser's words, and what they usually mean for a hand-edited file.
_HINTS = (
    ("while scanning a quoted scalar", " (expected a closing quote)"),
    ("expected '-' indicator", " (expected this line indented like the lines above it)"),
    ("expected <block end>", " (expected this line indented like the lines above it)"),
    ("mapping values are not allowed", " (expected one 'key: value' per line; quote a value that contains ': ')"),
    ("did not find expected node content", " (the file may be cut short: expected a value here)"),
    ("expected ',' or ']'", " (expected a closing ']')"),
    ("expected ',' or '}'", " (expected a closing '}')"),
)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column : column + 1] if line < len(lines) else ""


class Locator:
    """Finds the line and column of a field path, composing the document only when asked."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: yaml.Node | None = None

    def _node(self) -> yaml.Node | None:
        if self._root is None:
            self._root = yaml.compose(self._text, Loader=_BaseLoader)
        return self._root

    def find(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node on `path` that exists.

        With `key=True` and a mapping entry at the end of the path, point at its key rather
        than its value (for an unknown key, the key is what is wrong).
        """
        node = self._node()
        if node is None:
            return (1, 1)
        mark = node.start_mark
        for step in path:
            child, key_node = _child(node, step)
            if child is None:
                break
            node = child
            mark = key_node.start_mark if key and key_node is not None and step == path[-1] else node.start_mark
        return (mark.line + 1, mark.column + 1)


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        return (node.value[step], None) if 0 <= step < len(node.value) else (None, None)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                return value_node, key_node
    return None, None
