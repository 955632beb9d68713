"""test_checkers_data.py — the checker agrees with every third-party verdict in tests/data/.

What is checked: every history file under the data folder (Porcupine's key-value logs, Jepsen's
etcd logs) is loaded in its format, checked with the model its format implies, and the verdict
must equal the one established elsewhere (VERDICTS.txt, or the -ok/-bad file name). Every file
must have an expected verdict, so a new file cannot slip through unchecked. A missing folder is a
failure naming the path, never a skip. Why a bug could not hide: the set contains both verdicts
for both formats; a checker that answered a constant, or ignored :info/pending operations, or
mis-parsed a format, disagrees with some file.
"""
from pathlib import Path

import pytest

from pybskip.checkers import History, check
from thirdparty_data import DATA, expected_verdicts, history_files


def _files():
    if not DATA.is_dir():
        return [DATA / "MISSING"]
    return history_files(DATA)


def test_data_folder_is_there():
    assert DATA.is_dir(), ("the third-party histories are missing: expected them at %s " % DATA)
    assert len(history_files(DATA)) >= 70, "fewer histories than expected in %s" % DATA


@pytest.mark.parametrize("path", _files(), ids=lambda p: "%s/%s" % (p.parent.name, p.name))
def test_verdict_agrees(path: Path):
    assert DATA.is_dir(), "the third-party histories are missing: expected them at %s" % DATA
    expected = expected_verdicts(DATA)
    assert path in expected, "%s has no expected verdict (VERDICTS.txt or -ok/-bad name)" % path
    history = History.load(path)
    result = check(history, timeout=30, minimize=False)
    assert result.verdict == expected[path], "%s: expected %s, checker says %s" % (
        path, expected[path], result.verdict)


def test_partitioning_does_not_change_verdicts():
    assert DATA.is_dir(), "the third-party histories are missing: expected them at %s" % DATA
    for path in sorted((DATA / "porcupine-kv").glob("*.txt")):
        h = History.load(path)
        assert check(h, "kv", partition=False, minimize=False, timeout=30).verdict == \
            check(h, "kv", minimize=False).verdict, path
