"""test_hardening_fuzz.py — the atheris targets (fuzz/py/fuzz_skipmap.py, fuzz_history.py) in the suite.

What runs: every committed corpus input of the target (fuzz/py/corpus/skipmap/) is replayed in
process — each decodes to a SkipMap and up to 64 calls with valid and invalid arguments, checked
against a dict model; only the documented exceptions may escape a call, and a call that raised
must leave the map unchanged. When atheris is installed, a short real fuzzing run follows.
The history-reader target's corpus (fuzz/py/corpus/history/) is replayed the same way: every
input is a file that read_history must read or reject with HistoryFormatError.
Why a bug cannot hide: test_target_catches_a_wrong_answer replays the same corpus against a
SkipMap whose get() is off by one for present keys, and requires the target to report it.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "fuzz" / "py" / "fuzz_skipmap.py"
CORPUS = ROOT / "fuzz" / "py" / "corpus" / "skipmap"


def load_target(path=TARGET):
    spec = importlib.util.spec_from_file_location("fuzz_target_under_test_" + path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def corpus():
    files = sorted(CORPUS.iterdir())
    assert len(files) >= 50, "the committed corpus is missing"
    return [f.read_bytes() for f in files]


def test_corpus_replays_clean():
    target = load_target()
    for data in corpus():
        target.TestOneInput(data)


def test_target_catches_a_wrong_answer(monkeypatch):
    target = load_target()
    real_get = target.SkipMap.get

    def lying_get(self, key, default=None):
        value = real_get(self, key, default)
        return value + 1 if value is not default else value  # off by one for every present key

    monkeypatch.setattr(target.SkipMap, "get", lying_get)
    caught = 0
    for data in corpus():
        try:
            target.TestOneInput(data)
        except target.Mismatch:
            caught += 1
    assert caught > 0, "no corpus input noticed a get() that lies"


def test_short_atheris_run(tmp_path):
    pytest.importorskip("atheris")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    p = subprocess.run([sys.executable, str(TARGET), "-runs=4000", "-max_len=512",
                        "-artifact_prefix=%s/" % tmp_path, str(tmp_path), str(CORPUS)],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Done" in p.stderr


def test_history_corpus_replays_clean():
    pytest.importorskip("pybskip.checkers")
    target = load_target(ROOT / "fuzz" / "py" / "fuzz_history.py")
    files = sorted((ROOT / "fuzz" / "py" / "corpus" / "history").iterdir())
    assert len(files) >= 50
    for f in files:
        target.TestOneInput(f.read_bytes())


def test_history_target_reports_an_undocumented_exception(monkeypatch):
    pytest.importorskip("pybskip.checkers")
    target = load_target(ROOT / "fuzz" / "py" / "fuzz_history.py")

    def broken_load(path, format="auto"):
        raise KeyError("a reader bug")  # not HistoryFormatError

    monkeypatch.setattr(target.History, "load", staticmethod(broken_load))
    data = sorted((ROOT / "fuzz" / "py" / "corpus" / "history").iterdir())[0].read_bytes()
    with pytest.raises(KeyError):
        target.TestOneInput(data)
