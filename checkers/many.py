"""many.py — check_many: many history files checked in parallel, here or on a Dask cluster.

Each file is one task: its bytes travel with it (a remote worker needs no shared filesystem),
the worker writes them to a private temporary file of the same name, loads it (History.load,
format detection as for one file) and checks it (check(), one thread per file: the files are
the parallelism), and sends back a FileVerdict holding the Result. The pool is
pybskip.cluster's (a scheduler, a LocalCluster of N processes, or — without `distributed` —
N local processes); with neither `workers` nor `scheduler` the files are checked one after the
other in this process. A file that cannot be read or parsed is a "bad input" verdict, never an
exception; a task whose worker died (after Dask's retries) is "lost", never a verdict.
Invariant: check_many returns one FileVerdict per path, in the order of `paths`, whatever the
number of workers and the order in which they finish.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .check import Result, check
from .history import History, HistoryFormatError
from .models import ModelInputError


@dataclass
class FileVerdict:
    """One file's outcome: verdict "ok" | "illegal" | "unknown" | "bad input" | "lost";
    `result` for the first three, `error` for the last two."""

    path: Path
    verdict: str
    result: Optional[Result] = None
    error: str = ""
    seconds: float = 0.0

    @property
    def operations(self) -> int:
        return len(self.result.history) if self.result is not None else 0


@dataclass(frozen=True)
class _Options:
    format: str = "auto"
    model: Any = None
    init: Any = None
    timeout: Optional[float] = None
    partition: bool = True
    max_memory: Optional[int] = None


def _check_bytes(name: str, data: bytes, opts: _Options, threads: Optional[int]) -> FileVerdict:
    """One file's check from its bytes (runs on a worker)."""
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pybskip-check-") as d:
        path = Path(d) / name
        path.write_bytes(data)
        v = _check_path(path, opts, threads, t0)
        v.error = v.error.replace(str(path), name)  # name the file, not the worker's copy
        return v


def _check_path(path: Path, opts: _Options, threads: Optional[int], t0: float) -> FileVerdict:
    try:
        history = History.load(path, opts.format, opts.model, opts.init)
        r = check(history, opts.model, opts.timeout, partition=opts.partition, init=opts.init,
                  workers=threads, max_memory=opts.max_memory)
    except (HistoryFormatError, ModelInputError, ValueError, OSError) as exc:
        return FileVerdict(Path(path.name), "bad input", error=str(exc),
                           seconds=time.monotonic() - t0)
    return FileVerdict(Path(path.name), r.verdict, r, seconds=time.monotonic() - t0)


def check_many(paths: Sequence[Union[str, Path]], model: Any = None, *, format: str = "auto",
               init: Any = None, timeout: Optional[float] = None, partition: bool = True,
               max_memory: Optional[int] = None, workers: Optional[int] = None,
               scheduler: Optional[str] = None,
               progress: Optional[Callable[[int, int, str], None]] = None,
               say: Callable[[str], None] = print) -> List[FileVerdict]:
    """Checks every file of `paths` (options as check() and History.load), on a Dask cluster
    (`scheduler`), a LocalCluster of `workers` processes (0: the cores), or in this process
    (neither). `progress(done, total, name)` after each file. Returns one FileVerdict per path,
    in order. Raises pybskip.cluster.ClusterError when the cluster cannot be used. Cost: the
    sum of the checks, spread over the workers, plus sending each file once.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "h.jsonl").write_text('{"client": 0, "call": 0, "return": 1, '
    ...                                '"input": {"f": "get", "key": 1}, "output": null}\\n')
    >>> [v.verdict for v in check_many([d / "h.jsonl"], "sortedmap")]
    ['ok']
    """
    files = [Path(p) for p in paths]
    opts = _Options(format, model, init, timeout, partition, max_memory)
    out: Dict[int, FileVerdict] = {}
    if workers is None and scheduler is None:
        for i, f in enumerate(files):
            out[i] = _check_path(f, opts, None, time.monotonic())
            out[i].path = f
            if progress is not None:
                progress(i + 1, len(files), f.name)
        return [out[i] for i in range(len(files))]
    from ..cluster import _why_lost, open_pool

    with open_pool(workers or None, scheduler, say=say) as pool:
        inflight: Dict[Any, int] = {}
        for i, f in enumerate(files):
            try:
                data = f.read_bytes()
            except OSError as exc:
                out[i] = FileVerdict(f, "bad input", error=str(exc))
                continue
            inflight[pool.submit(_check_bytes, f.name, data, opts, 1,
                                 key="pybskip-check-%d-%s" % (i, f.name))] = i
        while inflight:
            for fut in pool.wait(list(inflight), timeout=1.0):
                i = inflight.pop(fut)
                try:
                    v: FileVerdict = pool.result(fut)
                except Exception as exc:  # no result: lost, never a verdict
                    v = FileVerdict(files[i], "lost", error=_why_lost(exc))
                v.path = files[i]
                out[i] = v
                if progress is not None:
                    progress(len(out), len(files), files[i].name)
    return [out[i] for i in range(len(files))]
