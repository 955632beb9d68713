"""test_recorder.py — the Recorder checks users' own objects: a correct one passes, a racy one fails.

What is generated: 4 Python threads increment-by-append into a key-value store through a
Recorder-wrapped proxy (kv model: get/put/append). The correct store guards each call with a
lock. The broken store's append reads, sleeps, then writes — a lost-update race the sleep makes
certain to occur with 4 threads. What is checked: the correct store's history is linearizable;
the broken one raises NotLinearizable whose counterexample is minimal and whose files are saved;
a call that raises is recorded as pending (its effect unknown) and does not break the check.
"""
import threading
import time

import pytest

from pybskip.checkers import NotLinearizable, Recorder
from pybskip.checkers.pytest_plugin import recorder_fixture

KV_METHODS = {
    "get": lambda k: {"f": "get", "key": k},
    "put": lambda k, v: {"f": "put", "key": k, "value": v},
    "append": lambda k, v: {"f": "append", "key": k, "value": v},
}


class LockedStore:
    def __init__(self):
        self.d, self.lock = {}, threading.Lock()

    def get(self, k):
        with self.lock:
            return self.d.get(k, "")

    def put(self, k, v):
        with self.lock:
            self.d[k] = v

    def append(self, k, v):
        with self.lock:
            self.d[k] = self.d.get(k, "") + v


class RacyStore(LockedStore):
    def append(self, k, v):
        cur = self.get(k)
        time.sleep(0.002)  # another thread's append lands here and is then overwritten
        self.put(k, cur + v)


def drive(store, rec, threads=4, rounds=5):
    proxy = rec.wrap(store, KV_METHODS)

    def worker(i):
        for r in range(rounds):
            proxy.append("x", "%d.%d;" % (i, r))
            proxy.get("x")

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def test_locked_store_is_linearizable():
    with Recorder("kv") as rec:
        drive(LockedStore(), rec)
    assert rec.result.verdict == "ok" and len(rec.history) == 40


def test_racy_store_is_caught_with_a_minimal_counterexample(tmp_path):
    with pytest.raises(NotLinearizable) as info:
        with Recorder("kv", out_dir=tmp_path) as rec:
            drive(RacyStore(), rec)
    res = info.value.result
    assert res.verdict == "illegal"
    assert res.counterexample is not None and len(res.counterexample) < len(rec.history)
    assert all(p.exists() for p in info.value.paths) and len(info.value.paths) == 3
    assert "NOT linearizable" in str(info.value)


def test_raising_call_is_recorded_as_pending():
    class Flaky(LockedStore):
        def put(self, k, v):
            super().put(k, v)
            raise TimeoutError("lost the reply")  # the effect happened; the caller can't know

    with Recorder("kv") as rec:
        proxy = rec.wrap(Flaky(), KV_METHODS)
        with pytest.raises(TimeoutError):
            proxy.put("k", "v")
        assert proxy.get("k") == "v"  # linearizable only because the put may have happened
    assert rec.history[0].pending


kv_recorder = recorder_fixture("kv")


def test_fixture_checks_at_teardown(linearizable):
    # `linearizable` comes from the pytest11 plugin (no import in this file)
    assert isinstance(linearizable, Recorder) and linearizable.model == "kv"
    drive(LockedStore(), linearizable, threads=2, rounds=3)


def test_named_fixture_from_the_factory(kv_recorder):
    drive(LockedStore(), kv_recorder, threads=2, rounds=3)


def test_plugin_is_registered_by_entry_point(request):
    from importlib.metadata import entry_points

    eps = entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    assert [e.value for e in group if e.name == "pybskip"] == ["pybskip.checkers.pytest_plugin"]
    assert request.config.pluginmanager.hasplugin("pybskip")


PLUGIN_USER = """
import threading, time, pytest

class Racy:
    def __init__(self):
        self.d = {}
    def get(self, k):
        return self.d.get(k, "")
    def append(self, k, v):
        cur = self.d.get(k, "")
        time.sleep(0.002)
        self.d[k] = cur + v

@pytest.mark.linearizable(model="kv")
def test_racy(linearizable):
    proxy = linearizable.wrap(Racy(), {"get": lambda k: {"f": "get", "key": k},
                                       "append": lambda k, v: {"f": "append", "key": k, "value": v}})
    def worker(i):
        for r in range(5):
            proxy.append("x", "%d.%d;" % (i, r))
            proxy.get("x")
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
"""


def test_plugin_fixture_fails_a_racy_users_test(tmp_path):
    """A user's own test suite (outside this repository, no conftest) gets the fixture from the
    installed plugin; its racy store makes the test error at teardown with the counterexample."""
    import subprocess
    import sys

    (tmp_path / "test_user.py").write_text(PLUGIN_USER)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "1 error" in p.stdout and "NotLinearizable" in p.stdout and "NOT linearizable" in p.stdout, p.stdout
