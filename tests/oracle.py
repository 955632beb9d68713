"""oracle.py — the reference oracle of the checker's tests (test-only: not part of the package).

  brute_force(ops, init, step)  tries every real-time-respecting order of the completed ops, with
                                each pending op placed anywhere after its call or left out.
                                Exponential: for histories of <= 8 operations.
Invariant: nothing here imports the C engine, so the oracle is independent of it.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Tuple

from pybskip.checkers import Operation


def brute_force(ops: Sequence[Operation], init: Any,
                step: Callable[[Any, Operation], Tuple[bool, Any]]) -> bool:
    """Is there a legal order? step(state, op) -> (ok, new_state); for a pending op it must
    accept (ok True) and apply the effect. O(n! 2^p) — small histories only."""
    n = len(ops)
    completed = [i for i in range(n) if ops[i].ret is not None]

    def may_go_next(i: int, done: int) -> bool:
        # every op that returned before op i was called must already be linearized
        return all(done >> j & 1 for j in completed
                   if j != i and ops[j].ret < ops[i].call)  # type: ignore[operator]

    def search(state: Any, done: int) -> bool:
        if all(done >> j & 1 for j in completed):
            return True
        for i in range(n):
            if done >> i & 1 or not may_go_next(i, done):
                continue
            ok, new = step(state, ops[i])
            if ok and search(new, done | 1 << i):
                return True
        return False

    return search(init, 0)


def justifiers_kept(sub: Sequence[Operation], full: Sequence[Operation], model: Any) -> bool:
    """The counterexample contract (checkers/README.md, "Counterexamples"): every completed
    operation of `sub` keeps every operation of `full` that may justify it and may precede it in
    real time (model.justifies(x, o) and x.call <= o.ret). O(|sub| x |full|)."""
    kept = {id(o) for o in sub}
    return all(id(x) in kept for o in sub if o.ret is not None for x in full
               if x is not o and x.call <= o.ret and model.justifies(x, o))


def removal_breaks_closure(x: Operation, rest: Sequence[Operation], model: Any) -> bool:
    """Would removing `x` leave an operation of `rest` without one of its justifiers?"""
    return any(o.ret is not None and x.call <= o.ret and model.justifies(x, o) for o in rest)
