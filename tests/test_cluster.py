"""test_cluster.py — the history hunt and directory checks on a real Dask cluster (issue 19).

Schedulers and workers are started on 127.0.0.1 with Dask's own commands (`dask scheduler`,
`dask worker`), as a user starts them on other machines; the driver side is pybskip.cluster
(open_pool, hunt_on_pool), `pybskip verify --scheduler` and `pybskip check DIR --scheduler`.
What is checked: the same seed and work size give the same programs (digest) and verdicts on a
two-worker cluster, a one-worker LocalCluster and in one process; a worker killed mid-run loses
no result silently; a mutant core run on the cluster is caught with its counterexample; a worker
with another pybskip version is refused with a message saying what to do; without `distributed`
the commands say how to install it or fall back to local processes.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import pytest

from pybskip.checkers import check_many
from pybskip.cluster import ClusterError, ProcessPool, hunt_on_pool, open_pool
from pybskip.testing.hunt import hunt

ROOT = Path(__file__).resolve().parents[1]
PORCUPINE = ROOT / "tests" / "data" / "porcupine-kv"
START_TIMEOUT = 60.0


class Cluster:
    """A `dask scheduler` and its `dask worker` processes on 127.0.0.1."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.procs = tmp, []  # type: Path, List[subprocess.Popen]
        self.workers: List[subprocess.Popen] = []
        sched_file = tmp / "scheduler.json"
        self.procs.append(self._dask(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(sched_file)], "scheduler"))
        deadline = time.monotonic() + START_TIMEOUT
        while not sched_file.exists() or not sched_file.read_text().strip():
            assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()
            time.sleep(0.1)
        time.sleep(0.2)
        self.address = json.loads(sched_file.read_text())["address"]

    def _dask(self, args: List[str], log: str) -> subprocess.Popen:
        out = open(self.tmp / (log + ".log"), "w")
        return subprocess.Popen([sys.executable, "-m", "dask"] + args, stdout=out, stderr=out,
                                start_new_session=True)

    def add_worker(self, preload: Optional[Path] = None) -> subprocess.Popen:
        args = ["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                "--name", "w%d" % len(self.workers)]
        if preload is not None:
            args += ["--preload", str(preload)]
        p = self._dask(args, "worker-%d" % len(self.workers))
        self.workers.append(p)
        self.procs.append(p)
        return p

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_TIMEOUT) as c:
            c.wait_for_workers(n, timeout=START_TIMEOUT)

    def close(self) -> None:
        for p in reversed(self.procs):  # workers first: a worker without its scheduler lingers
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def start_cluster(tmp: Path, workers: int = 2) -> Cluster:
    c = Cluster(tmp)
    for _ in range(workers):
        c.add_worker()
    c.wait_for_workers(workers)
    return c


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = start_cluster(tmp_path_factory.mktemp("dask"))
    yield c
    c.close()


def _same(a, b) -> None:
    assert (a.programs, a.histories, dict(a.verdicts), a.digest) == \
        (b.programs, b.histories, dict(b.verdicts), b.digest)


def test_same_programs_and_verdicts_on_a_cluster_one_worker_and_one_process(cluster):
    with open_pool(scheduler=cluster.address) as pool:
        assert pool.workers() == 2
        on_cluster = hunt_on_pool(pool, 120, seed=19, programs=40)
    with open_pool(workers=1) as pool:
        on_one = hunt_on_pool(pool, 120, seed=19, programs=40)
    here = hunt(120, seed=19, programs=40)
    for r in (on_cluster, on_one, here):
        assert r.ok and r.programs == 40 and r.histories == 400 and not r.lost, r.incomplete
    _same(on_cluster, here)
    _same(on_one, here)
    assert len(on_cluster.worker_batches) == 2  # both workers ran batches
    assert hunt(120, seed=20, programs=40).digest != here.digest  # the digest names the programs


def test_verify_runs_its_hunt_on_the_cluster(cluster, tmp_path):
    # 900 s (depth 9, as from 420 s): room for the Z3 work on a loaded CI machine — CI's Python 3.9
    # pass, beside the other xdist worker, once took 318 s for the proof alone (~100 s idle) and
    # ran out of a 400 s budget; with --programs the run ends when its steps do, not at the budget
    expected = hunt(120, seed=23, programs=24).digest
    p = subprocess.run([sys.executable, "-m", "pybskip", "verify", "--scheduler", cluster.address,
                        "--seconds", "900", "--seed", "23", "--programs", "24",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=1000)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and "VERIFIED in" in out, out
    assert "on the Dask cluster at %s" % cluster.address in out
    assert "24 programs, 240 histories" in out and "programs digest %s" % expected in out, out


def test_a_worker_killed_mid_run_loses_no_result(tmp_path):
    c = start_cluster(tmp_path)
    try:
        killed = threading.Event()

        def progress(r) -> None:
            if r.programs >= 8 and not killed.is_set():
                c.workers[0].send_signal(signal.SIGKILL)
                killed.set()

        with open_pool(scheduler=c.address) as pool:
            r = hunt_on_pool(pool, 120, seed=29, programs=160, runs_per_program=20,
                             progress=progress, progress_every=0.05)
        assert killed.is_set() and r.workers == 1
        if r.lost:  # allowed, but then said so, never ok
            assert not r.ok and "lost" in r.incomplete
        else:  # Dask re-ran what the dead worker had: the whole work, as in one process
            assert r.ok and r.programs == 160
            _same(r, hunt(120, seed=29, programs=160, runs_per_program=20))
    finally:
        c.close()


def test_a_dead_local_process_makes_its_batches_lost_never_ok():
    pool = ProcessPool(2)
    killed = threading.Event()
    try:
        def progress(r) -> None:
            if not killed.is_set():  # kill one worker process, once
                os.kill(next(iter(pool.executor._processes.values())).pid, signal.SIGKILL)
                killed.set()

        r = hunt_on_pool(pool, 60, seed=31, programs=400, runs_per_program=20, progress=progress,
                         progress_every=0.05)
    finally:
        pool.close()
    assert r.lost and not r.ok and "lost" in r.incomplete
    assert "worker process died" in next(iter(r.lost.values()))


@pytest.fixture(scope="module")
def mutant_engine(tmp_path_factory):
    """The core with its scan's two-phase hold removed (tests/mutants/04), built as ci/mutants.py
    builds it."""
    if shutil.which("patch") is None:
        pytest.fail("the `patch` command is needed (apt-get install patch)")
    tmp = tmp_path_factory.mktemp("mutant")
    shutil.copytree(ROOT / "core_c", tmp / "core_c", ignore=shutil.ignore_patterns("build"))
    (tmp / "pybskip").mkdir()
    shutil.copy(ROOT / "pybskip" / "_cffi_build.py", tmp / "pybskip" / "_cffi_build.py")
    subprocess.run(["patch", "-s", "-p1", "-i",
                    str(ROOT / "tests" / "mutants" / "04-scan-without-two-phase-locking.patch")],
                   cwd=tmp, check=True)
    code = ("import sys; sys.path.insert(0, %r); import _cffi_build; "
            "print(_cffi_build._ffi('_mutant_cffi', _cffi_build.INSTRUMENT).compile(tmpdir=%r))"
            % (str(tmp / "pybskip"), str(tmp / "build")))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().splitlines()[-1]


def test_a_mutant_core_on_the_cluster_is_caught_with_its_counterexample(cluster, mutant_engine,
                                                                         tmp_path):
    with open_pool(scheduler=cluster.address) as pool:
        r = hunt_on_pool(pool, 90, seed=3, engine_path=mutant_engine, out_dir=tmp_path)
    assert r.failure is not None and r.failure.kind == "not linearizable" and not r.ok
    names = sorted(p.name for p in r.failure.paths)
    assert names == ["counterexample.html", "counterexample.jsonl", "history.jsonl"]
    cx = next(p for p in r.failure.paths if p.name == "counterexample.jsonl")
    assert [v.verdict for v in check_many([cx], "sortedmap")] == ["illegal"]  # it means it


def test_a_worker_with_another_version_is_refused(tmp_path):
    c = start_cluster(tmp_path, workers=1)
    try:
        preload = tmp_path / "other_version.py"
        preload.write_text("import pybskip\npybskip.__version__ = '0.0.0-other'\n")
        c.add_worker(preload)
        c.wait_for_workers(2)
        with pytest.raises(ClusterError, match=r"1 of 2 workers run another pybskip.*"
                                               r"0\.0\.0-other.*pip install"):
            open_pool(scheduler=c.address)
        p = subprocess.run([sys.executable, "-m", "pybskip", "verify", "--scheduler", c.address],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 2 and "another pybskip" in p.stderr and "Traceback" not in p.stderr
    finally:
        c.close()


def test_an_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ClusterError, match="cannot connect to the Dask scheduler at tcp://127.0.0.1:9"):
        open_pool(scheduler="tcp://127.0.0.1:9", connect_timeout=2.0)


def _table(stdout: str) -> List[str]:
    """The summary table without its seconds column and total time."""
    return [line.rsplit(None, 1)[0] if ";" not in line else line.rsplit(";", 1)[0]
            for line in stdout.splitlines() if line.strip()]


def test_check_dir_on_the_cluster_matches_one_process(cluster):
    cmd = [sys.executable, "-m", "pybskip", "check", str(PORCUPINE)]
    here = subprocess.run(cmd, capture_output=True, text=True)
    there = subprocess.run(cmd + ["--scheduler", cluster.address], capture_output=True, text=True)
    assert here.returncode == there.returncode == 1  # the corpus has NOT linearizable files
    assert _table(here.stdout) == _table(there.stdout) and "NOT linearizable" in there.stdout
    files = sorted(PORCUPINE.iterdir())
    api = check_many(files, scheduler=cluster.address)
    assert [v.verdict for v in api] == [v.verdict for v in check_many(files)]
    assert [v.path for v in api] == files


@pytest.fixture()
def no_distributed(tmp_path):
    """An environment in which `import distributed` fails, as where pybskip[cluster] is not
    installed."""
    hide = tmp_path / "hide" / "distributed"
    hide.mkdir(parents=True)
    (hide / "__init__.py").write_text("raise ImportError('distributed is not installed here')\n")
    return dict(os.environ, PYTHONPATH=str(tmp_path / "hide"))


def test_without_distributed_scheduler_says_how_to_install(no_distributed):
    for cmd in (["verify", "--scheduler", "tcp://127.0.0.1:8786"],
                ["check", str(PORCUPINE), "--scheduler", "tcp://127.0.0.1:8786"]):
        p = subprocess.run([sys.executable, "-m", "pybskip"] + cmd, capture_output=True,
                           text=True, env=no_distributed, timeout=60)
        assert p.returncode in (2, 3) and "pip install 'pybskip[cluster]'" in p.stderr, p.stderr
        assert "Traceback" not in p.stderr


def test_without_distributed_workers_fall_back_to_local_processes(no_distributed):
    cmd = [sys.executable, "-m", "pybskip", "check", str(PORCUPINE)]
    here = subprocess.run(cmd, capture_output=True, text=True)
    there = subprocess.run(cmd + ["--workers", "2"], capture_output=True, text=True,
                           env=no_distributed)
    assert "running on 2 local processes instead" in there.stderr, there.stderr
    assert there.returncode == here.returncode and _table(there.stdout) == _table(here.stdout)
