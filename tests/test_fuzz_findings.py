"""test_fuzz_findings.py — regression tests for what the fuzzers found in the Python surface.

Each case is an input a fuzz target (fuzz/py/) once turned into an undocumented exception; each
must now give the documented one: HistoryFormatError naming file and line for a malformed history,
ModelInputError for an operation that does not fit its model, TypeError for a non-int index.
"""
import pytest

from pybskip import SkipMap
from pybskip.checkers import History, HistoryFormatError, ModelInputError, Operation, check

HEADER = '{"format": "pybskip-history", "version": 1%s}\n'
OP = '{"client": 0, "call": %s, "return": 1, "input": {"f": "get", "key": 1}, "output": null}\n'


@pytest.mark.parametrize("model", ["-1", "[]", "0", '"no-such-model"'])
def test_bad_model_in_header_is_a_format_error(tmp_path, model):
    p = tmp_path / "h.jsonl"
    p.write_text(HEADER % (', "model": %s' % model) + OP % 0)
    with pytest.raises(HistoryFormatError, match=r"h\.jsonl:1: header field 'model'"):
        History.load(p)


@pytest.mark.parametrize("t", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_times_are_a_format_error(tmp_path, t):
    p = tmp_path / "h.jsonl"
    p.write_text(OP % t)
    with pytest.raises(HistoryFormatError, match=r"h\.jsonl:1: field 'call' must be a finite number"):
        History.load(p)


@pytest.mark.parametrize("output", [7, (1, 2), ((1,),), "ab"])
def test_malformed_scan_output_is_a_model_input_error(output):
    op = Operation(0, {"f": "scan", "lo": 0, "hi": 4}, output, 0, 1)
    with pytest.raises(ModelInputError):
        check(History([op]), "sortedmap")


def test_index_must_be_an_int():
    m = SkipMap({1: 1, 2: 2})
    with pytest.raises(TypeError):
        m.popitem(0.0)
    with pytest.raises(TypeError):
        m.peekitem(1.0)
    assert dict(m.items()) == {1: 1, 2: 2}
