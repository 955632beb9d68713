"""test_edn.py — the EDN reader (pybskip.checkers.edn) reads EDN as the spec defines it.

What is checked: every element kind (nil, booleans, strings with every escape, characters,
integers with N, floats with exponents and M, ratios, keywords and symbols with namespaces,
lists, vectors, maps, sets, #inst, #uuid, unknown tags, Clojure record literals), whitespace with
commas, comments and #_ discards; Hypothesis round trips: random nested values printed by an
independent printer here and read back equal; every malformed input raises EdnError with the line
and column of the fault, never another exception (Hypothesis: random byte-level corruptions of valid
documents either read or raise EdnError).
Why a bug could not hide: the printer and the expected values are written here, independently of
the reader; the error table fixes the position of each fault by hand.
"""
import datetime
import decimal
import fractions
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybskip.checkers.edn import EdnError, EdnList, EdnMap, EdnVector, Keyword, Symbol, Tagged, read_all


def test_scalars():
    text = r'''nil true false "plain" "t\tr\rn\nq\"b\\u\u00e9" \c \newline \space \tab \return \u0041
               0 -7 +3 12N 1.5 -2e3 6.02E+23 1.25M 3/4 -1/2 :kw :ns/kw sym ns.x/sym / - + x#y a? <=>'''
    assert read_all(text) == [
        None, True, False, "plain", 't\tr\rn\nq"b\\u\u00e9', "c", "\n", " ", "\t", "\r", "A",
        0, -7, 3, 12, 1.5, -2000.0, 6.02e23, decimal.Decimal("1.25"), fractions.Fraction(3, 4),
        fractions.Fraction(-1, 2), Keyword("kw"), Keyword("ns/kw"), Symbol("sym"), Symbol("ns.x/sym"),
        Symbol("/"), Symbol("-"), Symbol("+"), Symbol("x#y"), Symbol("a?"), Symbol("<=>")]
    assert Keyword("ns/kw").namespace == "ns" and Keyword("ns/kw").name == "kw"
    assert Keyword("kw") is Keyword("kw") and Keyword("kw") != Symbol("kw") and Keyword("kw") != "kw"


def test_collections_and_layout():
    text = """; a Jepsen-like file
    [{:type :invoke, :f :cas, :value [1 2], :process 0}
     {:type :ok,,, :f :cas :value (1 2) :process 0}  ; commas are whitespace
     #{1 [2 3] {:a 1}} #_ {:discarded "yes"} #_#_ 1 2
    ]"""
    [vec] = read_all(text)
    assert isinstance(vec, EdnVector) and len(vec) == 3
    first, second, third = vec
    assert isinstance(first, EdnMap) and first.line == 2 and second.line == 3
    assert first[Keyword("value")] == EdnVector((1, 2)) and isinstance(second[Keyword("value")], EdnList)
    assert first[Keyword("value")] == second[Keyword("value")]  # sequential equality, as in Clojure
    assert third == frozenset({1, EdnVector((2, 3)), EdnMap({Keyword("a"): 1})})


def test_tags():
    u = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    got = read_all('#inst "1985-04-12T23:20:50.520Z" #uuid "%s" #my/tag [1] #jepsen.history.Op{:index 0}' % u)
    assert got[0] == datetime.datetime(1985, 4, 12, 23, 20, 50, 520000, tzinfo=datetime.timezone.utc)
    assert got[1] == uuid.UUID(u)
    assert got[2] == Tagged(Symbol("my/tag"), EdnVector((1,)))
    assert got[3].tag == Symbol("jepsen.history.Op") and got[3].value == {Keyword("index"): 0}


@pytest.mark.parametrize("text, line, column, what", [
    ("{:a}", 1, 1, "even number"),
    ("[1 2", 1, 5, "end of input"),
    ("(1\n  2]", 2, 4, "')' to close '('"),
    ('"abc', 1, 1, "unterminated string"),
    ("#{1 1}", 1, 1, "duplicate"),
    ("{:a 1 :a 2}", 1, 1, "duplicate keys"),
    (":", 1, 1, "invalid keyword"),
    ("::a", 1, 1, "invalid keyword"),
    ("1.2.3", 1, 1, "invalid number"),
    ("\n\n  1a", 3, 3, "invalid number"),
    (".5", 1, 1, "invalid symbol"),
    ("a/b/c", 1, 1, "invalid symbol"),
    ("#_", 1, 3, "end of input"),
    ("(#_)", 1, 2, "nothing to discard"),
    ("#", 1, 1, "'#' not followed"),
    ("# foo 1", 1, 1, "'#' not followed"),
    ("#foo", 1, 5, "end of input"),
    ("[#foo]", 1, 6, "after the tag"),
    (")", 1, 1, "unopened"),
    ('"\\q"', 1, 2, "invalid escape"),
    ('"\\u12"', 1, 2, "invalid escape"),
    ("#inst 5", 1, 1, "#inst"),
    ('#inst "yesterday"', 1, 1, "#inst"),
    ('#uuid "nope"', 1, 1, "#uuid"),
    ("\\abc", 1, 3, "character literal"),
])
def test_malformed_input_names_line_and_column(text, line, column, what):
    with pytest.raises(EdnError) as info:
        read_all(text)
    assert (info.value.line, info.value.column) == (line, column), info.value
    assert what in info.value.message, info.value


# -- an independent printer for the round trip
def edn_str(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"%s"' % "".join({"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}.get(c, c)
                                for c in v)
    if isinstance(v, (Keyword, Symbol)):
        return repr(v)
    if isinstance(v, EdnVector):
        return "[" + " ".join(map(edn_str, v)) + "]"
    if isinstance(v, EdnList):
        return "(" + ",".join(map(edn_str, v)) + ")"
    if isinstance(v, frozenset):
        return "#{" + " ".join(map(edn_str, v)) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(edn_str(k) + " " + edn_str(x) for k, x in v.items()) + "}"
    raise TypeError(v)


names = st.from_regex(r"[a-z][a-z0-9\-?!.]{0,6}", fullmatch=True).filter(lambda s: not s[-1] == ".")
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.builds(Keyword, names), st.builds(lambda a, b: Keyword(a + "/" + b), names, names),
    st.builds(Symbol, names.filter(lambda s: s not in ("nil", "true", "false"))))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda x: EdnVector(x)),
    st.lists(inner, max_size=4).map(lambda x: EdnList(x)),
    st.frozensets(scalars, max_size=4),
    st.dictionaries(scalars, inner, max_size=4).map(EdnMap)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=5))
def test_round_trip(vs):
    assert read_all("\n ; c\n".join(edn_str(v) for v in vs)) == vs


@settings(max_examples=300, deadline=None)
@given(values, st.integers(min_value=0, max_value=10**6), st.sampled_from(list('{}[]()#"\\:;_ ,N/')))
def test_corruption_reads_or_raises_edn_error(v, where, junk):
    text = edn_str(v)
    i = where % (len(text) + 1)
    try:
        read_all(text[:i] + junk + text[i:])
    except EdnError:
        pass
