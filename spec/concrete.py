"""concrete.py — a universe whose states are concrete values: model.py's transitions evaluated.

The fourth reading of the one protocol text (see universe.py for the other three): threads and
nodes are the finite enumerations of a recorded trace, and every field of a State is a
ConcreteArray, a dictionary from index values to *values* (enumeration constants, booleans,
integer numerals). A transition of model.py run on such a state computes its guard and its next
state exactly: every store simplifies the value it writes, every read at an index that is not yet
a value simplifies the index first, and `guard_holds` decides the guard by simplification. No
solver is involved, so replaying a trace (replay.py) costs a few Z3 term operations per step.

Invariants: every cell of a ConcreteArray holds a value (z3 term for which `is_value` is true);
arrays are immutable (store returns a copy); an index term is turned into a value before lookup,
and a term that does not simplify to one raises NotConcrete (a transition that reads the state at
an index the replay did not fix: a bug in the replay, never a silent guess).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import z3

from .universe import ALIVE, DELETE, FREED, GET, NONE, PC, PUT, RD, SCAN, UNBORN, WR, Universe


class NotConcrete(Exception):
    """A term that should be a value is not (an unresolved choice)."""


# Every literal has one canonical wrapper object (the first seen); cells hold only those, so a
# cell read back as an index is found by the wrapper's Python identity, without a call into Z3.
_CANON: Dict[int, z3.ExprRef] = {}  # AST id (Z3 hash-conses terms: stable) -> canonical wrapper
_ID_OF: Dict[int, int] = {}         # id(canonical wrapper) -> its AST id (kept alive by _CANON)


_LITERAL_KINDS = (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE, z3.Z3_OP_ANUM)


def _literal(e: z3.ExprRef) -> bool:
    if not z3.is_app(e):
        return False
    k = e.decl().kind()
    return k in _LITERAL_KINDS or (k == z3.Z3_OP_DT_CONSTRUCTOR and e.num_args() == 0)


def vid(e: Any) -> int:
    """The AST id of the literal e denotes (bools and ints lifted, other terms simplified)."""
    k = _ID_OF.get(id(e))
    if k is not None:
        return k
    if isinstance(e, bool):
        e = z3.BoolVal(e)
    elif isinstance(e, int):
        e = z3.IntVal(e)
    i: int = e.get_id()
    if i in _CANON:
        return i
    if not _literal(e):
        e = z3.simplify(e)  # a compound ground term: its value
        i = e.get_id()
        if i in _CANON:
            return i
        if not _literal(e):
            raise NotConcrete(str(e))
    _CANON[i] = e
    _ID_OF[id(e)] = i
    return i


def value(e: Any) -> z3.ExprRef:
    """The canonical wrapper of the literal e denotes."""
    return _CANON[vid(e)]


def holds(guard: z3.BoolRef) -> bool:
    """Whether a ground condition is true."""
    return bool(z3.is_true(value(guard)))


class ConcreteArray:
    """An immutable array over finite index sorts whose cells are all values."""

    __slots__ = ("cells",)

    def __init__(self, cells: Dict[Tuple[int, ...], z3.ExprRef]) -> None:
        self.cells = cells

    def __getitem__(self, idx: Any) -> z3.ExprRef:
        if isinstance(idx, tuple):
            return self.cells[tuple(vid(i) for i in idx)]
        return self.cells[(vid(idx),)]

    def store(self, idx: Tuple[z3.ExprRef, ...], val: Any) -> "ConcreteArray":
        cells = dict(self.cells)
        cells[tuple(vid(i) for i in idx)] = value(val)
        return ConcreteArray(cells)

    def key(self) -> Tuple[int, ...]:
        """A hashable fingerprint of the contents (canonical wrappers are one per literal)."""
        return tuple(id(self.cells[k]) for k in sorted(self.cells))


class ConcreteUniverse(Universe):
    """Threads T0..T(threads-1) and nodes N0..N(nodes-1); levels and positions integers."""

    def __init__(self, threads: int, nodes: int) -> None:
        super().__init__(threads, nodes, max_level=None)
        for e in self.threads + self.nodes + list(PC.values()) + [NONE, RD, WR, UNBORN, ALIVE,
                                                                    FREED, GET, PUT, DELETE, SCAN]:
            vid(e)  # the model's own constants become the canonical wrappers

    def filled(self, *sorts: z3.SortRef, init: Callable[..., Any]) -> ConcreteArray:
        """The array whose cell at (i, j, ...) is init(i, j, ...) (index sorts, then a value)."""
        axes = [self._elems(so) for so in sorts]
        cells: Dict[Tuple[int, ...], z3.ExprRef] = {}

        def fill(prefix: Tuple[z3.ExprRef, ...], rest: List[List[z3.ExprRef]]) -> None:
            if not rest:
                cells[tuple(vid(p) for p in prefix)] = value(init(*prefix))
                return
            for e in rest[0]:
                fill(prefix + (e,), rest[1:])
        fill((), axes)
        return ConcreteArray(cells)

    # ---- the operations model.py and invariants.py use -------------------------------------
    def array(self, name: str, *sorts: z3.SortRef) -> Any:
        raise NotConcrete("a concrete universe has no unconstrained arrays (%s)" % name)

    def store(self, arr: Any, *idx_val: z3.ExprRef) -> Any:
        return arr.store(idx_val[:-1], idx_val[-1])

    def ite(self, cond: z3.BoolRef, a: Any, b: Any) -> Any:
        return a if holds(cond) else b

    def lam(self, body: Callable[[z3.ExprRef], z3.ExprRef]) -> Any:
        return ConcreteArray({(vid(n),): value(body(n)) for n in self.nodes})

    def arr_eq(self, a: Any, b: Any) -> z3.BoolRef:
        return z3.BoolVal(a.cells == b.cells)

    def _all(self, elems: List[z3.ExprRef], sort: z3.SortRef,
             body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        return z3.BoolVal(all(holds(body(e)) for e in elems))

    def _any(self, elems: List[z3.ExprRef], sort: z3.SortRef,
             body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        return z3.BoolVal(any(holds(body(e)) for e in elems))
