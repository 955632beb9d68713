"""edn.py — a complete reader for EDN (Extensible Data Notation, https://github.com/edn-format/edn),
the format Jepsen writes its histories in. Reading only; no writer.

    >>> from pybskip.checkers.edn import read_all, Keyword
    >>> read_all('{:type :invoke, :f :cas, :value [1 2]} ; a comment')
    [{:type :invoke, :f :cas, :value [1, 2]}]
    >>> read_all('#{1 2} nil true #_ :gone -3.5e2 7N 1/2 #inst "2024-01-02T03:04:05Z"')[1:]
    [None, True, -350.0, 7, Fraction(1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)]

Values: nil -> None; true/false -> bool; strings and characters -> str; integers (N suffix
allowed) -> int; floats (M suffix allowed) -> float (M -> decimal.Decimal); ratios 1/2 (Clojure's
printer writes them) -> fractions.Fraction; keywords -> Keyword; symbols -> Symbol; lists ->
EdnList, vectors -> EdnVector (both tuples, equal when their elements are, as in Clojure); maps ->
EdnMap (a dict that also knows the line it starts on); sets -> frozenset; #inst -> datetime,
#uuid -> uuid.UUID; any other tag -> Tagged(tag, value) (Clojure records print as
`#ns.Record{...}`: a Tagged whose value is an EdnMap). Whitespace includes commas; `;` starts a
comment to the end of the line; `#_` discards the next element.
Errors: EdnError(message, line, column), naming what was expected, for every input that is not
EDN (unbalanced delimiters, bad escapes, duplicate map keys or set elements, a map with an odd
number of forms, invalid numbers/symbols, `#_` or a tag with nothing after it, ...).
Cost: O(n) in the input's length; nesting depth is limited by Python's recursion limit (Jepsen
histories nest a few levels).
"""
from __future__ import annotations

import bisect
import datetime
import decimal
import fractions
import re
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

__all__ = ["EdnError", "EdnList", "EdnMap", "EdnVector", "Keyword", "Symbol", "Tagged", "read_all"]


class EdnError(ValueError):
    """Input that is not EDN; `line` and `column` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__("line %d, column %d: %s" % (line, column, message))
        self.message, self.line, self.column = message, line, column


class _Named:
    """Keyword and Symbol: an optional namespace and a name; interned, compared by text."""
    __slots__ = ("text",)
    text: str
    _cache: Dict[str, Any]
    prefix = ""

    def __new__(cls, text: str) -> Any:
        got = cls._cache.get(text)
        if got is None:
            got = object.__new__(cls)
            got.text = text
            cls._cache[text] = got
        return got

    @property
    def namespace(self) -> Optional[str]:
        return self.text.rpartition("/")[0] or None if "/" in self.text[1:] else None

    @property
    def name(self) -> str:
        return self.text.rpartition("/")[2] if "/" in self.text[1:] else self.text

    def __repr__(self) -> str:
        return self.prefix + self.text

    def __reduce__(self) -> Tuple[Any, Tuple[str]]:
        return (type(self), (self.text,))


class Keyword(_Named):
    """An EDN keyword such as `:invoke` (the text is stored without the colon)."""
    __slots__ = ()
    _cache: Dict[str, Any] = {}
    prefix = ":"


class Symbol(_Named):
    """An EDN symbol such as `jepsen.history.Op` or `/`."""
    __slots__ = ()
    _cache: Dict[str, Any] = {}


class EdnList(tuple):  # type: ignore[type-arg]  # element types vary: EDN is dynamically typed
    """An EDN list `( ... )`."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "(" + " ".join(map(repr, self)) + ")"


class EdnVector(tuple):  # type: ignore[type-arg]
    """An EDN vector `[ ... ]`."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "[" + ", ".join(map(repr, self)) + "]"


class EdnMap(dict):  # type: ignore[type-arg]
    """An EDN map `{ ... }`; `line` is the line of its opening brace. Hashable (by content) so that
    it may be a map key or set element, as EDN allows; the reader never mutates it."""

    line: int = 0

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return "{" + ", ".join("%r %r" % kv for kv in self.items()) + "}"


class Tagged:
    """A tagged element `#tag value` whose tag has no built-in reader."""
    __slots__ = ("tag", "value")

    def __init__(self, tag: Symbol, value: Any) -> None:
        self.tag, self.value = tag, value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tagged) and (self.tag, self.value) == (other.tag, other.value)

    def __hash__(self) -> int:
        return hash((self.tag, self.value))

    def __repr__(self) -> str:
        return "#%s %r" % (self.tag, self.value)


# -- the lexer: one token per match; an "atom" runs to the next delimiter and is classified after
_TOKEN = re.compile(r"""
    (?P<ws>(?:[\s,]+|;[^\n]*)+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<char>\\(?:newline|return|space|tab|u[0-9A-Fa-f]{4}|[^\s]))
  | (?P<open>\#\{|[(\[{])
  | (?P<close>[)\]}])
  | (?P<discard>\#_)
  | (?P<tag>\#(?=[A-Za-z]))
  | (?P<atom>[^\s,;"()\[\]{}\\\#][^\s,;"()\[\]{}\\]*)
""", re.VERBOSE | re.DOTALL)
_DELIMITER = re.compile(r"[\s,;\"()\[\]{}\\]|$")
_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)N?")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?M?")
_RATIO = re.compile(r"[+-]?[0-9]+/[1-9][0-9]*")
_SYM_PART = r"(?:[A-Za-z*!_?$%&=<>]|[+\-.](?![0-9]))[A-Za-z0-9.*+!\-_?$%&=<>:#]*"
_SYMBOL = re.compile(r"/|%s(?:/%s)?" % (_SYM_PART, _SYM_PART))
_STRING_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\", '"': '"', "b": "\b", "f": "\f"}
_CHAR_NAMES = {"newline": "\n", "return": "\r", "space": " ", "tab": "\t"}
_CLOSE_OF = {"(": ")", "[": "]", "{": "}", "#{": "}"}


def _inst(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise ValueError("#inst takes an RFC 3339 string")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    return datetime.datetime.fromisoformat(text)


def _uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise ValueError("#uuid takes a string")
    return uuid.UUID(value)


TAG_READERS: Dict[str, Callable[[Any], Any]] = {"inst": _inst, "uuid": _uuid}


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.tokens = self._lex()
        self.peeked: Optional[Tuple[str, str, int]] = None

    def where(self, offset: int) -> Tuple[int, int]:
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def fail(self, message: str, offset: int) -> EdnError:
        return EdnError(message, *self.where(offset))

    def _lex(self) -> Iterator[Tuple[str, str, int]]:
        text, pos, n = self.text, 0, len(self.text)
        while pos < n:
            m = _TOKEN.match(text, pos)
            if m is None:
                what = "an unterminated string" if text[pos] == '"' else "an invalid character %r" % text[pos]
                if text[pos] == "#":
                    what = "'#' not followed by '{', '_' or a tag symbol"
                raise self.fail(what, pos)
            kind = m.lastgroup or ""
            if kind != "ws":
                if kind == "char" and not _DELIMITER.match(text, m.end()):
                    raise self.fail("a character literal followed by a delimiter", m.end())
                yield kind, m.group(), pos
            pos = m.end()

    def next(self) -> Optional[Tuple[str, str, int]]:
        if self.peeked is not None:
            tok, self.peeked = self.peeked, None
            return tok
        return next(self.tokens, None)

    def element(self, tok: Optional[Tuple[str, str, int]], context: str) -> Any:
        """The element that starts with `tok` (discards already skipped)."""
        while tok is not None and tok[0] == "discard":
            if isinstance(self.element(self.next(), "an element after #_"), _Closed):
                raise self.fail("#_ with nothing to discard", tok[2])
            tok = self.next()
        if tok is None:
            raise self.fail("end of input while reading %s" % context, len(self.text))
        kind, text, offset = tok
        if kind == "atom":
            return self.atom(text, offset)
        if kind == "string":
            return self.string(text, offset)
        if kind == "char":
            body = text[1:]
            if body in _CHAR_NAMES:
                return _CHAR_NAMES[body]
            return chr(int(body[1:], 16)) if len(body) == 5 and body[0] == "u" else body
        if kind == "open":
            return self.collection(text, offset)
        if kind == "close":
            return _Closed(text, offset)
        # a tag: the symbol is the next atom, then the tagged element
        sym_tok = self.next()
        if sym_tok is None or sym_tok[0] != "atom" or sym_tok[2] != offset + 1 \
                or not _SYMBOL.fullmatch(sym_tok[1]):
            raise self.fail("a tag symbol after '#'", offset + 1)
        value = self.element(self.next(), "the element tagged #" + sym_tok[1])
        if isinstance(value, _Closed):
            raise self.fail("an element after the tag #" + sym_tok[1], value.offset)
        reader = TAG_READERS.get(sym_tok[1])
        if reader is None:
            return Tagged(Symbol(sym_tok[1]), value)
        try:
            return reader(value)
        except ValueError as exc:
            raise self.fail("#%s: %s" % (sym_tok[1], exc), offset) from None

    def atom(self, text: str, offset: int) -> Any:
        if text == "nil":
            return None
        if text in ("true", "false"):
            return text == "true"
        c = text[0]
        if c.isdigit() or (c in "+-" and len(text) > 1 and text[1].isdigit()):
            if _INT.fullmatch(text):
                return int(text.rstrip("N"))
            if _FLOAT.fullmatch(text):
                return decimal.Decimal(text[:-1]) if text.endswith("M") else float(text)
            if _RATIO.fullmatch(text):
                return fractions.Fraction(text)
            raise self.fail("an invalid number %r" % text, offset)
        if c == ":":
            if len(text) > 1 and text[1] != ":" and _SYMBOL.fullmatch(text[1:]) and text[1:] != "/":
                return Keyword(text[1:])
            raise self.fail("an invalid keyword %r" % text, offset)
        if _SYMBOL.fullmatch(text):
            return Symbol(text)
        raise self.fail("an invalid symbol %r" % text, offset)

    def string(self, text: str, offset: int) -> str:
        body = text[1:-1]
        if "\\" not in body:
            return body
        out: List[str] = []
        i = 0
        while True:
            j = body.find("\\", i)
            if j < 0:
                out.append(body[i:])
                return "".join(out)
            out.append(body[i:j])
            esc = body[j + 1]
            if esc in _STRING_ESCAPES:
                out.append(_STRING_ESCAPES[esc])
                i = j + 2
            elif esc == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", body[j + 2:j + 6]):
                out.append(chr(int(body[j + 2:j + 6], 16)))
                i = j + 6
            else:
                raise self.fail("an invalid escape \\%s in a string" % esc, offset + 1 + j)

    def collection(self, opener: str, offset: int) -> Any:
        closer, items = _CLOSE_OF[opener], []  # type: str, List[Any]
        while True:
            tok = self.next()
            item = self.element(tok, "a collection opened with %r at line %d" % (opener, self.where(offset)[0]))
            if isinstance(item, _Closed):
                if item.text != closer:
                    raise self.fail("%r to close %r, found %r" % (closer, opener, item.text), item.offset)
                break
            items.append(item)
        try:
            if opener == "(":
                return EdnList(items)
            if opener == "[":
                return EdnVector(items)
            if opener == "#{":
                members = frozenset(items)
                if len(members) != len(items):
                    raise self.fail("a set without duplicate elements", offset)
                return members
            if len(items) % 2:
                raise self.fail("a map with an even number of forms (key value pairs)", offset)
            m = EdnMap(zip(items[::2], items[1::2]))
        except TypeError as exc:  # an unhashable element cannot occur (every value is hashable)
            raise self.fail("hashable elements (%s)" % exc, offset) from None
        if len(m) * 2 != len(items):
            raise self.fail("a map without duplicate keys", offset)
        m.line = self.where(offset)[0]
        return m


class _Closed:
    """A closing delimiter met where an element may end a collection (internal)."""
    __slots__ = ("text", "offset")

    def __init__(self, text: str, offset: int) -> None:
        self.text, self.offset = text, offset



def read_all(text: str) -> List[Any]:
    """Every top-level element of `text`, in order. O(len(text)). Raises EdnError.

    >>> read_all('[1 (2 3)] :a/b')
    [[1, (2 3)], :a/b]
    >>> read_all('{:a 1 :a 2}')
    Traceback (most recent call last):
    ...
    pybskip.checkers.edn.EdnError: line 1, column 1: a map without duplicate keys
    """
    r = _Reader(text)
    out: List[Any] = []
    while True:
        tok = r.next()
        while tok is not None and tok[0] == "discard":
            if isinstance(r.element(r.next(), "an element after #_"), _Closed):
                raise r.fail("#_ with nothing to discard", tok[2])
            tok = r.next()
        if tok is None:
            return out
        value = r.element(tok, "an element")
        if isinstance(value, _Closed):
            raise r.fail("an element, found an unopened %r" % value.text, value.offset)
        out.append(value)
