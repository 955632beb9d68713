"""pytest_plugin.py — the checker's pytest integration, loaded by pytest through the `pytest11`
entry point `pybskip` (so nothing test-only sits in `pybskip.checkers.__all__`).

    def test_my_store(linearizable):                   # a Recorder, model "kv" by default
        store = linearizable.wrap(MyStore(), {...})     # threads call store.get / store.put
    # teardown checks the history: NotLinearizable (with the minimal counterexample) fails the test

    @pytest.mark.linearizable(model="cas-register", timeout=30)   # Recorder(...) arguments
    def test_my_register(linearizable): ...

    from pybskip.checkers.pytest_plugin import recorder_fixture
    kv_recorder = recorder_fixture("kv", out_dir="cx")  # a named fixture of your own

Invariant: loading the plugin imports nothing heavy (the C engine loads when a fixture is first
used), so installing pybskip costs an unrelated test suite nothing.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

MARKER = "linearizable"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", MARKER + "(model='kv', **options): Recorder arguments for the `linearizable` fixture")


def _recorder(model: Any, options: Any) -> Iterator[Any]:
    from .recorder import Recorder  # imported on first use: see the invariant above

    rec = Recorder(model, **options)
    yield rec
    rec.check()


@pytest.fixture
def linearizable(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A `pybskip.checkers.Recorder`, checked at teardown; arguments from `@pytest.mark.linearizable`."""
    mark = request.node.get_closest_marker(MARKER)
    args = dict(mark.kwargs) if mark else {}
    if mark and mark.args:
        args.setdefault("model", mark.args[0])
    model = args.pop("model", "kv")
    yield from _recorder(model, args)


def recorder_fixture(model: Any = "kv", **options: Any) -> Callable[..., Any]:
    """A fixture of your own name yielding a Recorder for `model`, checked at teardown:

        kv_recorder = recorder_fixture("kv")        # in a conftest.py or test module
        def test_store(kv_recorder): ...
    """

    @pytest.fixture
    def _fixture() -> Iterator[Any]:
        yield from _recorder(model, options)

    return _fixture
