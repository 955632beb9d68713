"""cluster.py — the history hunt and directory checks spread over processes or machines.

A Pool runs picklable work somewhere else: on a Dask cluster (Dask's `distributed` scheduler,
`pip install 'pybskip[cluster]'`) — an embedded `distributed.LocalCluster` of N worker processes
(`--workers N`), or an existing scheduler (`--scheduler ADDRESS`, with workers started by
`dask worker ADDRESS` on any machine) — or, when `distributed` is not installed, N local
processes (concurrent.futures; `--workers` only, and it says so). open_pool() is the one way to
get one; it checks that every worker runs this pybskip version before any work is sent.

hunt_on_pool() runs the hunt's batches (pybskip.testing.hunt: a batch is a few programs with a
seed of its own, run with the C executor and checked where it runs) on a pool and merges the
results in batch order into one HuntReport, the same report a one-process hunt of the same seed
and work size gives. What can differ between runs: timings, how many programs a time budget
buys, and which counterexample is found first when several batches fail (the lowest batch that
failed among those that finished is reported). The runs are real threads: on a core with a bug,
whether one run's interleaving exposes it is chance, wherever it runs.

Robustness. Dask retries a batch whose worker died (RETRIES more times, on any worker); a batch
that still has no result — retries exhausted, the pool broken, an exception in the batch — is
*lost*: the report names it and is not ok, so `pybskip verify` never says VERIFIED with work
missing. A batch gets the hunt's deadline (time.time(), so clocks of the machines should agree
to well under a second, as NTP keeps them) and starts no run after it; one still running
GRACE seconds past the deadline is cancelled and counted as cut (its histories are not counted).
Invariant: every batch submitted ends as merged, lost or cut, and the report says how many.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
import uuid
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set

from .testing.hunt import BatchResult, BatchSpec, HuntReport, batch_specs, merge, run_batch

# What a timed-out wait raises: one class from Python 3.11 on; before it asyncio's and
# concurrent.futures' TimeoutError are classes of their own (Dask raises the asyncio one)
TIMEOUTS = (TimeoutError, asyncio.TimeoutError, concurrent.futures.TimeoutError)
RETRIES = 2            # extra tries of a batch whose worker died (Dask)
IN_FLIGHT = 4          # batches submitted per live worker: each has the next at hand
GRACE = 15.0           # seconds past the deadline a running batch may still report
CONNECT_TIMEOUT = 15.0  # seconds to reach a scheduler
WORKERS_TIMEOUT = 30.0  # seconds to wait for the first worker of a scheduler
INSTALL = "pip install 'pybskip[cluster]'"


class ClusterError(Exception):
    """A cluster that cannot be used as asked: the message says why and what to do."""


def have_distributed() -> bool:
    """Whether Dask's `distributed` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _distributed() -> Any:
    """The distributed module (untyped: its calls are typed Any here)."""
    import importlib

    return importlib.import_module("distributed")


def pool_size(workers: Optional[int]) -> int:
    """The processes of a local pool: `workers`, or (None or 0) the cores."""
    return workers or os.cpu_count() or 1


def fallback_note(n: int) -> str:
    """What is said when `--workers` runs without Dask."""
    return ("note: Dask's distributed is not installed (%s): running on %d local processes "
            "instead" % (INSTALL, n))


def worker_version() -> str:
    """The pybskip version of the process it runs in (sent to every worker)."""
    from . import __version__

    return __version__


class Pool:
    """Where work runs: submit(), wait() for some of it, result(), workers() alive, close()."""

    description = "pool"

    def submit(self, fn: Callable[..., Any], *args: Any, key: str) -> Any:
        raise NotImplementedError

    def wait(self, futures: List[Any], timeout: float) -> Set[Any]:
        """The futures among `futures` that are finished (waits up to `timeout` for one)."""
        raise NotImplementedError

    def result(self, future: Any) -> Any:
        return future.result()

    def cancel(self, futures: List[Any]) -> None:
        for f in futures:
            f.cancel()

    def workers(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskPool(Pool):
    """A distributed.Client, and the LocalCluster it owns (if it made one)."""

    def __init__(self, client: Any, cluster: Any, description: str) -> None:
        self.client, self.cluster, self.description = client, cluster, description

    def submit(self, fn: Callable[..., Any], *args: Any, key: str) -> Any:
        return self.client.submit(fn, *args, key=key, pure=False, retries=RETRIES)

    def wait(self, futures: List[Any], timeout: float) -> Set[Any]:
        try:
            done, _ = _distributed().wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TIMEOUTS:
            return set()
        return set(done)

    def workers(self) -> int:
        try:
            return len(self.client.nthreads())
        except Exception:  # the scheduler is gone: no worker can be counted on
            return 0

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


class ProcessPool(Pool):
    """N local processes (no Dask): no retries; a worker that dies breaks the pool, and what
    was submitted to it is lost (reported as such)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.description = "%d local process%s (no Dask)" % (n, "es" if n > 1 else "")
        self.executor = concurrent.futures.ProcessPoolExecutor(n, mp_context=get_context("spawn"))

    def submit(self, fn: Callable[..., Any], *args: Any, key: str) -> Any:
        return self.executor.submit(fn, *args)

    def wait(self, futures: List[Any], timeout: float) -> Set[Any]:
        done, _ = concurrent.futures.wait(futures, timeout=timeout,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        return set(done)

    def workers(self) -> int:
        return self.n

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def open_pool(workers: Optional[int] = None, scheduler: Optional[str] = None,
              say: Callable[[str], None] = print, connect_timeout: float = CONNECT_TIMEOUT) -> Pool:
    """A pool: the cluster of `scheduler` (an address such as tcp://10.0.0.5:8786), else a
    LocalCluster of `workers` processes (default: the cores), else — without `distributed` —
    that many local processes (`say` tells). Raises ClusterError (no distributed for a
    scheduler, no connection, no worker, a worker with another pybskip version)."""
    if scheduler is not None:
        if not have_distributed():
            raise ClusterError("--scheduler needs Dask's distributed, which is not installed: %s"
                               % INSTALL)
        try:
            client = _distributed().Client(scheduler, timeout=connect_timeout)
        except (OSError, ValueError) + TIMEOUTS as exc:
            raise ClusterError("cannot connect to the Dask scheduler at %s: %s" % (scheduler, exc)) from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TIMEOUTS:
            client.close()
            raise ClusterError("no worker joined the scheduler at %s within %.0f s: start workers "
                               "with `dask worker %s` (pybskip installed on each)"
                               % (scheduler, WORKERS_TIMEOUT, scheduler)) from None
        pool: Pool = DaskPool(client, None, "the Dask cluster at %s" % scheduler)
    else:
        n = pool_size(workers)
        if not have_distributed():
            say(fallback_note(n))
            return ProcessPool(n)
        dist = _distributed()
        try:
            cluster = dist.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
        except Exception as exc:  # e.g. no free port, or the processes could not start
            raise ClusterError("could not start a Dask LocalCluster of %d workers: %s: %s"
                               % (n, type(exc).__name__, exc)) from None
        pool = DaskPool(dist.Client(cluster), cluster, "a Dask LocalCluster of %d worker process%s"
                        % (n, "es" if n > 1 else ""))
    try:
        check_versions(pool)
    except BaseException:
        pool.close()
        raise
    return pool


def check_versions(pool: Pool) -> None:
    """Raises ClusterError unless every worker of a Dask pool runs this pybskip version."""
    if not isinstance(pool, DaskPool):
        return  # local processes of this interpreter: this installation by construction
    mine = worker_version()
    try:
        theirs: Dict[str, Any] = pool.client.run(worker_version)
    except Exception as exc:  # e.g. pybskip missing on a worker: the function cannot load there
        raise ClusterError("could not ask the workers for their pybskip version (%s: %s): install "
                           "pybskip %s on every worker (pip install 'pybskip[cluster]==%s') and "
                           "restart them (dask worker ADDRESS)" % (type(exc).__name__, exc, mine,
                                                                   mine)) from None
    bad = {w: v for w, v in theirs.items() if v != mine}
    if bad:
        raise ClusterError("%d of %d workers run another pybskip than this one (%s): %s; install "
                           "pybskip %s on every worker (pip install 'pybskip[cluster]==%s') and "
                           "restart them (dask worker ADDRESS)" % (
                               len(bad), len(theirs), mine,
                               ", ".join("%s has %s" % kv for kv in sorted(bad.items())), mine, mine))


def _why_lost(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return "its worker died %d times running it (the core may have crashed)" % (RETRIES + 1)
    if name in ("BrokenProcessPool", "CancelledError"):
        return "its worker process died (%s)" % name
    return "%s: %s" % (name, exc)


def hunt_on_pool(pool: Pool, seconds: float, *, seed: int = 0, programs: Optional[int] = None,
                 out_dir: Optional[Path] = None, max_threads: int = 8, max_ops: int = 12,
                 runs_per_program: int = 10, noise: int = 3, check_timeout: float = 5.0,
                 engine_path: Optional[str] = None, engine_module: str = "_mutant_cffi",
                 progress: Optional[Callable[[HuntReport], None]] = None,
                 progress_every: float = 2.0, grace: float = GRACE) -> HuntReport:
    """The hunt's batches on `pool` for `seconds` (or until `programs` programs are checked, or
    a failure); see the module doc. `progress` gets the counts so far at least every
    `progress_every` seconds (with `workers` alive, `batches` merged, `lost`); a batch still
    running `grace` seconds past the end is cancelled (cut)."""
    start = time.monotonic()
    end = start + seconds
    deadline = time.time() + seconds
    token = uuid.uuid4().hex[:8]  # keys unique per hunt: a scheduler may keep old results
    specs: Iterator[BatchSpec] = iter(batch_specs(
        seed, programs, deadline, max_threads=max_threads, max_ops=max_ops,
        runs_per_program=runs_per_program, noise=noise, check_timeout=check_timeout,
        engine_path=engine_path, engine_module=engine_module))
    inflight: Dict[Any, BatchSpec] = {}
    results: Dict[int, BatchResult] = {}
    lost: Dict[int, str] = {}
    cut = 0
    stopping = exhausted = False
    alive, alive_at = pool.workers(), start
    last_progress = start
    while True:
        now = time.monotonic()
        if now - alive_at >= 1.0:
            alive, alive_at = pool.workers(), now
        while not (stopping or exhausted) and now < end and len(inflight) < IN_FLIGHT * max(alive, 1):
            spec = next(specs, None)
            if spec is None:
                exhausted = True
                break
            key = "pybskip-hunt-%s-%d-%d" % (token, seed, spec.index)
            try:
                inflight[pool.submit(run_batch, spec, key=key)] = spec
            except Exception as exc:  # the pool itself is broken: nothing more can run
                lost[spec.index] = _why_lost(exc)
                stopping = True
        if not inflight:
            break
        for fut in pool.wait(list(inflight), timeout=min(1.0, progress_every)):
            spec = inflight.pop(fut)
            try:
                r: BatchResult = pool.result(fut)
            except Exception as exc:  # the batch has no result: lost, and said so
                lost[spec.index] = _why_lost(exc)
                continue
            results[spec.index] = r
            if r.failure is not None or not r.complete:
                stopping = True  # a failure, or the deadline reached inside a batch
        now = time.monotonic()
        if stopping and inflight and results and any(r.failure for r in results.values()):
            pool.cancel(list(inflight))  # the first failure ends the hunt: the rest is not needed
            cut += len(inflight)
            inflight.clear()
        elif now >= end + grace and inflight:
            pool.cancel(list(inflight))
            cut += len(inflight)
            inflight.clear()
        elif now >= end:
            stopping = True
        if progress is not None and now - last_progress >= progress_every:
            progress(_so_far(results, lost, alive, now - start, programs))
            last_progress = now
    report = HuntReport(planned=programs, lost=lost, workers=pool.workers())
    merge(report, results.values(), out_dir)
    report.cut = cut
    report.seconds = time.monotonic() - start
    return report


def _so_far(results: Dict[int, BatchResult], lost: Dict[int, str], alive: int, seconds: float,
            programs: Optional[int]) -> HuntReport:
    r = HuntReport(planned=programs, lost=dict(lost), workers=alive)
    merge(r, results.values(), None)
    r.seconds = seconds
    return r
