"""strategies.py — Hypothesis strategies for concurrent programs (imports hypothesis: a test extra).

`programs()` draws through `program.build_program`, so Hypothesis shrinks a failing program to
fewer threads, fewer and simpler operations and smaller keys.
"""
from __future__ import annotations

from typing import Optional

from hypothesis import strategies as st

from .program import Program, build_program


def programs(*, max_threads: int = 8, max_ops: int = 12,
             key_range: Optional[int] = None) -> st.SearchStrategy[Program]:
    """Concurrent programs of 2..max_threads threads with 1..max_ops ops each."""

    @st.composite
    def _programs(draw: st.DrawFn) -> Program:
        return build_program(lambda lo, hi: draw(st.integers(lo, hi)), max_threads=max_threads,
                             max_ops=max_ops, key_range=key_range)

    return _programs()
