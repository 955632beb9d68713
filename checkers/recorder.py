"""recorder.py — records a history of YOUR concurrent object from Python threads and checks it.

    from pybskip.checkers import Recorder

    with Recorder("kv") as rec:                       # checks when the block ends
        store = rec.wrap(my_store, {
            "get": lambda k: {"f": "get", "key": k},
            "put": lambda k, v: {"f": "put", "key": k, "value": v},
        })
        ... threads call store.get / store.put ...
    # leaving the block raises NotLinearizable (with the minimal counterexample and the paths of
    # its JSON Lines + HTML files) if the history is not linearizable

Each call through a wrapped object (or through `rec.call`) is one Operation: the client is the
calling thread (numbered in order of first appearance), `call`/`ret` are time.monotonic_ns()
read immediately before the call and after it returns — so [call, ret] contains the call's real
effect — the input is what the method's translator returned, and the output is the return value
(passed through an optional output translator). A call that raises is recorded as pending: it may
or may not have taken effect (Jepsen's :info), and the exception propagates.
For pytest: the `linearizable` fixture (pytest_plugin.py, loaded through the pytest11 entry point).
Thread safety: any number of threads may record at once (appends are made under a lock).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

from .check import Result, check
from .history import History, Operation


class NotLinearizable(AssertionError):
    """Raised by a Recorder whose history is not linearizable; `.result` holds the details."""

    def __init__(self, result: Result, paths: List[Path]) -> None:
        where = ("\nsaved: " + ", ".join(map(str, paths))) if paths else ""
        super().__init__(result.describe() + where)
        self.result, self.paths = result, paths


class Recorder:
    """Collects timed operations from any threads and checks them against `model`.

    :param model: a built-in model name or a Model instance.
    :param timeout: seconds for the check (None = no limit; "unknown" then fails too).
    :param out_dir: where a failing history and its counterexample are written (None: not saved).
    """

    def __init__(self, model: Any = "kv", *, timeout: Optional[float] = 60.0,
                 out_dir: Optional[Path] = None) -> None:
        self.model, self.timeout, self.out_dir = model, timeout, out_dir
        self._ops: List[Operation] = []
        self._lock = threading.Lock()
        self._clients: Dict[int, int] = {}
        self.result: Optional[Result] = None

    def _client(self) -> int:
        ident = threading.get_ident()
        with self._lock:
            return self._clients.setdefault(ident, len(self._clients))

    def call(self, input: Mapping[str, Any], fn: Callable[[], Any],
             output: Callable[[Any], Any] = lambda r: r) -> Any:
        """Runs fn() and records it as one operation with the given input. Returns fn()'s value."""
        client = self._client()
        start = time.monotonic_ns()
        try:
            result = fn()
        except BaseException:
            with self._lock:
                self._ops.append(Operation(client, dict(input), None, start, None))
            raise
        end = time.monotonic_ns()
        with self._lock:
            self._ops.append(Operation(client, dict(input), output(result), start, end))
        return result

    def wrap(self, obj: Any, methods: Mapping[str, Callable[..., Mapping[str, Any]]],
             outputs: Optional[Mapping[str, Callable[[Any], Any]]] = None) -> Any:
        """A proxy of obj whose listed methods are recorded: methods[name](*args, **kw) gives the
        operation's input; outputs[name](result) its output (default: the result itself)."""
        return _Proxy(self, obj, dict(methods), dict(outputs or {}))

    @property
    def history(self) -> History:
        with self._lock:
            return History(list(self._ops), "recorded",
                           self.model if isinstance(self.model, str) else None)

    def check(self) -> Result:
        """Checks what was recorded so far; raises NotLinearizable unless the verdict is "ok"."""
        self.result = check(self.history, self.model, timeout=self.timeout)
        if self.result.verdict == "ok":
            return self.result
        paths: List[Path] = []
        if self.out_dir is not None:
            d = Path(self.out_dir)
            d.mkdir(parents=True, exist_ok=True)
            paths.append(self.result.history.save(d / "recorded-history.jsonl"))
            if self.result.counterexample is not None:
                paths.append(self.result.counterexample.save(d / "counterexample.jsonl"))
            paths.append(self.result.to_html(d / "counterexample.html"))
        raise NotLinearizable(self.result, paths)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:  # do not mask an exception raised inside the block
            self.check()


class _Proxy:
    def __init__(self, rec: Recorder, obj: Any, methods: Dict[str, Callable[..., Any]],
                 outputs: Dict[str, Callable[[Any], Any]]) -> None:
        self._rec, self._obj, self._methods, self._outputs = rec, obj, methods, outputs

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._obj, name)
        if name not in self._methods:
            return target
        translate, out = self._methods[name], self._outputs.get(name, lambda r: r)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            return self._rec.call(translate(*args, **kwargs), lambda: target(*args, **kwargs), out)

        return recorded
