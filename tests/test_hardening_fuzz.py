"""test_hardening_fuzz.py — the atheris SkipMap target (fuzz/py/fuzz_skipmap.py) in the test suite.

What runs: every committed corpus input of the target (fuzz/py/corpus/skipmap/) is replayed in
process — each decodes to a SkipMap and up to 64 calls with valid and invalid arguments, checked
against a dict model; only the documented exceptions may escape a call, and a call that raised
must leave the map unchanged. When atheris is installed, a short real fuzzing run follows.
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


def load_target():
    spec = importlib.util.spec_from_file_location("fuzz_skipmap_under_test", TARGET)
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
