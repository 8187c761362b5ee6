"""A fast reader for the plain subset of YAML that our data files are written in.

PyYAML builds a node (with two position marks) for every value before making Python values, so
a file of 50,000 inspections takes seconds and most of a gigabyte that Python keeps after the
parse. This reader goes line by line and makes the values directly. It knows only the shapes
the data file and `ratings add` write: block mappings and lists, one-line flow lists and
mappings, plain and simple quoted scalars, comments, and folded or literal text whose lines
share one indentation.

Anything else (tabs, anchors, tags, escapes, multi-line plain text, two equal keys, a syntax
error...) raises `Unsupported`, and the caller parses the whole file with PyYAML instead, which
also gives the located error message. So this reader never has to be right about anything
unusual: where it returns a value, that value equals PyYAML's (a differential test checks it).
Plain scalars get their meaning (null, bool, int, float, text) from PyYAML's own resolver.
"""

from __future__ import annotations

import contextlib
import marshal
import re
from collections.abc import Callable
from typing import Any


class Unsupported(Exception):
    """The text is outside the subset: parse it with PyYAML."""


# Characters PyYAML treats specially or refuses anywhere in a file: tabs (indentation errors),
# other line breaks than \n, the byte-order mark, and non-printable characters.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")

# One line: indentation, an optional "- ", an optional "key:", the rest. Keys are plain words
# of the kinds a record uses; any other key (quoted, with a colon, ...) leaves `key` unset and
# then fails the checks below, sending the file to PyYAML.
_LINE = re.compile(r"( *)(-(?: +|$))?(?:([\w][\w .()/-]*?) *:(?: +|$))?(.*)")
# A plain scalar that may stand alone in block context: no leading indicator, no ": " or " #".
# The definition; `_is_plain` says the same of one line, several times as fast (a test holds
# them equal).
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#]|:(?! |$)|(?<! )#)*")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Characters that end or open something inside a flow collection: a flow list without any of
# them is plain scalars separated by commas (see `_simple_flow_list`).
_FLOW_SPECIAL = re.compile(r"[\[\]{}'\"#?]")
# What `_UNUSUAL` finds in ASCII text: control characters but the line break.
_ASCII_UNUSUAL = bytes(c for c in range(128) if c != 10 and not 0x20 <= c <= 0x7E)
_FLOW_TOKEN = re.compile(
    r" *(?:"
    r"([\[\]{},])"  # 1: punctuation
    r"|\"([^\"\\]*)\""  # 2: double-quoted, no escapes
    r"|'([^']*)'"  # 3: single-quoted, no doubled quotes
    r"|([^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^,\[\]{}:#?]|:(?![ ,\[\]{}]|$)|(?<! )#)*?)"  # 4: plain
    r"(?= *(?:: |:$|[,\]}]|$))"
    r"|(: ?)"  # 5: key separator
    r") *"
)
# Block text: what joins its lines (folded ">" or literal "|"), and whether it keeps a final
# line break ("-" strips it).
_BLOCK_HEADER = {">": (" ", True), ">-": (" ", False), "|": ("\n", True), "|-": ("\n", False)}


def parse_subset(text: str, resolve: Callable[[str], Any]) -> Any:
    """The value of `text`, or `Unsupported`. `resolve` gives a plain scalar's value."""
    if _has_unusual(text) or any(marker in text for marker in ("\n---", "\n...", "\n%")):
        raise Unsupported
    return _Reader(resolve).read(text.split("\n"))


def _has_unusual(text: str) -> bool:
    """Whether `_UNUSUAL` finds anything. ASCII text is searched as bytes, in a twentieth of the
    time (the regular expression looks at a large file's 30 million characters one by one)."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_UNUSUAL)) != len(data)
    return _UNUSUAL.search(text) is not None


def _is_plain(line: str) -> bool:
    """`_PLAIN.fullmatch(line)` for text without a line break."""
    return (
        bool(line)
        and line[0] not in _INDICATORS
        and not line[0].isspace()
        and ": " not in line
        and line[-1] != ":"
        and " #" not in line
    )


# What a line holds after its indentation, "- " and "key:".
_NOTHING, _VALUE, _FLOW, _TEXT = range(4)

# A line read: indentation, whether it starts with "- ", its key's value (or _NO_KEY) and the
# column where the key starts, what follows (one of the four above) and the value or raw text.
_Line = tuple[int, bool, Any, int, int, Any]
_NO_KEY = object()
_BLANK: _Line = (-1, False, _NO_KEY, 0, _NOTHING, None)

# Lines repeat (keys, ratings, framework ids): remember what each one says, up to this many.
_CACHE_LINES = 50_000


class _Reader:
    def __init__(self, resolve: Callable[[str], Any]) -> None:
        self.resolve = resolve
        self.lines: dict[str, _Line] = {}
        self.heads: dict[str, tuple[int, bool, Any, int]] = {}
        self.flows: dict[str, bytes] = {}  # a flow text's value, marshalled (see `value`)

    def read(self, raw: list[str]) -> Any:
        """The document's value, reading each line once and keeping a stack of open blocks.

        A frame is [indent, container, is_list, level_with_key]: the last for a list written
        level with the key it belongs to ("key:" then "- item" at the same indentation).
        """
        cache = self.lines
        stack: list[list[Any]] = []
        root: Any = None
        # the innermost open mapping's indent and the mapping, for the common line "key: value"
        map_indent, mapping = -1, None
        # where a value goes when its key ("key:") or "-" has nothing after it on its line
        pending: tuple[Any, Any, int, bool] | None = None
        at, end = 0, len(raw)
        empty = self.resolve("")  # the value of "key:" or "-" with nothing after it (and no block under it)
        while at < end:
            line = raw[at]
            at += 1
            token = cache.get(line)
            if token is None:
                token = self.token(line)
                if len(cache) >= _CACHE_LINES:
                    cache.clear()
                cache[line] = token
            indent, dash, key, column, kind, value = token
            # The common line: "key: ..." in the mapping the line before was in. A "key:" just
            # before it, with nothing after, stays empty (a block under it would be indented).
            # Most records' lines take this way, unrecorded ratings and lists of links included.
            if (
                indent == map_indent
                and not dash
                and key is not _NO_KEY
                and (pending is None or (pending[3] and pending[2] == indent))
            ):
                if key in mapping:  # type: ignore[operator]
                    raise Unsupported  # two equal keys: PyYAML's loader gives the located error
                if kind == _VALUE:
                    mapping[key] = value  # type: ignore[index]
                    pending = None
                elif kind == _NOTHING:
                    mapping[key] = empty  # type: ignore[index]
                    pending = (mapping, key, indent, True)
                else:
                    pending = None
                    mapping[key], at = self.value(kind, value, raw, at, indent)  # type: ignore[index]
                continue
            if indent < 0:
                continue
            if pending is not None:
                into, slot, parent, in_mapping = pending
                pending = None
                if indent > parent or (in_mapping and indent == parent and dash):
                    new: list[Any] | dict[Any, Any] = [] if dash else {}
                    into[slot] = new
                    stack.append([indent, new, dash, indent == parent])
            elif not stack:
                if root is not None:
                    raise Unsupported  # a second block after the first one ended
                root = [] if dash else {}
                stack.append([indent, root, dash, False])
            while stack and (stack[-1][0] > indent or (stack[-1][3] and stack[-1][0] == indent and not dash)):
                stack.pop()
            if not stack or stack[-1][0] != indent:
                raise Unsupported  # deeper than its block: continued text, or an indentation error
            frame = stack[-1]
            if frame[2]:  # a list: this line must be an item
                if not dash:
                    raise Unsupported
                items = frame[1]
                map_indent = -1
                if key is _NO_KEY:
                    if kind == _NOTHING:
                        items.append(empty)
                        pending = (items, len(items) - 1, indent, False)
                    else:
                        value, at = self.value(kind, value, raw, at, indent)
                        items.append(value)
                    continue
                frame = [column, {}, False, False]
                items.append(frame[1])
                stack.append(frame)
                indent = column
            elif dash or key is _NO_KEY:
                raise Unsupported
            map_indent, mapping = indent, frame[1]
            if key in mapping:
                raise Unsupported
            if kind == _NOTHING:
                mapping[key] = empty
                pending = (mapping, key, indent, True)
            elif kind == _VALUE:
                mapping[key] = value
            else:
                mapping[key], at = self.value(kind, value, raw, at, indent)
        return root

    def value(self, kind: int, text: str, raw: list[str], at: int, indent: int) -> tuple[Any, int]:
        """The value after "key: " or "- ", and the index of the line after it (block text
        reads the lines below its own)."""
        if kind == _FLOW:
            items = _simple_flow_list(text)
            if items is not None:  # most flow values: a list of links (twice as quick)
                return [self.resolve(item) for item in items], at
            # Other flow texts repeat ("[{owner: public}]" for many providers): each is read once,
            # then remade from its marshalled value (a new list or mapping each time, as read).
            known = self.flows.get(text)
            if known is not None:
                return marshal.loads(known), at
            value, end = self.flow(text, 0)
            _trailing(text, end)
            if len(self.flows) < _CACHE_LINES:
                with contextlib.suppress(ValueError):  # a value marshal cannot write (from `resolve`): not kept
                    self.flows[text] = marshal.dumps(value)
            return value, at
        if kind == _TEXT:
            return _block_text(text, raw, at, indent)
        return text, at

    def token(self, line: str) -> _Line:
        """What one line says (without what a block text after it says)."""
        # A line's start up to its first ": " says what `head` finds: lines that start alike
        # (a record's "report_url: ..." or "- provider: ...", whose values differ) share it.
        cut = line.find(": ")
        head = self.heads.get(line[:cut]) if cut > 0 else None
        if head is None:
            head, rest = self.head(line, cut)
        else:
            rest = line[cut + 1 :].lstrip(" ")
        if rest and (rest[0] == "#" or rest[-1] == " "):
            rest = "" if rest[0] == "#" else rest.rstrip(" ")  # a comment, trailing spaces
        indent, dash, key, column = head
        if key is _NO_KEY and not dash and not rest:
            return _BLANK
        kind, value = _NOTHING, None
        if rest:
            first = rest[0]
            if first in "[{":
                kind, value = _FLOW, rest
            elif first in ">|":
                kind, value = _TEXT, rest
            elif first in "\"'":
                kind, value = _VALUE, _quoted(rest)
            else:
                cut = rest.find(" #")
                text = rest if cut < 0 else rest[:cut].rstrip(" ")
                if not _is_plain(text):
                    raise Unsupported
                kind, value = _VALUE, self.resolve(text)
        return (indent, dash, key, column, kind, value)

    def head(self, line: str, cut: int) -> tuple[tuple[int, bool, Any, int], str]:
        """A line's indentation, whether it starts with "- ", its key (or _NO_KEY) and the
        column where the key starts; and the rest of the line. `cut`: where its first ": " is."""
        m = _LINE.match(line)
        if m is None:  # pragma: no cover - the pattern matches any line without a line break
            raise Unsupported
        spaces, dash, key_text, rest = m.groups()
        if key_text is None:
            return (len(spaces), dash is not None, _NO_KEY, 0), rest
        key = self.resolve(key_text)
        if isinstance(key, float):  # 1.0 and 1 are one key in Python but two in YAML
            raise Unsupported
        head = (len(spaces), dash is not None, key, m.start(3))
        if cut > 0:  # a key ends at the first ": " (it has no colon): every line so begun has this head
            if len(self.heads) >= _CACHE_LINES:
                self.heads.clear()
            self.heads[line[:cut]] = head
        return head, rest

    def flow(self, text: str, at: int) -> tuple[Any, int]:
        """A one-line flow list or mapping starting at text[at]; returns it and where it ends."""
        opener = text[at]
        closer = "]" if opener == "[" else "}"
        items: list[Any] = []
        out: dict[Any, Any] = {}
        at += 1
        expect_item = True
        while True:
            m = _FLOW_TOKEN.match(text, at)
            if m is None:
                raise Unsupported
            punct, dq, sq, plain, _ = m.groups()
            if punct == closer:
                if opener == "[":
                    return items, m.end()
                return out, m.end()
            if punct == "," and not expect_item:
                expect_item = True
                at = m.end()
                continue
            if not expect_item:
                raise Unsupported
            value, at = self.flow_value(text, m, punct, dq, sq, plain)
            if opener == "{":
                sep = _FLOW_TOKEN.match(text, at)
                if sep is None or sep.group(5) is None:
                    raise Unsupported
                m = _FLOW_TOKEN.match(text, sep.end())
                if m is None or m.group(1) in (",", "}", "]"):
                    raise Unsupported  # a key without a value
                if isinstance(value, (list, dict, float)) or value in out:
                    raise Unsupported
                out[value], at = self.flow_value(text, m, *m.groups()[:4])
            else:
                items.append(value)
            expect_item = False

    def flow_value(
        self, text: str, m: re.Match[str], punct: str | None, dq: str | None, sq: str | None, plain: str | None
    ) -> tuple[Any, int]:
        if punct in ("[", "{"):
            return self.flow(text, m.start(1))
        if dq is not None:
            return dq, m.end()
        if sq is not None:
            return sq, m.end()
        if plain is not None:
            return self.resolve(plain), m.end()
        raise Unsupported


def _simple_flow_list(text: str) -> list[str] | None:
    """The items of a one-line flow list of plain scalars ("[a, b c]"), as `flow` reads them;
    None for any other flow text, which `flow` then reads (or declines)."""
    if text[0] != "[" or text[-1] != "]" or _FLOW_SPECIAL.search(text, 1, len(text) - 1):
        return None
    items = [item.strip(" ") for item in text[1:-1].split(",")]
    # An empty item ("[]", "[a,]") is for `flow` to decide; so is anything but a plain scalar.
    return items if all(map(_is_plain, items)) else None


def _trailing(text: str, end: int) -> None:
    """After a quoted or flow value only spaces and a comment may follow."""
    tail = text[end:].lstrip(" ")
    hash_at = len(text) - len(tail)
    if tail and (tail[0] != "#" or text[hash_at - 1] != " "):  # a comment needs a space before it
        raise Unsupported


def _quoted(text: str) -> str:
    """A one-line quoted scalar without escapes ("..." without \\, '...' without '')."""
    quote = text[0]
    end = text.find(quote, 1)
    if end < 0 or (quote == '"' and "\\" in text[:end]) or text[end + 1 : end + 2] == quote:
        raise Unsupported
    _trailing(text, end + 1)
    return text[1:end]


def _block_text(header: str, raw: list[str], at: int, indent: int) -> tuple[str, int]:
    """Folded (>) or literal (|) text starting at raw[at] whose lines all share one indentation
    and none is blank; returns it and the index of the line after it."""
    header = header.split(" #", 1)[0].rstrip(" ")  # a comment may follow the indicator
    if header not in _BLOCK_HEADER:
        raise Unsupported
    joiner, final_break = _BLOCK_HEADER[header]
    body: list[str] = []
    column = -1
    while at < len(raw):
        line = raw[at]
        stripped = line.lstrip(" ")
        width = len(line) - len(stripped)
        if not stripped:
            after = at + 1
            while after < len(raw) and not raw[after].strip(" "):
                after += 1
            following = raw[after] if after < len(raw) else ""
            if column < 0 or len(following) - len(following.lstrip(" ")) >= column:
                raise Unsupported  # a blank line inside the text
            break
        if column < 0:
            if width <= indent:
                break
            column = width
        elif width != column:
            if width > column:
                raise Unsupported  # more-indented lines keep their breaks: PyYAML's business
            break
        body.append(stripped)
        at += 1
    if not body or at == len(raw):  # no text, or its last line has no line break
        raise Unsupported
    text = joiner.join(body)
    return (text + "\n" if final_break else text), at
